"""What OpenAI-compatible endpoints differ in, known in one place: which model a host serves by
default, how its errors read, and which request parameters it refuses.

The client asks ``classify`` what an HTTP error means before it decides to retry, so a wrong model
name or an empty account stops a run on its first answer instead of failing every paper.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

from arxiv_digest.summarize.provider_facts import PROVIDERS, default_model, replacement

__all__ = ["classify", "default_model", "served_names"]


Kind = Literal[
    "setup", "paper", "retry", "token_param", "temperature", "response_format", "thinking"
]


@dataclass(frozen=True)
class Verdict:
    """What an error means for the run: the kind decides, the fix is shown to the user."""

    kind: Kind
    fix: str = ""
    known: bool = True  # False: a refusal no rule recognises (the first wave's sameness decides)
    field: str = ""  # "thinking": the refused field of the thinking switch


_MODEL_MISSING = re.compile(
    r"model\b.*\b(does not exist|not found|not exist|unknown|is not supported|not available|"
    r"no access|do not have access)|(unknown|invalid|unsupported) model|no such model|"
    r"model_not_found|模型不存在",
    re.IGNORECASE,
)
_KEY_PROBLEM = re.compile(
    r"api[ _-]?key|authenticat|unauthori[sz]ed|invalid[ _]token|proxy server token|"
    r"incorrect key|invalid_api_key",
    re.IGNORECASE,
)
_QUOTA = re.compile(r"insufficient[ _](quota|balance)|quota exceeded|arrearage|余额不足|欠费",
                    re.IGNORECASE)
_PAPER = re.compile(
    r"context[ _](length|window|size)|too (long|many tokens)|maximum context|exceeds? the "
    r"(available )?context|prompt is too long|content[ _](filter|policy|management)|"
    r"inappropriate|data_inspection_failed|safety|sensitive",
    re.IGNORECASE,
)
_UNSUPPORTED = re.compile(r"unsupported|not supported|does not support|unrecognized|"
                          r"unknown (parameter|field|argument)|extra (inputs|fields)",
                          re.IGNORECASE)

# DeepSeek's answer to a model it does not serve (HTTP 400): "The supported API model names are
# deepseek-v4-pro or deepseek-v4-flash, but you passed deepseek-chat."
_SERVED = re.compile(
    r"supported (?:api )?model names are (?P<names>.+?)[,.]? but you passed "
    r"(?P<passed>[^\s,]+?)\.?$",
    re.IGNORECASE,
)

FIX_KEY = "check OPENAI_API_KEY and OPENAI_BASE_URL"
FIX_MODEL = "set ARXIV_DIGEST_MODEL to a model this endpoint serves"
FIX_PATH = "check OPENAI_BASE_URL (it usually ends in /v1)"
FIX_MONEY = "top up the account or check its plan"


def error_fields(body: Any) -> tuple[str, str, str]:
    """(code, param, message) out of the error bodies providers send, in all their shapes."""
    error = body.get("error", body) if isinstance(body, dict) else body
    if isinstance(error, str):
        return "", "", error
    if not isinstance(error, dict):
        return "", "", ""
    return (
        str(error.get("code") or error.get("type") or ""),
        str(error.get("param") or ""),
        str(error.get("message") or error.get("msg") or error.get("detail") or ""),
    )


def classify(status: int, body: Any, sent: dict[str, Any]) -> Verdict:
    """Decide by the error, never by how many papers hit it; ``sent`` is the request's kwargs."""
    code, param, message = error_fields(body)
    text = f"{code} {param} {message}"
    served = served_names(message)
    if served is not None:
        return Verdict("setup", model_fix(served[0], served[1]))
    if status in (401, 403):
        return Verdict("setup", FIX_KEY)
    if status == 402 or _QUOTA.search(text):
        return Verdict("setup", FIX_MONEY)
    if status == 429:
        return Verdict("retry")
    if status == 404:
        if _MODEL_MISSING.search(text) or "model" in text.lower():
            return Verdict("setup", FIX_MODEL)
        return Verdict("setup", FIX_PATH)
    if status >= 500 or status in (408, 409):
        return Verdict("retry")
    # a 4xx about the request's shape: the same for every paper
    quirk = _quirk(text, param, sent)
    if quirk is not None:
        return Verdict(quirk, field=_thinking_field(text, param, sent))
    if _PAPER.search(text):
        return Verdict("paper")
    if _KEY_PROBLEM.search(text):
        return Verdict("setup", FIX_KEY)
    if _MODEL_MISSING.search(text):
        return Verdict("setup", FIX_MODEL)
    if _UNSUPPORTED.search(text) or code in ("unsupported_parameter", "unsupported_value"):
        return Verdict("setup", "remove the setting the endpoint refuses (see the message)")
    return Verdict("paper", known=False)


