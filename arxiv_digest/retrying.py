"""Retry-After aware backoff shared by the arXiv fetchers and the LLM client."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping

from tenacity import RetryCallState
from tenacity.wait import wait_base


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """Seconds a server asked us to wait: delta-seconds or an HTTP date (RFC 9110)."""
    if not headers:
        return None
    value = headers.get("retry-after") or headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class wait_retry_after(wait_base):
    """Honour the server's Retry-After when the error carries one, else exponential + jitter.

    The exception is expected to expose ``retry_after`` (seconds or None).
    """

    def __init__(self, initial: float = 1.0, maximum: float = 60.0, cap: float = 300.0) -> None:
        self.initial = initial
        self.maximum = maximum
        self.cap = cap  # a Retry-After beyond this is not worth waiting for inside one run

    def __call__(self, retry_state: RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        asked = getattr(exc, "retry_after", None)
        if asked is not None:
            # a little jitter so concurrent callers told the same second don't stampede
            return min(self.cap, asked + random.uniform(0, 0.1 * max(asked, 1.0)))
        exp = self.initial * 2 ** (retry_state.attempt_number - 1)
        return random.uniform(0, min(self.maximum, exp)) + min(self.maximum, exp) / 2
