"""One polite HTTP client for arXiv: descriptive User-Agent, timeouts, retries with backoff, and
every answer bounded in decoded size and whole time (``arxiv_digest.wire``)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
)

from arxiv_digest import __version__
from arxiv_digest.retrying import retry_after_seconds, wait_retry_after
from arxiv_digest.wire import MAX_FEED_BYTES, CappedTransport, RequestDeadline

USER_AGENT = (
    f"arxiv-digest/{__version__} (daily Chinese digest of arXiv listings; "
    "+https://github.com/arxiv-digest/arxiv-digest)"
)


class HTTPFailure(Exception):
    """No usable answer from arXiv (a redirect loop, a bad URL): not worth trying again."""


class RetryableHTTPError(HTTPFailure):
    """A 429/5xx (or a network failure) worth trying again."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class HttpFetcher:
    """GET with retries on 429/5xx and transport errors, honouring Retry-After."""

    def __init__(
        self,
        *,
        timeout: float = 30.0,
        total: float = 120.0,
        attempts: int = 4,
        backoff: float = 2.0,
        max_total: float = 300.0,
        transport: httpx.BaseTransport | None = None,
        on_retry: Callable[[str], None] | None = None,
    ) -> None:
        self.client = httpx.Client(
            headers={"User-Agent": USER_AGENT},
            timeout=min(timeout, total),  # each connect/read/write; ``total`` bounds them all
            follow_redirects=True,
            transport=CappedTransport(MAX_FEED_BYTES, total, transport),
        )
        self.attempts = attempts
        self.backoff = backoff
        self.max_total = max_total
        self.on_retry = on_retry  # told of each wait, so a log shows why a run is slow

    def get(
        self, url: str, params: dict[str, str] | None = None, max_bytes: int = MAX_FEED_BYTES
    ) -> httpx.Response:
        """The final response unless 429/5xx persisted: then RetryableHTTPError. An answer
        larger than ``max_bytes`` decoded, or slower than ``total`` in all, is an HTTPFailure:
        not worth asking again."""
        retrying = Retrying(
            stop=stop_after_attempt(self.attempts) | stop_after_delay(self.max_total),
            wait=wait_retry_after(initial=self.backoff, maximum=60.0, cap=self.max_total),
            retry=retry_if_exception_type(RetryableHTTPError),
            before_sleep=self._announce,
            reraise=True,
        )
        for attempt in retrying:
            with attempt:
                return self._get_once(url, params, max_bytes)
        raise AssertionError("unreachable")  # pragma: no cover

    def _announce(self, state: RetryCallState) -> None:
        if self.on_retry is None or state.outcome is None:
            return
        wait = state.next_action.sleep if state.next_action else 0.0
        self.on_retry(f"{state.outcome.exception()}; trying again in {wait:.0f} s")

    def _get_once(
        self, url: str, params: dict[str, str] | None, max_bytes: int
    ) -> httpx.Response:
        try:
            response = self.client.get(url, params=params, extensions={"max_bytes": max_bytes})
        except RequestDeadline as exc:
            raise HTTPFailure(str(exc)) from None
        except httpx.TransportError as exc:
            raise RetryableHTTPError(f"{type(exc).__name__}: {exc or 'no answer'}") from exc
        except httpx.TooManyRedirects:
            raise HTTPFailure(f"redirect loop at {url}") from None
        except httpx.DecodingError as exc:  # too large, or not gzip/deflate as announced
            raise HTTPFailure(str(exc)) from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise HTTPFailure(f"{type(exc).__name__}: {exc}") from None
        if response.status_code == 429 or response.status_code >= 500:
            wait = retry_after_seconds(response.headers)
            what = f"HTTP {response.status_code} from {response.url.host}"
            if wait is not None and wait > self.max_total:
                raise HTTPFailure(  # waiting past the run's budget helps no one
                    f"{what} asks to wait {wait:.0f} s (Retry-After), more than the "
                    f"{self.max_total:g} s one run waits"
                )
            raise RetryableHTTPError(what, retry_after=wait)
        return response

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> HttpFetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