def served_names(message: str) -> tuple[list[str], str] | None:
    """(the models an endpoint says it serves, the one we passed) from a refusal that names them."""
    match = _SERVED.search(message.strip())
    if match is None:
        return None
    names = [n.strip(" `'\"") for n in re.split(r",|\bor\b|\band\b", match["names"])]
    return [n for n in names if n], match["passed"].strip("`'\"")


def model_fix(served: list[str], passed: str) -> str:
    """Set the model to one that is served: the provider's replacement, else its preference."""
    known = [replacement(passed), *(m for p in PROVIDERS for m in p.candidates())]
    choice = next((m for m in known if m and m in served), served[0] if served else "")
    retired = f" ({passed} is retired)" if replacement(passed) else ""
    return f"set ARXIV_DIGEST_MODEL={choice}{retired}, or unset it for the provider's current one"


def _quirk(text: str, param: str, sent: dict[str, Any]) -> Kind | None:
    """A refused parameter we know how to do without, if this request sent it."""
    lowered = text.lower()
    if not _UNSUPPORTED.search(text) and "instead" not in lowered and "invalid" not in lowered:
        return None
    if _thinking_field(text, param, sent):
        return "thinking"
    if "max_tokens" in sent and ("max_tokens" in param or "'max_tokens'" in lowered
                                 or "max_completion_tokens" in lowered):
        return "token_param"
    if "temperature" in sent and ("temperature" in param or "temperature" in lowered):
        return "temperature"
    if "response_format" in sent and (
        "response_format" in param or "response_format" in lowered or "json_object" in lowered
        or "json mode" in lowered
    ):
        return "response_format"
    return None


# a thinking switch's fields; chat_template_kwargs first: a refusal of it may name its inner
# enable_thinking too ("chat_template_kwargs.enable_thinking: extra inputs are not permitted")
_THINKING_FIELDS = ("chat_template_kwargs", "thinking", "enable_thinking", "reasoning_effort")


def _thinking_field(text: str, param: str, sent: dict[str, Any]) -> str:
    """The field of a thinking switch this request sent that the refusal names ("" if none)."""
    extra, lowered = sent.get("extra_body") or {}, text.lower()
    return next((k for k in _THINKING_FIELDS if k in extra and (k in param or k in lowered)), "")


def redact(text: str, secret: str, base_url: str = "") -> str:
    """The key out of a provider's message (LiteLLM echoes part of it back), and the secrets a
    base URL may hold (user:pass@, ?api-key=) out of anything that shows it."""
    for value in sorted(url_secrets(base_url), key=len, reverse=True):
        text = text.replace(value, "***")
    if secret:
        text = text.replace(secret, "***")
        if len(secret) > 8:
            text = text.replace(secret[-4:], "****") if f"...{secret[-4:]}" in text else text
    return text


def url_secrets(url: str) -> list[str]:
    """What in a URL may be a credential: the userinfo and every query value (Azure's api-key,
    proxies' ?key=, ?token=), each also as it appears percent-encoded."""
    if not url:
        return []
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    found = [parts.username or "", parts.password or ""]
    found += [value for _, value in parse_qsl(parts.query, keep_blank_values=False)]
    found += [chunk.partition("=")[2] for chunk in parts.query.split("&")]
    found += [userinfo for userinfo in [parts.netloc.rpartition("@")[0]] if userinfo]
    found += [unquote(value) for value in found]
    return [value for value in dict.fromkeys(found) if len(value) >= 3]


def shown_url(url: str) -> str:
    """The base URL as messages show it: host and path, no userinfo, query values hidden."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return redact(url, "", url)
    if ":" in host:
        host = f"[{host}]"
    netloc = ("***@" if "@" in parts.netloc else "") + host + port
    query = "&".join(
        f"{chunk.partition('=')[0]}=***" if "=" in chunk else "***"
        for chunk in parts.query.split("&")
        if chunk
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))
