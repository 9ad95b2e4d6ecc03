"""Which model a run asks, and why: the one the user set, else the provider's current one as the
endpoint's own model list (GET /models, kept for the day) shows it. A model the list gives a
``shutdown_date`` within 60 days is warned about on every run, weeks before the digest would stop.

Names baked into a release go stale; the list is what the provider serves today.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from arxiv_digest.errors import SetupError
from arxiv_digest.summarize.provider_facts import (
    OPENAI,
    PROVIDERS,
    Provider,
    provider_for,
    replacement,
)
from arxiv_digest.untrusted import printable

if TYPE_CHECKING:
    from arxiv_digest.config import Settings
    from arxiv_digest.summarize.cache import SummaryCache

WARN_DAYS = 60  # a shutdown this close is warned about on every run
SHOWN = 12  # served names shown in a message


@dataclass(frozen=True)
class Listed:
    """One model of the endpoint's list."""

    id: str
    shutdown: dt.date | None = None


@dataclass
class Listing:
    """The endpoint's answer to GET /models: its models, or why there are none."""

    models: list[Listed] | None
    problem: str = ""  # "HTTP 404", "connection error: …"
    unreachable: bool = False

    @property
    def ids(self) -> list[str]:
        return [m.id for m in self.models or []]


@dataclass
class Choice:
    model: str
    why: str = ""
    warnings: list[str] = field(default_factory=list)

    def line(self) -> str:
        return f"model {self.model}" + (f" ({self.why})" if self.why else "")


def base_url_of(settings: Settings) -> str:
    from arxiv_digest.summarize.client import OPENAI_DEFAULT_BASE_URL

    return settings.base_url or OPENAI_DEFAULT_BASE_URL


def fetch(settings: Settings) -> Listing:
    """GET /models once, through the SDK; a key the endpoint refuses is a setup error."""
    import openai

    from arxiv_digest.summarize.providers import FIX_KEY, error_fields, redact, shown_url
    from arxiv_digest.wire import caught, llm_client

    key = settings.api_key.get_secret_value() if settings.api_key else ""
    base_url = base_url_of(settings)
    url = shown_url(base_url)  # no user:pass@, no ?api-key= in messages
    timeout = min(settings.timeout, 30.0)
    client = openai.OpenAI(  # the list capped at 16 MB decoded and bounded in whole time
        api_key=key, base_url=base_url, max_retries=0, timeout=timeout,
        http_client=llm_client(timeout),
    )  # fmt: skip
    try:
        page = client.models.list()
        data = getattr(page, "data", None)
        if not isinstance(data, list):  # HTML, null, "data": null … from a 200: no list
            return Listing(None, "an answer that is not a model list")
        return Listing([_listed(m) for m in data if isinstance(getattr(m, "id", None), str)])
    except openai.APIConnectionError as exc:
        if (ours := caught(exc)) is not None:  # a bomb or a drip: it answered, unusably
            return Listing(None, str(ours))
        cause = type(exc.__cause__ or exc).__name__
        return Listing(None, f"connection error: {cause}", unreachable=True)
    except openai.APIStatusError as exc:
        if exc.status_code in (401, 403):
            message = redact(error_fields(exc.body)[2] or str(exc.message), key, base_url)
            raise SetupError(
                f"the LLM endpoint {url} answered HTTP {exc.status_code} "
                f"{printable(message, 300)} — {FIX_KEY}"
            ) from None
        return Listing(None, f"HTTP {exc.status_code}")
    except openai.OpenAIError as exc:  # an answer that is not a model list
        return Listing(None, type(exc).__name__)
    finally:
        client.close()


def _listed(model: Any) -> Listed:
    raw = getattr(model, "shutdown_date", None)
    try:
        shutdown = dt.date.fromisoformat(str(raw)[:10]) if raw else None
    except ValueError:
        shutdown = None
    return Listed(str(model.id), shutdown)


def listing(settings: Settings, cache: SummaryCache, today: dt.date) -> Listing:
    """The list, from the cache when it was fetched today."""
    url = base_url_of(settings)
    kept = cache.model_list(url, today.isoformat())
    if kept is not None:
        return Listing([_listed_row(row) for row in kept])
    fetched = fetch(settings)
    if fetched.models is not None:
        rows = [
            {"id": m.id, "shutdown_date": m.shutdown.isoformat() if m.shutdown else None}
            for m in fetched.models
        ]
        cache.keep_model_list(url, today.isoformat(), rows)
    return fetched


def _listed_row(row: dict[str, str | None]) -> Listed:
    shutdown = row.get("shutdown_date")
    return Listed(str(row["id"]), dt.date.fromisoformat(shutdown) if shutdown else None)


