"""The one way we talk to an OpenAI-compatible endpoint: AsyncOpenAI with its own retries off,
so a single tenacity layer decides what is retried, how long to wait and when to give up.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import openai
from openai import AsyncOpenAI
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
)

from arxiv_digest.config import Settings
from arxiv_digest.errors import AuthError, LLMError
from arxiv_digest.retrying import retry_after_seconds, wait_retry_after
from arxiv_digest.summarize.limiter import RequestPacer, TokenBucket


class RetryableLLMError(LLMError):
    """429, 5xx, timeout, connection error or an empty answer: worth another try."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int
    latency: float


class LLMClient:
    def __init__(
        self,
        settings: Settings,
        pacer: RequestPacer | None = None,
        bucket: TokenBucket | None = None,
    ) -> None:
        key = settings.api_key.get_secret_value() if settings.api_key else ""
        self._secret = key
        self.settings = settings
        self.client = AsyncOpenAI(
            api_key=key,
            base_url=settings.base_url,
            max_retries=0,  # tenacity below is the only retry layer
            timeout=settings.timeout,
        )
        self.pacer = pacer or RequestPacer(settings.rpm)
        self.bucket = bucket or TokenBucket(settings.tpm)
        self.json_mode = True  # dropped once if the endpoint refuses response_format
        self.fatal: AuthError | None = None  # once set, no request is sent any more
        self.requests = 0
        self.problems: Counter[str] = Counter()

    async def complete(
        self, messages: list[dict[str, str]], estimate: int, max_tokens: int | None = None
    ) -> Completion:
        """One answer, retried per policy; LLMError when it can't be had; AuthError stops all."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.settings.max_attempts)
            | stop_after_delay(self.settings.max_retry_seconds),
            wait=wait_retry_after(
                initial=self.settings.retry_backoff,
                maximum=30.0,
                cap=self.settings.max_retry_seconds,
            ),
            retry=retry_if_exception_type(RetryableLLMError),
            before_sleep=self._note_retry,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                await self.pacer.acquire()
                await self.bucket.acquire(estimate)
                return await self._once(messages, max_tokens or self.settings.max_tokens)
        raise AssertionError("unreachable")  # pragma: no cover

    def _note_retry(self, state: RetryCallState) -> None:
        self.problems["retried"] += 1

    async def _once(self, messages: list[dict[str, str]], max_tokens: int) -> Completion:
        if self.fatal is not None:
            raise self.fatal
        kwargs: dict[str, Any] = {
            "model": self.settings.model,
            "messages": messages,
            "max_tokens": max_tokens,
        }
        if self.settings.temperature is not None:
            kwargs["temperature"] = self.settings.temperature
        if self.json_mode:
            kwargs["response_format"] = {"type": "json_object"}
        self.requests += 1
        started = time.monotonic()
        try:
            response = await self.client.chat.completions.create(**kwargs)
        except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
            self.fatal = AuthError(
                f"the LLM endpoint refused the API key (HTTP {exc.status_code}): "
                "check OPENAI_API_KEY and OPENAI_BASE_URL"
            )
            raise self.fatal from None
        except openai.RateLimitError as exc:
            self.problems["429"] += 1
            if _code(exc) == "insufficient_quota":
                self.fatal = AuthError("the LLM account has no quota left (429 insufficient_quota)")
                raise self.fatal from None
            wait = retry_after_seconds(exc.response.headers)
            if wait is not None:
                self.pacer.push_back(wait)
            raise RetryableLLMError("HTTP 429 rate limited", retry_after=wait) from None
        except openai.BadRequestError as exc:
            if self.json_mode and "response_format" in self._redact(str(exc)).lower():
                self.json_mode = False  # ask again, then parse JSON out of the text
                self.problems["no_json_mode"] += 1
                raise RetryableLLMError("endpoint refuses response_format", retry_after=0) from None
            raise LLMError(f"HTTP 400: {self._redact(_message(exc))}") from None
        except openai.APITimeoutError:
            self.problems["timeout"] += 1
            raise RetryableLLMError(f"no answer within {self.settings.timeout:g} s") from None
        except openai.APIConnectionError as exc:
            self.problems["connection"] += 1
            raise RetryableLLMError(f"connection error: {type(exc.__cause__).__name__}") from None
        except openai.APIStatusError as exc:
            if exc.status_code >= 500:
                self.problems["5xx"] += 1
                wait = retry_after_seconds(exc.response.headers)
                raise RetryableLLMError(f"HTTP {exc.status_code}", retry_after=wait) from None
            raise LLMError(f"HTTP {exc.status_code}: {self._redact(_message(exc))}") from None
        latency = time.monotonic() - started
        text = response.choices[0].message.content if response.choices else None
        if not text or not text.strip():
            self.problems["empty"] += 1
            raise RetryableLLMError("empty answer")
        usage = response.usage
        return Completion(
            text=text,
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
            latency=latency,
        )

    def _redact(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text

    async def close(self) -> None:
        await self.client.close()


def _code(exc: openai.APIStatusError) -> str | None:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error", body) if isinstance(body, dict) else {}
    return error.get("code") if isinstance(error, dict) else None


def _message(exc: openai.APIStatusError) -> str:
    return str(exc.message)[:200]
