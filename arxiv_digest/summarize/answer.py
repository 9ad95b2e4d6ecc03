"""Reading a chat completion in whatever shape a 200 answer comes.

The openai SDK builds its response objects without validating them, so a broken gateway's HTML
page, ``null``, ``choices`` as a string or ``content`` as a number reach us as they are. Each is
named here (``Malformed``) so the client can fail that paper with a reason, or stop the run when
every answer has the same shape; usage counts that cannot be read count as 0 and never cost an
answer that was paid for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from arxiv_digest.errors import LLMError


class TruncatedError(LLMError):
    """A reasoning answer stopped at the token bound (finish_reason "length"): the thinking
    took the bound, so a larger one may leave room for the answer."""

    def __init__(self, budget: int) -> None:
        super().__init__(f"answer cut at max_tokens={budget}")
        self.budget = budget


@dataclass(frozen=True)
class Completion:
    """An answer's text and what it cost."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    latency: float


class Malformed(Exception):
    """A 200 answer that is not a chat completion; the message names its shape."""


@dataclass(frozen=True)
class Reading:
    text: str
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    usage_readable: bool  # False: counts missing or not numbers, counted as 0
    reasoned: bool = False  # reasoning_content, a <think> block, or no content: it thought


def read_completion(response: Any) -> Reading:
    """The answer's text, finish reason and token counts; Malformed when it has none."""
    if response is None or isinstance(response, str | bytes):
        raise Malformed(_describe_text(response))
    choices = _get(response, "choices")
    if not isinstance(choices, list):
        raise Malformed(f"choices is {_kind(choices)}, not a list")
    choice = choices[0] if choices else None
    text = ""
    finish = None
    reasoned = True  # no choice, no content
    if choice is not None:
        if not _is_object(choice):
            raise Malformed(f"a choice is {_kind(choice)}, not an object")
        message = _get(choice, "message")
        if message is not None and not _is_object(message):
            raise Malformed(f"message is {_kind(message)}, not an object")
        # only content is the answer: a reasoning model's reasoning_content never is
        text = _text(_get(message, "content")) if message is not None else ""
        reason = _get(choice, "finish_reason")
        finish = reason if isinstance(reason, str) else None
        thought = _get(message, "reasoning_content") if message is not None else None
        reasoned = bool(thought) or "<think>" in text or not text.strip()
    prompt, completion, readable = _usage(_get(response, "usage"))
    return Reading(text, finish, prompt, completion, readable, reasoned)


def _text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        # content parts (OpenAI's, Mistral's reasoning models): the "text" ones are the answer
        parts = [
            part.get("text") if isinstance(part, dict) else _get(part, "text")
            for part in content
            if (part.get("type") if isinstance(part, dict) else _get(part, "type")) == "text"
        ]
        texts = [part for part in parts if isinstance(part, str)]
        if texts:
            return "".join(texts)
        raise Malformed("content is a list without text parts")
    raise Malformed(f"content is {_kind(content)}, not text")


def _usage(usage: Any) -> tuple[int, int, bool]:
    if usage is None or not _is_object(usage):
        return 0, 0, False
    prompt, completion = (
        _count(_get(usage, "prompt_tokens")),
        _count(_get(usage, "completion_tokens")),
    )
    return prompt or 0, completion or 0, prompt is not None and completion is not None


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and 0 <= value < 10**9:
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 10:
        return int(value)
    return None


def _get(obj: Any, name: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


def _is_object(value: Any) -> bool:
    """A JSON object: a dict, or the SDK's model of one."""
    return isinstance(value, dict | BaseModel)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {
        str: "a string", bool: "a boolean", int: "a number", float: "a number",
        list: "a list", dict: "an object",
    }.get(type(value), type(value).__name__)  # fmt: skip


def _describe_text(body: str | bytes | None) -> str:
    if body is None:
        return "null, not a chat completion"
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    head = text[:2048].lstrip().lower()
    if head.startswith("data:") or "\ndata:" in head:
        return "a stream of server-sent events (is stream = true in [extra_body]?)"
    if head.startswith(("<!doctype html", "<html")) or "<html" in head:
        return "an HTML page, not a chat completion"
    return "text that is not JSON, not a chat completion"
