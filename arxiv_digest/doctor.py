"""`arxiv-digest doctor`: the check a user runs after setting the secrets, before the first day.

Each line is ✓ or ✗ with the fix; it asks arXiv and the endpoint for real (one small paper's
worth of tokens) and writes nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from arxiv_digest.config import Settings, load_settings, placeholder_key
from arxiv_digest.errors import ApiError, DigestError, LLMError
from arxiv_digest.models import Paper
from arxiv_digest.sources.api import ExportApi
from arxiv_digest.sources.feed import fetch_feed, parse_feed
from arxiv_digest.sources.http import HttpFetcher
from arxiv_digest.summarize.prompts import Prompts, find_prompts_dir
from arxiv_digest.summarize.validate import AnswerError, Limits, check_answer
from arxiv_digest.untrusted import printable

# a real paper (arXiv 2509.08379v1), for a day when the feed has none (weekends)
SAMPLE = Paper(
    id="2509.08379",
    version=1,
    announce_type="new",
    title="LatentVoiceGrad: Nonparallel Voice Conversion with Latent "
    "Diffusion/Flow-Matching Models",
    authors=["Hirokazu Kameoka", "Takuhiro Kaneko", "Kou Tanaka", "Yuto Kondo"],
    categories=["cs.SD", "eess.AS"],
    abstract=(
        "Previously, we introduced VoiceGrad, a nonparallel voice conversion (VC) technique "
        "enabling mel-spectrogram conversion from source to target speakers using a score-based "
        "diffusion model. The concept involves training a score network to predict the gradient "
        "of the log density of mel-spectrograms from various speakers. VC is executed by "
        "iteratively adjusting an input mel-spectrogram until resembling the target speaker's. "
        "However, challenges persist: audio quality needs improvement, and conversion is slower "
        "compared to modern VC methods designed to operate at very high speeds. To address "
        "these, we introduce latent diffusion models into VoiceGrad, proposing an improved "
        "version with reverse diffusion in the autoencoder bottleneck. Additionally, we propose "
        "using a flow matching model as an alternative to the diffusion model to further speed "
        "up the conversion process without compromising the conversion quality."
    ),
)


def _where_the_key_goes() -> str:
    if os.environ.get("GITHUB_ACTIONS") == "true":
        return "add it as a repository secret (Settings → Secrets and variables → Actions)"
    return "export OPENAI_API_KEY=… in this shell, or put it in .env (copy .env.example)"


@dataclass
class Check:
    ok: bool
    text: str
    warn: bool = False  # passes, but needs doing soon (a model's shutdown date)

    def line(self) -> str:
        return f"{'✗' if not self.ok else '⚠' if self.warn else '✓'} {self.text}"


class Doctor:
    def __init__(self, config: Path | None, say: Callable[[Check], None]) -> None:
        self.config = config
        self.say = say
        self.checks: list[Check] = []
        self.unlisted = ""  # the models offered, when ours is not among them
        self.one_model = ""  # the one model a one-model server lists, when ours is another name

    def note(self, ok: bool, text: str, warn: bool = False) -> bool:
        check = Check(ok, text, warn)
        self.checks.append(check)
        self.say(check)
        return ok

    def run(self) -> bool:
        try:
            settings = load_settings(self.config)
        except DigestError as exc:
            self.note(False, f"config: {exc}")
            return False
        groups = ", ".join(f"{g.name} ({', '.join(g.categories)})" for g in settings.groups)
        where = self.config or ("arxiv-digest.toml" if Path("arxiv-digest.toml").exists() else "")
        # the daily job runs `summarize` with no -c: without a group it has nothing to do (exit 2)
        self.note(bool(groups), f"config {where or '(none)'}: " + (groups or "no groups — add "
                  "a [[groups]] table to arxiv-digest.toml (see README), or every run needs "
                  "-c CATEGORIES"))  # fmt: skip
        paper = self.arxiv(settings)
        if settings.api_key is None:
            self.note(False, f"OPENAI_API_KEY is not set — {_where_the_key_goes()}")
            return False
        if problem := placeholder_key(settings.api_key):
            self.note(False, f"{problem} — {_where_the_key_goes()}")
            return False
        self.note(True, f"OPENAI_API_KEY is set ({len(settings.api_key.get_secret_value())} "
                  "characters, not shown)")  # fmt: skip
        if self.endpoint(settings):
            self.summary(settings, paper)
        return all(check.ok for check in self.checks)

    # -- arXiv ---------------------------------------------------------------------------------
    def arxiv(self, settings: Settings) -> Paper:
        categories = settings.groups[0].categories if settings.groups else ["cs.SD"]
        paper = SAMPLE
        with HttpFetcher(timeout=20, total=30, attempts=2, backoff=1.0, max_total=40) as http:
            try:
                listing = parse_feed(fetch_feed(http, settings.rss_url, categories))
                self.note(True, f"arXiv feed {'+'.join(categories)}: {len(listing.papers)} "
                          f"papers announced {listing.date}")  # fmt: skip
                paper = listing.papers[0] if listing.papers else SAMPLE
            except DigestError as exc:
                self.note(False, f"arXiv feed: {exc} — check ARXIV_DIGEST_RSS_URL or try later")
            try:
                found = ExportApi(http, settings.api_url).lookup([paper.id])
                self.note(True, f"arXiv export API: {len(found)} of 1 paper looked up")
            except ApiError as exc:
                self.note(False, f"arXiv export API: {exc} — the digest goes on without 备注")
        return paper

    # -- the endpoint --------------------------------------------------------------------------
    def endpoint(self, settings: Settings) -> bool:
        """The model list decides the model as in a run; a name it lacks is tried below."""
        from arxiv_digest.summarize.model_choice import base_url_of, choose, fetch
        from arxiv_digest.summarize.providers import shown_url

        url = shown_url(base_url_of(settings))  # no user:pass@, no ?api-key=
        try:
            found = fetch(settings)
        except DigestError as exc:  # the key refused
            return self.note(False, str(exc))
        if found.unreachable:
            return self.note(False, f"cannot reach the LLM endpoint {url}: {found.problem} — "
                             "check OPENAI_BASE_URL")  # fmt: skip
        if found.models is None:
            self.note(True, f"endpoint {url} reachable (it lists no models: {found.problem})")
        else:
            self.note(True, f"endpoint {url} reachable, {len(found.ids)} models offered")
        try:
            choice = choose(settings, found, dt.datetime.now(dt.UTC).date())
        except DigestError as exc:
            return self.note(False, str(exc))
        settings.model, settings.model_why = choice.model, choice.why
        ids = found.ids
        if found.models is None:
            self.note(True, f"{printable(choice.line())}: tried below")
        elif choice.model in ids:
            self.note(True, f"{printable(choice.line())} is offered")
        elif len(ids) == 1:  # llama.cpp lists its one model by file path, answers to any name
            self.one_model = printable(ids[0])
        else:
            self.unlisted = ", ".join(printable(i, 80) for i in ids[:8]) + (
                " …" if len(ids) > 8 else ""
            )
        for warning in choice.warnings:
            self.note(True, warning, warn=True)
        return True

    def summary(self, settings: Settings, paper: Paper) -> None:
        from arxiv_digest.summarize.client import LLMClient

        try:
            prompts = Prompts.load(find_prompts_dir(settings.prompts_dir))
        except DigestError as exc:
            self.note(False, f"prompts: {exc}")
            return
        limits = Limits(settings.summary_min_chars, settings.summary_max_chars)

        async def ask() -> tuple[str, LLMClient]:
            client = LLMClient(settings)
            try:
                completion = await client.complete(prompts.messages(paper), 2000)
                return completion.text, client
            finally:
                await client.close()

        try:
            text, client = asyncio.run(ask())
        except (DigestError, LLMError) as exc:
            offered = self.unlisted or self.one_model
            offered = f" (offered: {offered})" if offered else ""
            self.note(False, f"one paper summarized: {exc}{offered}")
            return
        if self.one_model:
            self.note(True, f"the server serves one model ({self.one_model}); it answers to the "
                      f"name {printable(str(settings.model))}")  # fmt: skip
        elif self.unlisted:
            self.note(True, f"model {printable(str(settings.model))} is not in the list "
                      f"({self.unlisted}), but the endpoint answers to it")  # fmt: skip
        if client.shape.json_mode:
            self.note(True, "JSON mode (response_format json_object) accepted")
        else:
            self.note(True, "JSON mode refused; answers are read out of the text instead")
        for change in client.shape.switched:
            self.note(True, f"the endpoint refused a parameter: {change} (done by itself)")
        try:
            summary = check_answer(text, limits)
        except AnswerError as exc:
            self.note(False, f"one paper summarized, but the answer fails the checks: {exc} — "
                      "a model this small or non-Chinese will fail every paper; choose another "
                      f"with ARXIV_DIGEST_MODEL (answer began: {text[:80]!r})")  # fmt: skip
            return
        self.note(True, f"one paper summarized ({paper.versioned_id}): 标签 "
                  f"{'; '.join(summary.tags)} | 简介 {summary.summary}")  # fmt: skip
