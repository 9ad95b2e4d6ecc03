"""200 answers that are not a usable chat completion, as broken proxies, misconfigured gateways
and hostile servers send them: mode → (content type, body, extra headers)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.support.fake_llm.answers import Call, good_summary


def _completion(call: Call, **fields: Any) -> bytes:
    """A chat completion as servers send it, with some fields replaced by hostile ones."""
    good = {"tags": ["测试标签", "机器学习"], "summary": good_summary(call.title)}
    body: dict[str, Any] = {
        "id": f"chatcmpl-{call.index}",
        "object": "chat.completion",
        "created": 0,
        "model": call.body.get("model", "fake"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": json.dumps(good, ensure_ascii=False)},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150},
    }
    for path, value in fields.items():
        target = body
        *parents, last = path.split("__")
        for part in parents:
            target = target[part][0] if isinstance(target[part], list) else target[part]
        if value is _DROP:
            target.pop(last)
        else:
            target[last] = value
    return json.dumps(body, ensure_ascii=False).encode()


_DROP = object()
_JSON = "application/json"


def _sse(call: Call) -> bytes:
    """What a server streams when the request said stream = true (server-sent events)."""
    answer = {"tags": ["测试标签"], "summary": good_summary(call.title)}
    text = json.dumps(answer, ensure_ascii=False)
    delta = {"index": 0, "delta": {"content": text}, "finish_reason": None}
    chunk = {"id": "c", "object": "chat.completion.chunk", "created": 0, "choices": [delta]}
    return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\ndata: [DONE]\n\n".encode()


def _parts(call: Call) -> list[dict[str, Any]]:
    answer = {"tags": ["测试标签"], "summary": good_summary(call.title)}
    return [
        {"type": "thinking", "thinking": [{"type": "text", "text": "先想想。"}]},
        {"type": "text", "text": json.dumps(answer, ensure_ascii=False)},
    ]


def _bomb() -> bytes:
    from tests.support.hostile import MB, gzip_bomb

    return gzip_bomb(200 * MB, b'{"choices": [{"message": {"content": "')


RAW_ANSWERS: dict[str, Callable[[Call], tuple[str, bytes, dict[str, str]]]] = {
    "html": lambda c: ("text/html", b"<html><body><h1>Welcome to nginx!</h1></body></html>", {}),
    "null": lambda c: (_JSON, b"null", {}),
    "choices_str": lambda c: (_JSON, _completion(c, choices="oops"), {}),
    "message_str": lambda c: (_JSON, _completion(c, choices__message="hello"), {}),
    "content_list": lambda c: (_JSON, _completion(c, choices__message__content=[1, 2]), {}),
    "content_number": lambda c: (_JSON, _completion(c, choices__message__content=42), {}),
    # Mistral's reasoning models: content as a list of chunks, thinking first
    "content_parts": lambda c: (_JSON, _completion(c, choices__message__content=_parts(c)), {}),
    "usage_null": lambda c: (
        _JSON, _completion(c, usage={"prompt_tokens": None, "completion_tokens": None}), {}
    ),
    "usage_str": lambda c: (
        _JSON, _completion(c, usage={"prompt_tokens": "many", "completion_tokens": "12"}), {}
    ),
    "usage_missing": lambda c: (_JSON, _completion(c, usage=_DROP), {}),
    "usage_list": lambda c: (_JSON, _completion(c, usage=[1, 2]), {}),
    "sse": lambda c: ("text/event-stream", _sse(c), {}),
    "bomb": lambda c: (_JSON, _bomb(), {"Content-Encoding": "gzip"}),
}