def choose(settings: Settings, found: Listing, today: dt.date) -> Choice:
    """The model to ask, why, and the warnings the run must show."""
    from arxiv_digest.summarize.providers import shown_url

    provider = provider_for(settings.base_url)
    url = shown_url(base_url_of(settings))  # for messages: no user:pass@, no ?api-key=
    ids = found.ids
    if not settings.model_chosen:
        model = str(settings.model)
        _refuse_retired(model, ids, url, today)
        return Choice(model, "as set", warnings(model, found, today))
    if found.models is None:
        usual = (provider or OPENAI).usual
        who = f"{provider.name}'s usual" if provider else "the default"
        why = f"{who}; the endpoint lists no models ({found.problem})"
        return Choice(usual, why, warnings(usual, found, today))
    if provider is None and len(ids) == 1:
        return Choice(ids[0], "the server serves one model", warnings(ids[0], found, today))
    known = provider.candidates() if provider else _everyone()
    served = [m for m in known if m in ids]
    lasting = [m for m in served if not _ending(m, found, today)]
    if not served:
        who = f"{provider.name}'s" if provider else "the"
        raise SetupError(
            f"no model set, and the LLM endpoint {url} serves none of {who} known models "
            f"({', '.join(known)}); it serves: {_names(ids)} — set ARXIV_DIGEST_MODEL to one "
            "of them"
        )
    model = (lasting or served)[0]
    usual = known[0]
    if provider is None:
        why = "the endpoint serves it; ARXIV_DIGEST_MODEL to change"
    elif model == usual:
        why = f"{provider.name}'s usual, served; ARXIV_DIGEST_MODEL to change"
    else:
        gone = "shuts down soon" if usual in served else "is not served"
        why = f"{provider.name}'s usual {usual} {gone}; the next in its preferences"
    return Choice(model, why, warnings(model, found, today))


def _everyone() -> tuple[str, ...]:
    """An unknown host (a proxy) with many models: any name the table knows, OpenAI's first."""
    order: list[Provider] = [OPENAI, *(p for p in PROVIDERS if p is not OPENAI)]
    return tuple(m for p in order for m in p.candidates())


def _ending(model: str, found: Listing, today: dt.date) -> dt.date | None:
    for listed in found.models or []:
        close = listed.shutdown is not None and (listed.shutdown - today).days <= WARN_DAYS
        if listed.id == model and close:
            return listed.shutdown
    return None


def warnings(model: str, found: Listing, today: dt.date) -> list[str]:
    """The shutdown warning for the model asked, with the provider's suggested replacement."""
    date = _ending(model, found, today)
    if date is None:
        return []
    days = (date - today).days
    when = f"in {days} days" if days > 0 else "today" if days == 0 else f"{-days} days ago"
    instead = replacement(model)
    if instead and (found.models is None or instead in found.ids):
        advice = f"; the provider suggests {instead}: set ARXIV_DIGEST_MODEL={instead}"
    else:
        suggests = f"the provider suggests {instead}, not served here; " if instead else ""
        advice = f"; {suggests}set ARXIV_DIGEST_MODEL to a model without a shutdown date"
    return [f"model {printable(model)} shuts down on {date} ({when}){advice}"]


def _refuse_retired(model: str, ids: list[str], url: str, today: dt.date) -> None:
    """A model the table knows as retired, and the endpoint no longer lists: stop before asking."""
    if not ids or model in ids:
        return
    for provider in PROVIDERS:
        if model in provider.retired:
            date, instead = provider.retired[model]
            if date > today.isoformat():
                return  # not yet: the request decides
            use = instead if instead in ids else ids[0]
            raise SetupError(
                f"ARXIV_DIGEST_MODEL={model}: {provider.name} retired it on {date}, and the LLM "
                f"endpoint {url} no longer serves it (it serves: {_names(ids)}) — set "
                f"ARXIV_DIGEST_MODEL={use}, or unset it for the provider's current model"
            )


def _names(ids: list[str]) -> str:
    shown = ", ".join(printable(i, 80) for i in ids[:SHOWN])
    return shown + (f" and {len(ids) - SHOWN} more" if len(ids) > SHOWN else "")


def decide(settings: Settings, cache: SummaryCache, today: dt.date | None = None) -> Choice:
    """Choose, and make the choice the run's: ``settings.model`` is what every request sends."""
    today = today or dt.datetime.now(dt.UTC).date()
    choice = choose(settings, listing(settings, cache, today), today)
    settings.model = choice.model
    settings.model_why = choice.why
    return choice
