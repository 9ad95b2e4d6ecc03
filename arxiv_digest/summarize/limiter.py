"""Client-side pacing, so the provider never has to refuse us with 429.

Requests are spaced evenly (60/rpm seconds apart) instead of bursting to the cap and then
waiting: a provider counting over any rolling minute sees at most ``rpm`` requests.
"""

from __future__ import annotations

import asyncio
import time


class RequestPacer:
    """At most ``rpm`` request starts per minute, evenly spaced; ``None`` means unlimited."""

    def __init__(self, rpm: int | None, margin: float = 0.01) -> None:
        self.interval = 60.0 / rpm * (1 + margin) if rpm else 0.0
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        if not self.interval:
            return
        async with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            await asyncio.sleep(start - now)

    def push_back(self, seconds: float) -> None:
        """A 429 told us to wait: no one starts before then."""
        if self.interval:
            self._next = max(self._next, time.monotonic() + seconds)


class TokenBucket:
    """At most ``tpm`` tokens per minute (estimated before the call); ``None`` means unlimited."""

    def __init__(self, tpm: int | None) -> None:
        self.capacity = float(tpm) if tpm else 0.0
        self.rate = self.capacity / 60.0
        self._tokens = self.capacity
        self._stamp = time.monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self, tokens: int) -> None:
        if not self.capacity:
            return
        need = min(float(tokens), self.capacity)  # one huge request must still pass eventually
        async with self._lock:
            while True:
                now = time.monotonic()
                self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                if self._tokens >= need:
                    self._tokens -= need
                    return
                await asyncio.sleep((need - self._tokens) / self.rate)
