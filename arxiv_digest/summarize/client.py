"""The one way we talk to an OpenAI-compatible endpoint: AsyncOpenAI with its own retries off,
so a single tenacity layer decides what is retried, how long to wait and when to give up.

Every error is classified first (``providers.classify``): setup problems stop the whole run, a
refused parameter switches the request's shape once for the run, a paper's own problem fails that
paper, and only the rest is retried. An endpoint that never answered, or stopped answering, ends
the run in seconds instead of hours.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any, NoReturn

import openai
from openai import AsyncOpenAI
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
)

from arxiv_digest.config import Settings
from arxiv_digest.errors import DigestError, EndpointDownError, LLMError, SetupError
from arxiv_digest.retrying import retry_after_seconds, wait_retry_after
from arxiv_digest.summarize import providers
from arxiv_digest.summarize.answer import Completion, Malformed, TruncatedError, read_completion
from arxiv_digest.summarize.limiter import ConcurrencyGate, RequestPacer, TokenBucket
from arxiv_digest.summarize.shape import request_shape
from arxiv_digest.summarize.watch import EndpointWatch, PaperClock
from arxiv_digest.wire import ResponseTooLarge, caught, llm_async_client

OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1"
QUIRK_SWITCHES = 4  # a request may change shape this often before it counts as failed


class RetryableLLMError(LLMError):
    """429, 5xx, timeout, connection error or an empty answer: worth another try."""

    def __init__(
        self, message: str, retry_after: float | None = None, connection: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.connection = connection  # the request never reached the server


class LLMClient:
    def __init__(
        self,
        settings: Settings,
        gate: ConcurrencyGate | None = None,
        pacer: RequestPacer | None = None,
        bucket: TokenBucket | None = None,
    ) -> None:
        key = settings.api_key.get_secret_value() if settings.api_key else ""
        self._secret = key
        self.settings = settings
        self.base_url = settings.base_url or OPENAI_DEFAULT_BASE_URL
        self.shown_url = providers.shown_url(self.base_url)  # no user:pass@, no ?api-key=
        self.client = AsyncOpenAI(
            api_key=key,
            base_url=self.base_url,  # explicit: the SDK must never read OPENAI_BASE_URL="" itself
            max_retries=0,  # tenacity below is the only retry layer
            timeout=settings.timeout,
            # the SDK's defaults, but every answer capped in decoded bytes (wire.py)
            http_client=llm_async_client(settings.timeout),
        )
        self.gate = gate or ConcurrencyGate(settings.fixed_concurrency)
        self.pacer = pacer or RequestPacer(settings.rpm)
        self.bucket = bucket or TokenBucket(settings.tpm)
        self.shape = request_shape(settings)
        self.fatal: Exception | None = None  # once set, no request is sent any more
        self.requests = 0
        self.answers = 0
        self.truncated = 0  # reasoning answers cut at the bound, asked again with a larger one
        self.cut = 0  # plain answers cut at the bound: failed at once
        self.budget = settings.max_tokens  # raised for the run once answers keep hitting it
        self.problems: Counter[str] = Counter()
        self.readable = 0  # answers that were chat completions
        self.shapes: Counter[str] = Counter()  # answers that were not, by what they were
        self._refusals: list[str] = []  # client errors before the first answer, in order
        self._early = 0  # requests in flight that were sent before any answer
        self.watch = EndpointWatch(settings, self.base_url, self.gate, self._lists, self._redact)

    @property
    def first_wave(self) -> int:
        return self.watch.first_wave

    @first_wave.setter
    def first_wave(self, value: int) -> None:
        self.watch.first_wave = value  # the runner lowers it for a short day

    # -- the public call -------------------------------------------------------------------
    async def complete(
        self, messages: list[dict[str, str]], estimate: int, max_tokens: int | None = None
    ) -> Completion:
        """One answer, retried per policy; LLMError when it can't be had; DigestError stops all.

        An answer cut at the token bound is asked once more with a larger bound.
        """
        try:
            # no bound given: the run's, read when the request is sent, not when it queued
            return await self._retrying(messages, estimate, max_tokens)
        except TruncatedError as cut:
            self.truncated += 1
            self.problems["length"] += 1
            larger = self._larger(cut.budget)
            if larger <= cut.budget:
                raise LLMError(str(cut)) from None
            if self.truncated >= 2 and max_tokens is None:
                self.budget = max(self.budget, larger)  # the rest of the run asks with it
            try:
                return await self._retrying(messages, estimate + larger - cut.budget, larger)
            except TruncatedError as again:
                raise LLMError(f"{again} (finish_reason length)") from None

    def _larger(self, budget: int) -> int:
        return min(max(budget * 4, 1024), self.settings.max_tokens_cap)

    async def _retrying(
        self, messages: list[dict[str, str]], estimate: int, budget: int | None
    ) -> Completion:
        clock = PaperClock()
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.settings.max_attempts)
            | clock.stop_when_spent(self.watch.budget),
            wait=wait_retry_after(
                initial=self.settings.retry_backoff,
                maximum=30.0,
                cap=self.settings.max_retry_seconds,
            ),
            retry=retry_if_exception_type(RetryableLLMError),
            before_sleep=self._note_retry,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._once(messages, estimate, budget, clock)
        except RetryableLLMError as exc:
            if exc.connection:
                self._guard(self.watch.gave_up, clock)
            raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _note_retry(self, state: RetryCallState) -> None:
        self.problems["retried"] += 1

    # -- one request -----------------------------------------------------------------------
    def _check(self) -> None:
        fatal = self.fatal or self.watch.fatal
        if fatal is not None:
            raise fatal

    def _guard(self, verdict: Any, *args: Any) -> Any:
        """A watch verdict that ends the run ends every request from now on."""
        try:
            return verdict(*args)
        except DigestError as exc:
            self.fatal = self.fatal or exc
            raise

    async def _once(
        self, messages: list[dict[str, str]], estimate: int, bound: int | None, clock: PaperClock
    ) -> Completion:
        clock.wait()
        async with self.gate as ticket:
            await self._hold_while_refused()  # in the gate: those queued on it wait too
            self._check()
            await self.pacer.acquire()
            await self.bucket.acquire(estimate)
            for _ in range(QUIRK_SWITCHES):
                self._check()
                budget = bound or self.budget
                kwargs = self.shape.request(self.settings, messages, budget)
                timeout = self.watch.timeout  # grows for a slow server
                clock.send()
                self.watch.sent()
                started = time.monotonic()
                self.requests += 1
                early = not self.answers
                self._early += early
                try:
                    # the whole request, connect to last byte: drip-fed keep-alive lines that
                    # reset the read timeout do not stretch it
                    async with asyncio.timeout(timeout):
                        response = await self.client.chat.completions.create(
                            **kwargs, timeout=timeout
                        )
                except openai.APIStatusError as exc:
                    self.watch.reached()
                    verdict = providers.classify(exc.status_code, exc.body, kwargs)
                    if self._adapt(verdict):
                        continue  # the same request in its new shape, at once
                    await self._failed_status(exc, verdict, ticket)
                except (TimeoutError, openai.APITimeoutError):
                    self.problems["timeout"] += 1
                    await self.gate.overloaded(ticket)
                    try:
                        await self.watch.timed_out(timeout)
                    except DigestError as exc:
                        self.fatal = self.fatal or exc
                        raise
                    raise RetryableLLMError(f"no answer within {timeout:g} s") from None
                except openai.APIConnectionError as exc:
                    ours = caught(exc)
                    if isinstance(ours, ResponseTooLarge):
                        self.answers += 1  # it answered, with far too much
                        self._malformed("an answer " + str(ours).split(" is ", 1)[-1])
                    self.problems["connection"] += 1
                    reason = f"connection error: {_cause(exc)}"
                    self._guard(self.watch.connect_failed, reason)
                    raise RetryableLLMError(reason, connection=True) from None
                finally:
                    self._early -= early
                latency = time.monotonic() - started
                self.answers += 1
                self.watch.answered(latency)
                usage = getattr(response, "usage", None)
                tokens = getattr(usage, "completion_tokens", 0) or 0
                await self.gate.answered(latency, tokens if isinstance(tokens, int) else 0, ticket)
                return self._read(response, latency, budget)
        raise LLMError("the endpoint kept refusing the request's parameters")

    async def _lists(self, timeout: float) -> bool:
        """GET /models answers with a list: the server is there, however slow its answers."""
        async with asyncio.timeout(timeout):
            page = await self.client.models.list(timeout=timeout)
        return bool(getattr(page, "data", None))

    def _adapt(self, verdict: providers.Verdict) -> bool:
        """A refused parameter this request sent: switch the run's shape (once) and resend."""
        json_mode = self.shape.json_mode
        adapted = self.shape.adapt(verdict.kind, verdict.field, self.settings.extra_body)
        if json_mode and not self.shape.json_mode:
            self.problems["no_json_mode"] += 1  # answers are parsed out of the text from now on
        return adapted

    async def _failed_status(
        self, exc: openai.APIStatusError, verdict: providers.Verdict, ticket: int
    ) -> None:
        message = self._redact(_message(exc))
        reason = f"HTTP {exc.status_code} {message}".strip()
        if verdict.kind == "thinking":  # a switch the shape kept: the user's own [extra_body]
            verdict = providers.Verdict("setup", f"remove {verdict.field} from [extra_body]")
        if verdict.kind == "setup":
            self.fatal = SetupError(
                f"the LLM endpoint {self.shown_url} answered {reason}"
                + (f" — {verdict.fix}" if verdict.fix else "")
            )
            raise self.fatal from None
        if verdict.kind == "paper":
            if not verdict.known:
                self._same_refusal(exc.status_code, reason)
            raise LLMError(reason) from None
        if exc.status_code == 429:
            self.problems["429"] += 1
            await self.gate.overloaded(ticket)
            wait = retry_after_seconds(exc.response.headers)
            limit = self.settings.max_retry_seconds
            if wait is not None and wait > limit:
                # no paper could be retried within its budget: stop now, not in 27 hours
                self.fatal = EndpointDownError(
                    f"the LLM endpoint {self.shown_url} asks to wait {wait:.0f} s (HTTP 429 "
                    f"Retry-After), more than ARXIV_DIGEST_MAX_RETRY_SECONDS={limit:g}; every "
                    "answer so far is cached, run again later"
                )
                raise self.fatal from None
            if wait is not None:
                self.pacer.push_back(wait, limit)
            raise RetryableLLMError(reason, retry_after=wait) from None
        self.problems["5xx" if exc.status_code >= 500 else str(exc.status_code)] += 1
        self._guard(self.watch.server_error, reason)
        raise RetryableLLMError(
            reason, retry_after=retry_after_seconds(exc.response.headers)
        ) from None

    async def _hold_while_refused(self) -> None:
        """No new request while the first wave's refusals may still all be the same: a setup
        error then stops the run after the first wave, not after the requests sent meanwhile."""
        while (
            self._refusals
            and not self.answers
            and self._early > 0
            and self.fatal is None
            and len(set(self._refusals)) == 1
        ):
            await asyncio.sleep(0.02)

    def _same_refusal(self, status: int, reason: str) -> None:
        """The first wave all refused with one client error: no paper of it was the cause, the
        setup is (a proxy's "No connected db." for a wrong key, an unknown model's own words)."""
        if self.answers or not 400 <= status < 500 or status in (408, 409, 429):
            return
        self._refusals.append(reason)
        wave = max(2, self.first_wave)  # one refusal alone may be about its paper
        if len(self._refusals) == wave and len(set(self._refusals)) == 1 and self.fatal is None:
            self.fatal = SetupError(
                f"the LLM endpoint {self.shown_url} answered {reason} to each of the first "
                f"{wave} requests, whatever the paper — check OPENAI_API_KEY, OPENAI_BASE_URL "
                "and ARXIV_DIGEST_MODEL"
            )
            raise self.fatal from None

    def _read(self, response: Any, latency: float, budget: int) -> Completion:
        try:
            reading = read_completion(response)
        except Malformed as exc:
            self._malformed(str(exc))
        if reading.finish_reason == "length":
            if reading.reasoned:
                raise TruncatedError(budget)
            # a plain answer that ran past the bound: a larger one only buys a longer ramble
            self.cut += 1
            self.problems["length"] += 1
            raise LLMError(f"answer cut at max_tokens={budget}")
        if not reading.text.strip():
            self.problems["empty"] += 1
            raise RetryableLLMError("empty answer")
        self.readable += 1
        if not reading.usage_readable:
            self.problems["usage_unreadable"] += 1  # tokens counted as 0; the answer is kept
        return Completion(
            text=reading.text,
            prompt_tokens=reading.prompt_tokens,
            completion_tokens=reading.completion_tokens,
            latency=latency,
        )

    def _malformed(self, shape: str) -> NoReturn:
        """A 200 that is not a chat completion fails its paper; when the whole first wave
        answered so, and none answered well, the endpoint is not one we can use."""
        self.problems["malformed"] += 1
        self.shapes[shape] += 1
        if self.readable == 0 and self.shapes[shape] >= max(2, self.first_wave):
            if self.fatal is None:
                self.fatal = SetupError(
                    f"the LLM endpoint {self.shown_url} answers every request with {shape} — "
                    f"{providers.FIX_PATH}"
                )
            raise self.fatal
        raise LLMError(f"the endpoint's answer was {shape}")

    def _redact(self, text: str) -> str:
        return providers.redact(text, self._secret, self.base_url)

    async def close(self) -> None:
        await self.client.close()


def _cause(exc: openai.APIConnectionError) -> str:
    cause = exc.__cause__
    while cause is not None and cause.__cause__ is not None and not str(cause):
        cause = cause.__cause__
    if cause is None:
        return type(exc).__name__
    text = str(cause).strip()
    return f"{type(cause).__name__}" + (f" ({text[:120]})" if text else "")


def _message(exc: openai.APIStatusError) -> str:
    _code, _param, message = providers.error_fields(exc.body)
    return " ".join((message or str(exc.message)).split())[:300]
