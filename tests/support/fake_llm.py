"""A fake OpenAI-compatible /v1/chat/completions server on 127.0.0.1.

The real openai SDK talks to it over HTTP. It answers like a good model by default and can be
told to misbehave per request: latency with jitter, 429 + Retry-After, 500, hangs past the
client's timeout, non-JSON, English-only, over-long, echoed （99字） notes, 401, refusing
``response_format``, and an RPM cap that answers 429 when exceeded. Tests and benchmarks share it;
``python -m tests.support.fake_llm --latency 1 --rpm-cap 60`` runs it standalone.
"""

from __future__ import annotations

import argparse
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

TITLE = re.compile(r"标题[:：]\s*(?:<title>)?(.+?)(?:</title>)?[ \t]*$", re.MULTILINE)
PAPER_ID = re.compile(r"^\[(\S+)\]", re.MULTILINE)
INTERESTS = re.compile(r"读者关注[:：]\s*(.+)")


def judge(interests: str, text: str) -> dict[str, Any]:
    """A stand-in for the model's relevance judgement: high when an interest phrase occurs."""
    phrases = [w.strip() for w in re.split(r"[,;，；、]", interests) if w.strip()]
    hit = next((w for w in phrases if w.lower() in text.lower()), None)
    if hit is None:
        return {"score": 10, "reason": "与读者关注无关"}
    return {"score": 90, "reason": f"直接研究{hit}"}
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



def good_title_zh(title: str) -> str:
    """A stand-in translation: Chinese words around the title's names, kept as written."""
    from arxiv_digest.summarize.validate import title_names

    names = title_names(title)
    return "面向" + "、".join(names) + "的测试方法研究" if names else "一种测试方法的研究"


def good_summary(title: str) -> str:
    return (
        f"该论文属于测试任务，旨在解决“{title[:24]}”相关的问题。作者提出一种新的方法，"
        "并在多个公开基准上进行验证，实验表明该方法优于现有基线。"
    )


# what the fake "translates" when asked for English search phrases (rank/translate.py)
TRANSLATIONS = {
    "里德堡原子": "Rydberg atoms",
    "格点规范": "lattice gauge theory",
    "语音增强": "speech enhancement",
    "声码器": "vocoder",
}

LONGER = "实验结果显示该方法稳定有效。"  # one more sentence of a longer answer
PLAIN_TOKENS = 80  # about the tokens of a plain answer: a variable one takes its share of time


