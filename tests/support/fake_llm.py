"""A fake OpenAI-compatible /v1/chat/completions server on 127.0.0.1.

The real openai SDK talks to it over HTTP. It answers like a good model by default and can be
told to misbehave per request: latency with jitter, 429 + Retry-After, 500, hangs past the
client's timeout, non-JSON, English-only, over-long, echoed （99字） notes, 401, refusing
``response_format``, and an RPM cap that answers 429 when exceeded. Tests and benchmarks share it;
``python -m tests.support.fake_llm --latency 1 --rpm-cap 60`` runs it standalone.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TITLE = re.compile(r"标题[:：]\s*(.+)")
PAPER_ID = re.compile(r"^\[(\S+)\]", re.MULTILINE)
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")


def count_tokens(text: str) -> int:
    """The model's tokenizer (tiktoken o200k_base) when it can load offline, else an estimate."""
    encoding = _tokenizer()
    if encoding is not None:
        return len(encoding.encode(text))
    return estimate_tokens(text)


def estimate_tokens(text: str) -> int:
    """One token per CJK character, characters/4 for the rest: chars/4 alone undercounts Chinese."""
    cjk = len(CJK.findall(text))
    return max(1, cjk + (len(text) - cjk + 3) // 4)


def tokenizer_name() -> str:
    return (
        "tiktoken o200k_base" if _tokenizer() is not None else "estimate (CJK 1/char, else chars/4)"
    )


_TOKENIZER: list[Any] = []


def _tokenizer() -> Any:
    if not _TOKENIZER:
        try:
            import tiktoken

            _TOKENIZER.append(tiktoken.get_encoding("o200k_base"))
        except Exception:  # not installed, or its data can't be fetched offline
            _TOKENIZER.append(None)
    return _TOKENIZER[0]


def good_summary(title: str) -> str:
    return (
        f"该论文属于测试任务，旨在解决“{title[:24]}”相关的问题。作者提出一种新的方法，"
        "并在多个公开基准上进行验证，实验表明该方法优于现有基线。"
    )


@dataclass
class Call:
    index: int
    body: dict[str, Any]
    at: float
    mode: str = "ok"
    status: int = 200
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def user(self) -> str:
        users = [m["content"] for m in self.body.get("messages", []) if m["role"] == "user"]
        return users[-1] if users else ""

    @property
    def first_user(self) -> str:
        users = [m["content"] for m in self.body.get("messages", []) if m["role"] == "user"]
        return users[0] if users else ""

    @property
    def title(self) -> str:
        match = TITLE.search(self.first_user)
        return match.group(1).strip() if match else ""


@dataclass
class FakeLLM:
    latency: float = 0.0
    jitter: float = 0.0  # ± fraction of latency
    rpm_cap: int | None = None
    retry_after: float = 1.0
    hang_seconds: float = 5.0
    # first consumed one per request, then fault(call) decides; None or "ok" answers well
    script: list[str] = field(default_factory=list)
    fault: Callable[[Call], str | None] | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        self.calls: list[Call] = []
        self.lock = threading.Lock()
        self.window: deque[float] = deque()
        self.inflight = 0
        self.max_inflight = 0
        self.rng = random.Random(self.seed)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # no 40 ms Nagle/delayed-ACK stall per answer

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                with fake.lock:
                    fake.inflight += 1
                    fake.max_inflight = max(fake.max_inflight, fake.inflight)
                try:
                    status, headers, payload = fake.handle(self.path, body, self.headers)
                finally:
                    with fake.lock:
                        fake.inflight -= 1
                data = json.dumps(payload, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and left, as it should

            def do_GET(self) -> None:
                """/stats: what was served, for a benchmark driving this server from outside."""
                with fake.lock:
                    rows = [
                        [c.at, c.status, c.mode, c.prompt_tokens, c.completion_tokens]
                        for c in fake.calls
                    ]
                data = json.dumps({"calls": rows}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> FakeLLM:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- what tests look at ----------------------------------------------------------------
    def answered(self) -> list[Call]:
        return [c for c in self.calls if c.status == 200 and c.mode != "hang"]

    def count(self, mode: str) -> int:
        return sum(1 for c in self.calls if c.mode == mode)

    # -- behaviour -------------------------------------------------------------------------
    def handle(
        self, path: str, body: dict[str, Any], headers: Any
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        if not path.rstrip("/").endswith("/chat/completions"):
            return 404, {}, {"error": {"message": f"no route {path}", "type": "not_found"}}
        with self.lock:
            call = Call(index=len(self.calls), body=body, at=time.monotonic())
            self.calls.append(call)
            mode = self.script.pop(0) if self.script else None
            if mode is None and self.fault is not None:
                mode = self.fault(call)
            call.mode = mode or "ok"
            if self.rpm_cap and call.mode == "ok":
                now = call.at
                while self.window and self.window[0] <= now - 60.0:
                    self.window.popleft()
                if len(self.window) >= self.rpm_cap:
                    call.mode = "rpm"
                    wait = math.ceil(self.window[0] + 60.0 - now)
                else:
                    self.window.append(now)
            delay = self.latency * (1 + self.rng.uniform(-self.jitter, self.jitter))
        mode = call.mode
        if mode == "rpm":
            call.status = 429
            return 429, {"Retry-After": str(max(1, wait))}, _error("rate limit", "rate_limit")
        if mode == "429":
            call.status = 429
            return 429, {"Retry-After": f"{self.retry_after:g}"}, _error("slow down", "rate_limit")
        if mode == "500":
            call.status = 500
            return 500, {}, _error("internal error", "server_error")
        if mode in ("401", "403"):
            call.status = int(mode)
            auth = headers.get("Authorization", "")
            return call.status, {}, _error(f"Incorrect API key provided: {auth[7:]}", "auth")
        if mode in ("400", "404", "422"):
            call.status = int(mode)
            return call.status, {}, _error(f"refused with {mode}", "invalid_request_error")
        if mode == "reject_json_mode" and "response_format" in body:
            call.status = 400
            return 400, {}, _error("response_format is not supported", "invalid_request_error")
        if mode == "hang":
            time.sleep(self.hang_seconds)
        elif delay > 0:
            time.sleep(delay)
        content = self.content(call, mode)
        prompt = "".join(m["content"] for m in body.get("messages", []))
        call.prompt_tokens = count_tokens(prompt)
        call.completion_tokens = count_tokens(content)
        return (
            200,
            {},
            {
                "id": f"chatcmpl-{call.index}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "fake"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": call.prompt_tokens,
                    "completion_tokens": call.completion_tokens,
                    "total_tokens": call.prompt_tokens + call.completion_tokens,
                },
            },
        )

    def content(self, call: Call, mode: str) -> str:
        ids = PAPER_ID.findall(call.first_user)
        if ids and "JSON 数组" in "".join(m["content"] for m in call.body["messages"]):
            return self.batch_content(call, ids, mode)
        summary = good_summary(call.title)
        tags = ["测试标签", "机器学习"]
        if mode == "nonjson":
            return "抱歉，我无法按要求回答。"
        if mode == "english":
            summary = "This paper studies a test task and proposes a method that works well."
            tags = ["testing"]
        elif mode == "long":
            summary = summary * 6
        elif mode == "zi":
            summary = f"**{summary}**（99字）"
        elif mode == "empty":
            return ""
        elif mode == "fenced":
            return "```json\n" + json.dumps({"tags": tags, "summary": summary}) + "\n```"
        return json.dumps({"tags": tags, "summary": summary}, ensure_ascii=False)

    def batch_content(self, call: Call, ids: list[str], mode: str) -> str:
        titles = TITLE.findall(call.first_user)
        items = []
        for number, (paper_id, title) in enumerate(zip(ids, titles, strict=False)):
            summary = good_summary(title.strip())
            if mode == "english" and number == 0:
                summary = "English only answer for the first paper of the batch."
            items.append({"id": paper_id, "tags": ["测试标签"], "summary": summary})
        if mode == "nonjson":
            return "不是 JSON"
        return json.dumps({"papers": items}, ensure_ascii=False)


class _QuietServer(ThreadingHTTPServer):
    request_queue_size = 512  # listen() backlog: 32+ clients connect at once
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout, cancelled run) is expected here, not an error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _error(message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "code": kind}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--jitter", type=float, default=0.2)
    parser.add_argument("--rpm-cap", type=int, default=None)
    args = parser.parse_args()
    fake = FakeLLM(latency=args.latency, jitter=args.jitter, rpm_cap=args.rpm_cap).start()
    print(fake.base_url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
