"""The fake endpoint itself: a ThreadingHTTPServer on 127.0.0.1 that serves
/v1/chat/completions, /v1/models and /v1/embeddings, misbehaving per request as told."""

from __future__ import annotations

import hashlib
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

from tests.support.fake_llm.answers import PLAIN_TOKENS, Call, content
from tests.support.fake_llm.errors import PROVIDER_ERRORS, error
from tests.support.fake_llm.raw import RAW_ANSWERS
from tests.support.fake_llm.tokens import count_tokens


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
    # how real servers differ (each as the provider's docs and users' pasted errors show it)
    parallel: int | None = None  # slots that compute at once; other requests queue (llama.cpp)
    refuse_max_tokens: bool = False  # OpenAI gpt-5 / o-series: max_completion_tokens only
    refuse_temperature: bool = False  # o-series: only the default temperature 1
    refuse_json_mode: bool = False  # response_format unsupported
    reasoning_tokens: int | None = None  # a reasoning model thinks this long before answering
    drip_seconds: float = 3.0  # "drip": blank keep-alive lines this long before the answer
    # GET /v1/models lists these (a name, or a dict with more fields such as OpenAI's
    # shutdown_date); None: 404, as some servers
    models: list[str | dict[str, Any]] | None = None
    strict_models: bool = False  # DeepSeek: a model not listed is refused with its 400
    thinks_by_default: int | None = None  # DeepSeek V4: thinks this long unless disabled
    # vLLM, SGLang, llama.cpp serving Qwen3: thinks this long unless the chat template is told
    # chat_template_kwargs.enable_thinking = false (a top-level enable_thinking is ignored)
    template_thinks: int | None = None
    refuse_fields: tuple[str, ...] = ()  # request fields refused as OpenAI refuses unknown ones
    # answers of different lengths (0–7 extra sentences), each taking time in proportion to its
    # tokens, as a local model generates them: `latency` is then the time of a plain answer
    variable: bool = False

    def __post_init__(self) -> None:
        self.calls: list[Call] = []
        self.lock = threading.Lock()
        self.window: deque[float] = deque()
        self.inflight = 0
        self.max_inflight = 0
        self.model_lists = 0  # GET /models served
        self.embedded: list[str] = []  # every input /embeddings was asked for
        self.rng = random.Random(self.seed)
        self._slots: threading.Semaphore | None = None
        self.httpd = _QuietServer(("127.0.0.1", 0), _Handler)
        self.httpd.fake = self
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

    def slots(self) -> threading.Semaphore | None:
        """Made on first use, so a test may set ``parallel`` after start()."""
        with self.lock:
            if self.parallel and self._slots is None:
                self._slots = threading.Semaphore(self.parallel)
            return self._slots

    # -- what tests look at ----------------------------------------------------------------
    def answered(self) -> list[Call]:
        return [c for c in self.calls if c.status == 200 and c.mode != "hang"]

    def served(self) -> list[str]:
        return [m["id"] if isinstance(m, dict) else m for m in self.models or []]

    def count(self, mode: str) -> int:
        return sum(1 for c in self.calls if c.mode == mode)

    # -- behaviour -------------------------------------------------------------------------
    def handle(
        self, path: str, body: dict[str, Any], headers: Any
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        if path.rstrip("/").endswith("/embeddings"):
            return self.embeddings(body)
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
            if self.variable:
                call.extra = self.rng.randint(0, 7)
        mode = call.mode
        if mode == "rpm":
            call.status = 429
            return 429, {"Retry-After": str(max(1, wait))}, error("rate limit", "rate_limit")
        refused = self.refusal(call, mode, headers)
        if refused is not None:
            call.status = refused[0]
            retry = {"Retry-After": f"{self.retry_after:g}"} if mode == "429" else {}
            return refused[0], retry, refused[1]
        if mode in RAW_ANSWERS:
            call.status = 200
            ctype, data, extra = RAW_ANSWERS[mode](call)
            return 200, dict(extra), {"__raw__": data, "__type__": ctype}
        content, reasoning, finish = self.answer(call, mode)
        if self.variable:
            delay *= count_tokens(content or "") / PLAIN_TOKENS
        if mode in ("hang", "never"):  # a long answer: it holds its slot as it computes
            delay = self.hang_seconds if mode == "hang" else 3600
        if delay > 0:
            slots = self.slots()
            if slots is not None:
                with slots:  # one of `parallel` slots computes, the rest queue
                    time.sleep(delay)
            else:
                time.sleep(delay)
        prompt = "".join(m["content"] for m in body.get("messages", []))
        call.prompt_tokens = count_tokens(prompt)
        call.completion_tokens = count_tokens(content or "") + count_tokens(reasoning or "")
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if reasoning is not None:
            message["reasoning_content"] = reasoning
        return (
            200,
            {"X-Drip": "1"} if mode == "drip" else {},
            {
                "id": f"chatcmpl-{call.index}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "fake"),
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": {
                    "prompt_tokens": call.prompt_tokens,
                    "completion_tokens": call.completion_tokens,
                    "total_tokens": call.prompt_tokens + call.completion_tokens,
                },
            },
        )

    def embeddings(self, body: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        """OpenAI's /v1/embeddings: a deterministic 64-dimension vector per input, words
        hashed into bins, so texts sharing words are close."""
        inputs = body.get("input")
        inputs = [inputs] if isinstance(inputs, str) else list(inputs or [])
        with self.lock:
            self.embedded.extend(inputs)
        data = []
        for index, text in enumerate(inputs):
            vector = [0.0] * 64
            for word in re.findall(r"[a-z]{3,}", str(text).lower()):
                vector[int(hashlib.sha1(word.encode()).hexdigest(), 16) % 64] += 1.0
            data.append({"object": "embedding", "index": index, "embedding": vector})
        tokens = sum(count_tokens(str(t)) for t in inputs)
        return 200, {}, {
            "object": "list", "data": data, "model": body.get("model", "fake"),
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }  # fmt: skip

    def refusal(
        self, call: Call, mode: str, headers: Any
    ) -> tuple[int, dict[str, Any]] | None:
        """Error answers, bodies shaped as each provider sends them."""
        body = call.body
        if mode in PROVIDER_ERRORS:
            status, payload = PROVIDER_ERRORS[mode]
            return status, json.loads(json.dumps(payload).replace("{model}", body.get("model", "")))
        if self.strict_models and body.get("model") not in self.served():
            names = self.served()
            listed = " or ".join(names) if len(names) == 2 else ", ".join(names)
            return 400, {
                "error": {
                    "message": f"The supported API model names are {listed}, but you passed "
                    f"{body.get('model')}.",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "invalid_request_error",
                }
            }
        if mode == "429":
            return 429, error("slow down", "rate_limit")
        if mode == "500":
            return 500, error("internal error", "server_error")
        if mode in ("401", "403"):
            auth = headers.get("Authorization", "")
            return int(mode), error(f"Incorrect API key provided: {auth[7:]}", "auth")
        if mode in ("400", "422"):
            return int(mode), error(f"refused with {mode}", "invalid_request_error")
        if mode == "400_per_paper":  # a refusal that names what it found in this paper
            return 400, error(f"cannot process {call.title[:40]}", "invalid_request_error")
        for name in self.refuse_fields:
            if name in body:
                message = f"Unrecognized request argument supplied: {name}"
                return 400, error(message, "invalid_request_error")
        if self.refuse_max_tokens and "max_tokens" in body:
            return 400, PROVIDER_ERRORS["openai_max_tokens"][1]
        if self.refuse_temperature and body.get("temperature", 1) != 1:
            return 400, PROVIDER_ERRORS["openai_temperature"][1]
        if (self.refuse_json_mode or mode == "reject_json_mode") and "response_format" in body:
            return 400, error("response_format is not supported", "invalid_request_error")
        return None

    def answer(self, call: Call, mode: str) -> tuple[str | None, str | None, str]:
        """(content, reasoning_content, finish_reason)."""
        budget = call.body.get("max_completion_tokens") or call.body.get("max_tokens") or 10**6
        thinks = self.reasoning_tokens
        if self.thinks_by_default and call.body.get("thinking") != {"type": "disabled"}:
            thinks = self.thinks_by_default
        template = call.body.get("chat_template_kwargs") or {}
        if self.template_thinks and template.get("enable_thinking", True) is not False:
            thinks = self.template_thinks
        if thinks is not None:
            thought = "让我想想这篇论文。" * max(1, thinks // 10)
            if budget < thinks + 80:  # thought away the whole budget
                return None, thought, "length"
            return self.content(call, mode), thought, "stop"
        if mode == "length":
            return self.content(call, "ok")[: budget // 4], None, "length"
        if mode == "think_cut":  # thinking in content (Qwen3 served raw) took the whole bound
            return "<think>\n" + "让我想想这篇论文讲什么。" * (budget // 12), None, "length"
        if mode == "empty_cut":  # hidden reasoning tokens took the bound (OpenAI o-series)
            return "", None, "length"
        return self.content(call, mode), None, "stop"

    def content(self, call: Call, mode: str) -> str:
        """The answer's text: a test's subclass may override it with answers of its own."""
        return content(call, mode)


class _QuietServer(ThreadingHTTPServer):
    request_queue_size = 512  # listen() backlog: 32+ clients connect at once
    daemon_threads = True
    fake: FakeLLM

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (timeout, cancelled run) is expected here, not an error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _QuietServer

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # no 40 ms Nagle/delayed-ACK stall per answer

    def do_POST(self) -> None:
        fake = self.server.fake
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
        if "__raw__" in payload:  # a 200 that is not a chat completion (RAW_ANSWERS)
            self.send(status, headers, payload["__raw__"], payload["__type__"])
            return
        data = json.dumps(payload, ensure_ascii=False).encode()
        if headers.pop("X-Drip", None):
            self.drip(status, data)
            return
        self.send(status, headers, data, "application/json")

    def send(self, status: int, headers: dict[str, str], data: bytes, kind: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client timed out and left, as it should

    def drip(self, status: int, data: bytes) -> None:
        """Headers at once, then a blank line every 0.2 s, then the body: each read
        comes well within a read timeout, the whole answer does not."""
        fake = self.server.fake
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Connection", "close")
            self.end_headers()
            until = time.monotonic() + fake.drip_seconds
            while time.monotonic() < until:
                self.wfile.write(b"\n")
                self.wfile.flush()
                time.sleep(0.2)
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def do_GET(self) -> None:
        """/v1/models as OpenAI lists them; /stats: what was served, for a benchmark
        driving this server from outside."""
        fake = self.server.fake
        if self.path.rstrip("/").endswith("/models"):
            self.models()
            return
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

    def models(self) -> None:
        fake = self.server.fake
        fake.model_lists += 1
        auth = self.headers.get("Authorization", "")
        if fake.fault is not None and fake.fault(Call(-1, {}, 0.0)) in ("401", "403"):
            status, body = 401, error(f"Incorrect API key provided: {auth[7:]}", "auth")
        elif fake.models is None:
            status, body = 404, error("no route /v1/models", "not_found")
        else:
            status = 200
            body = {
                "object": "list",
                "data": [
                    {"object": "model", "created": 0, "owned_by": "fake"}
                    | (m if isinstance(m, dict) else {"id": m})
                    for m in fake.models
                ],
            }
        self.send(status, {}, json.dumps(body).encode(), "application/json")

    def log_message(self, *args: object) -> None:
        pass