@dataclass
class Call:
    index: int
    body: dict[str, Any]
    at: float
    mode: str = "ok"
    status: int = 200
    extra: int = 0  # sentences added to the summary (variable-length answers)
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
                if "__raw__" in payload:  # a 200 that is not a chat completion (RAW_ANSWERS)
                    self.raw(status, headers, payload)
                    return
                data = json.dumps(payload, ensure_ascii=False).encode()
                if headers.pop("X-Drip", None):
                    self.drip(status, data)
                    return
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

            def raw(self, status: int, headers: dict[str, str], payload: dict[str, Any]) -> None:
                data = payload["__raw__"]
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", payload["__type__"])
                    self.send_header("Content-Length", str(len(data)))
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def drip(self, status: int, data: bytes) -> None:
                """Headers at once, then a blank line every 0.2 s, then the body: each read
                comes well within a read timeout, the whole answer does not."""
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
                fake.model_lists += 1
                auth = self.headers.get("Authorization", "")
                if fake.fault is not None and fake.fault(Call(-1, {}, 0.0)) in ("401", "403"):
                    status, body = 401, _error(f"Incorrect API key provided: {auth[7:]}", "auth")
                elif fake.models is None:
                    status, body = 404, _error("no route /v1/models", "not_found")
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
                data = json.dumps(body).encode()
                self.send_response(status)
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
            return 429, {"Retry-After": str(max(1, wait))}, _error("rate limit", "rate_limit")
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
            return 429, _error("slow down", "rate_limit")
        if mode == "500":
            return 500, _error("internal error", "server_error")
        if mode in ("401", "403"):
            auth = headers.get("Authorization", "")
            return int(mode), _error(f"Incorrect API key provided: {auth[7:]}", "auth")
        if mode in ("400", "422"):
            return int(mode), _error(f"refused with {mode}", "invalid_request_error")
        if mode == "400_per_paper":  # a refusal that names what it found in this paper
            return 400, _error(f"cannot process {call.title[:40]}", "invalid_request_error")
        for name in self.refuse_fields:
            if name in body:
                message = f"Unrecognized request argument supplied: {name}"
                return 400, _error(message, "invalid_request_error")
        if self.refuse_max_tokens and "max_tokens" in body:
            return 400, PROVIDER_ERRORS["openai_max_tokens"][1]
        if self.refuse_temperature and body.get("temperature", 1) != 1:
            return 400, PROVIDER_ERRORS["openai_temperature"][1]
        if (self.refuse_json_mode or mode == "reject_json_mode") and "response_format" in body:
            return 400, _error("response_format is not supported", "invalid_request_error")
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
        if '"overview"' in call.body["messages"][0]["content"]:
            return self.overview(call, mode)
        if "English search phrases" in json.dumps(call.body.get("messages", [])[:1]):
            asked = call.first_user.split("Interests:", 1)[-1]
            found = [en for zh, en in TRANSLATIONS.items() if zh in asked]
            return json.dumps({"phrases": found}, ensure_ascii=False)
        ids = PAPER_ID.findall(call.first_user)
        if ids and "JSON 数组" in "".join(m["content"] for m in call.body["messages"]):
            return self.batch_content(call, ids, mode)
        summary = good_summary(call.title) + LONGER * call.extra
        tags = ["测试标签", "机器学习"]
        asked = INTERESTS.search(call.first_user)
        judgement = judge(asked.group(1), call.first_user[: asked.start()]) if asked else {}
        if "title_zh" in call.body["messages"][0]["content"]:  # the prompt asks for it
            judgement = {"title_zh": good_title_zh(call.title), **judgement}
            if mode == "title_zh_english":
                judgement["title_zh"] = "A Test Method Study"
            elif mode == "title_zh_missing":
                del judgement["title_zh"]
            elif mode == "title_zh_no_names":  # translated the names away
                judgement["title_zh"] = "一种测试方法的研究"
        if judgement and mode in ("score_missing", "score_word", "score_english"):
            judgement = {
                "score_missing": {},
                "score_word": {**judgement, "score": "很高"},
                "score_english": {**judgement, "reason": "Directly about the topic."},
            }[mode]
        elif judgement and mode == "score_loose":  # 评分 as a string with 分, 理由 as the key
            score, reason = judgement.pop("score"), judgement.pop("reason")
            judgement = {**judgement, "评分": f"{score}分", "理由": reason}
        good = json.dumps({"tags": tags, "summary": summary, **judgement}, ensure_ascii=False)
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
            fenced = json.dumps({"tags": tags, "summary": summary, **judgement})
            return "```json\n" + fenced + "\n```"
        elif mode == "think_braces":  # Qwen3 / DeepSeek-R1 served raw: thinking in content
            return (
                '<think>\n用户要求输出 {"tags": [...], "summary": "..."}，键是 Summary 和 '
                'Tags，也就是 简介/标签。先想想 {这篇论文} 讲什么。\n</think>\n\n' + good
            )
        elif mode == "think_unclosed_prefix":  # the template opened <think>; only its end comes
            return '思考：输出 {"summary": "…"} 的格式。\n</think>\n' + good
        elif mode == "other_case_keys":
            return json.dumps({"Tags": tags, "Summary": summary, **judgement}, ensure_ascii=False)
        elif mode == "chinese_keys":
            zh = {"中文标题": judgement.pop("title_zh")} if "title_zh" in judgement else {}
            answer = {"标签": tags, "简介": summary, **zh, **judgement}
            return json.dumps(answer, ensure_ascii=False)
        elif mode == "raw_newline":  # a literal line break inside the JSON string
            half = len(summary) // 2
            return good.replace(summary, summary[:half] + "\n" + summary[half:])
        elif mode == "echo_example":
            return 'JSON 格式：{"tags": ["标签"], "summary": "简介"}\n回答：' + good
        elif mode == "placeholder_tag":  # a weak model copies the fill-in text
            tags = ["1–3 个中文标签"]
        elif mode == "nested_brackets":  # well inside max_tokens, deeper than any parser
            return '{"tags": ' + "[" * 1200 + "]" * 1200 + ', "summary": "x"}'
        elif mode == "controls":  # NUL, a right-to-left override and a zero-width space
            summary = summary[:10] + "\x00\u202e\u200b" + summary[10:]
            tags = ["测试\u202e标签", "机器学习"]
        elif mode == "url":
            summary = summary + "详情见 https://evil.example/login 或 www.evil.example。"
            tags = ["见www.x.cn", "机器学习"]
        elif mode == "url_reason":
            judgement = {**judgement, "reason": "见 https://evil.example/login 相关"}
        return json.dumps({"tags": tags, "summary": summary, **judgement}, ensure_ascii=False)

    def overview(self, call: Call, mode: str) -> str:
        """今日概览 over the numbered titles and 简介 the request lists."""
        papers = re.findall(r"(?m)^\d+\. (?:<title>)?(.+?)(?:</title>)?$", call.first_user)
        first = papers[0][:40] if papers else "无"
        text = (
            f"今天共有 {len(papers)} 篇论文，主题集中在测试任务与方法评估上。代表性工作如“{first}”"
            "提出了新的方法并在公开基准上验证了效果；多篇论文关注模型的可靠性、效率与可解释性，"
            "也有工作讨论数据集构建和评测协议的改进。整体来看，研究者更加重视在真实场景中的"
            "泛化能力以及与已有基线的公平比较。"
        )
        if mode == "overview_short":
            text = "今天论文很多。"
        elif mode == "overview_english":
            text = "Today's papers are about testing. " * 8
        return json.dumps({"overview": text}, ensure_ascii=False)

    def batch_content(self, call: Call, ids: list[str], mode: str) -> str:
        titles = TITLE.findall(call.first_user)
        asked = INTERESTS.search(call.first_user)
        blocks = PAPER_ID.split(call.first_user[: asked.start()] if asked else call.first_user)
        texts = blocks[2::2]  # split keeps the ids: [header, id, text, id, text, …]
        items = []
        for number, (paper_id, title) in enumerate(zip(ids, titles, strict=False)):
            summary = good_summary(title.strip())
            if mode == "english" and number == 0:
                summary = "English only answer for the first paper of the batch."
            item = {"id": paper_id, "tags": ["测试标签"], "summary": summary}
            if "title_zh" in call.first_user[:300]:
                item["title_zh"] = good_title_zh(title.strip())
            if asked and number < len(texts):
                item.update(judge(asked.group(1), texts[number]))
            items.append(item)
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


