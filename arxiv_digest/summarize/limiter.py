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
        if not self.interval and self._next <= time.monotonic():
            return
        async with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            await asyncio.sleep(start - now)

    def push_back(self, seconds: float, cap: float = 300.0) -> None:
        """A 429 told us to wait: no one starts before then, with or without an RPM cap; never
        longer than ``cap`` (the retry budget), whatever a Retry-After header says."""
        self._next = max(self._next, time.monotonic() + min(seconds, cap))


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


class ConcurrencyGate:
    """How many requests may be in flight: a fixed number, or a limit that adapts (AIMD).

    Adaptive mode starts low and grows by two per answer while latency stays near the best seen
    (slow start), then by one per round trip; it shrinks by a quarter when the smoothed latency
    rises past ``tolerance`` × that baseline (the endpoint is queueing our requests) and by half
    on 429 or a timeout, at most once per round trip, as TCP and Netflix's concurrency-limits do.
    A server that answers one request at a time thus settles at one or two in flight, instead of
    queueing requests until they time out.
    """

    def __init__(
        self,
        fixed: int | None,
        *,
        initial: int = 4,
        cap: int = 32,
        tolerance: float = 1.6,
    ) -> None:
        self.adaptive = fixed is None
        self.cap = cap if fixed is None else fixed
        self.limit = float(min(initial, self.cap) if fixed is None else fixed)
        self.tolerance = tolerance
        self.inflight = 0
        self.peak = 0
        self._slow_start = True
        self._baseline: float | None = None
        self._smoothed: float | None = None
        self._last_cut = 0.0
        self._cond = asyncio.Condition()

    @property
    def first_wave(self) -> int:
        """Requests sent before any answer can come back."""
        return int(self.limit)

    async def __aenter__(self) -> ConcurrencyGate:
        async with self._cond:
            await self._cond.wait_for(lambda: self.inflight < max(1, int(self.limit)))
            self.inflight += 1
            self.peak = max(self.peak, self.inflight)
        return self

    async def __aexit__(self, *exc: object) -> None:
        async with self._cond:
            self.inflight -= 1
            self._cond.notify_all()

    async def answered(self, latency: float) -> None:
        """An answer came back after ``latency`` seconds of request time (no queueing of ours)."""
        if not self.adaptive:
            return
        async with self._cond:
            self._grow_or_cut(latency)
            self._cond.notify_all()

    async def overloaded(self) -> None:
        """429 or a timeout: halve."""
        if self.adaptive:
            self._cut(0.5, self._smoothed or 1.0)

    def _grow_or_cut(self, latency: float) -> None:
        latency = max(latency, 1e-3)
        self._smoothed = (
            latency if self._smoothed is None else 0.7 * self._smoothed + 0.3 * latency
        )
        # the baseline follows the best smoothed latency, and drifts up slowly so that one lucky
        # stretch early on is forgotten
        if self._baseline is None or self._smoothed < self._baseline:
            self._baseline = self._smoothed
        else:
            self._baseline *= 1.002
        if self._smoothed > self.tolerance * self._baseline:
            self._cut(0.75, self._smoothed)
        elif self._slow_start:
            self.limit = min(self.cap, self.limit + 2)  # triples per round trip
        else:
            self.limit = min(self.cap, self.limit + 1 / self.limit)

    def _cut(self, factor: float, round_trip: float) -> None:
        now = time.monotonic()
        self._slow_start = False
        if now - self._last_cut < round_trip:
            return  # the requests already in flight were sent under the old limit
        self._last_cut = now
        self.limit = max(1.0, self.limit * factor)