# (status, body) as the providers send them; {model} is the model the request asked for
PROVIDER_ERRORS: dict[str, tuple[int, dict[str, Any]]] = {
    "openai_model_404": (
        404,
        {
            "error": {
                "message": "The model `{model}` does not exist or you do not have access to it.",
                "type": "invalid_request_error",
                "param": None,
                "code": "model_not_found",
            }
        },
    ),
    "deepseek_402": (
        402,
        {
            "error": {
                "message": "Insufficient Balance",
                "type": "unknown_error",
                "param": None,
                "code": "invalid_request_error",
            }
        },
    ),
    "openai_quota_429": (
        429,
        {
            "error": {
                "message": "You exceeded your current quota, please check your plan and billing "
                "details. For more information on this error, read the docs: "
                "https://platform.openai.com/docs/guides/error-codes/api-errors.",
                "type": "insufficient_quota",
                "param": None,
                "code": "insufficient_quota",
            }
        },
    ),
    "litellm_key_400": (
        400,
        {
            "error": {
                "message": "Authentication Error, Invalid proxy server token passed. "
                "valid_token=None.",
                "type": "auth_error",
                "param": "None",
                "code": "400",
            }
        },
    ),
    "deepseek_retired_400": (  # since 2026-07-24, to deepseek-chat and deepseek-reasoner
        400,
        {
            "error": {
                "message": "The supported API model names are deepseek-v4-pro or "
                "deepseek-v4-flash, but you passed {model}.",
                "type": "invalid_request_error",
                "param": None,
                "code": "invalid_request_error",
            }
        },
    ),
    "litellm_no_db_400": (  # LiteLLM with a master key, asked with a wrong client key
        400,
        {"error": {"message": "No connected db.", "type": "None", "param": "None", "code": "400"}},
    ),
    "openai_max_tokens": (
        400,
        {
            "error": {
                "message": "Unsupported parameter: 'max_tokens' is not supported with this "
                "model. Use 'max_completion_tokens' instead.",
                "type": "invalid_request_error",
                "param": "max_tokens",
                "code": "unsupported_parameter",
            }
        },
    ),
    "openai_temperature": (
        400,
        {
            "error": {
                "message": "Unsupported value: 'temperature' does not support 0.3 with this "
                "model. Only the default (1) value is supported.",
                "type": "invalid_request_error",
                "param": "temperature",
                "code": "unsupported_value",
            }
        },
    ),
    "openai_context_400": (
        400,
        {
            "error": {
                "message": "This model's maximum context length is 8192 tokens. However, your "
                "messages resulted in 9120 tokens. Please reduce the length of the messages.",
                "type": "invalid_request_error",
                "param": "messages",
                "code": "context_length_exceeded",
            }
        },
    ),
    "dashscope_filter_400": (
        400,
        {
            "error": {
                "code": "data_inspection_failed",
                "param": None,
                "message": "Input data may contain inappropriate content.",
                "type": "data_inspection_failed",
            }
        },
    ),
}


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


# mode → (content type, body, extra headers): 200 answers that are not a usable chat completion,
# as broken proxies, misconfigured gateways and hostile servers send them
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


def _error(message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "code": kind}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--jitter", type=float, default=0.2)
    parser.add_argument("--rpm-cap", type=int, default=None)
    parser.add_argument("--parallel", type=int, default=None, help="slots; the rest queue")
    parser.add_argument("--variable", action="store_true", help="answers of different lengths")
    args = parser.parse_args()
    fake = FakeLLM(
        latency=args.latency,
        jitter=args.jitter,
        rpm_cap=args.rpm_cap,
        parallel=args.parallel,
        variable=args.variable,
    ).start()
    print(fake.base_url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
