"""Client-side pacing, so the provider never has to refuse us with 429.

Requests are spaced evenly (60/rpm seconds apart) instead of bursting to the cap and then
waiting: a provider counting over any rolling minute sees at most ``rpm`` requests.
"""

from __future__ import annotations

import asyncio
import statistics
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
    """How many requests may be in flight: a fixed number, or a limit that adapts.

    Adaptive mode judges the queue as gradient/Vegas limiters do (Netflix concurrency-limits):
    by how far latency has risen over the lowest seen. Latency is taken per answer token when
    the endpoint reports usage, so long and short answers compare. The limit is judged once per
    round: the answers to ``limit`` requests let through since the last change, so it never
    grows before the first answers are back, and answers queued under an older limit never count
    twice. A round whose median latency is more than ``cut_above`` × the lowest one shrinks the
    limit to what the server got through without queueing (limit / ratio: one on a server that
    answers one request at a time); under ``grow_below`` it doubles (until the first cut), then
    grows by one. 429 and timeouts halve it, once a round.
    """

    def __init__(
        self,
        fixed: int | None,
        *,
        initial: int = 2,
        cap: int = 32,
        grow_below: float = 1.5,
        cut_above: float = 1.8,
    ) -> None:
        self.adaptive = fixed is None
        self.cap = cap if fixed is None else fixed
        self.limit = float(min(initial, self.cap) if fixed is None else fixed)
        self.grow_below = grow_below
        self.cut_above = cut_above
        self.inflight = 0
        self.peak = 0
        self._sent = 0  # requests let through so far; each one's number is its ticket
        self._round_from = 0  # answers to tickets from here on judge the current limit
        self._round: list[float] = []
        self._lowest: float | None = None
        self._last: tuple[float, float] | None = None  # the previous round's limit and median
        self._slow_start = True
        self._pinned: tuple[bool, float] | None = None  # (adaptive, limit) before pin()
        self._cond = asyncio.Condition()

    @property
    def first_wave(self) -> int:
        """Requests sent before any answer can come back."""
        return int(self.limit)

    async def __aenter__(self) -> int:
        async with self._cond:
            await self._cond.wait_for(lambda: self.inflight < max(1, int(self.limit)))
            self.inflight += 1
            self.peak = max(self.peak, self.inflight)
            self._sent += 1
            return self._sent - 1

    async def __aexit__(self, *exc: object) -> None:
        async with self._cond:
            self.inflight -= 1
            self._cond.notify_all()

    async def answered(self, latency: float, tokens: int = 0, ticket: int | None = None) -> None:
        """An answer of ``tokens`` came back after ``latency`` seconds of request time."""
        if not self.adaptive:
            return
        async with self._cond:
            self._judge(max(latency, 1e-3) / tokens if tokens > 0 else max(latency, 1e-3), ticket)
            self._cond.notify_all()

    async def overloaded(self, ticket: int | None = None) -> None:
        """429 or a timeout: halve, once a round."""
        if not self.adaptive or (ticket is not None and ticket < self._round_from):
            return
        self._set(max(1.0, self.limit / 2))

    def pin(self, limit: int) -> None:
        """A fixed limit until ``unpin`` (a slow server gets one request at a time)."""
        if self._pinned is None:
            self._pinned = (self.adaptive, self.limit)
        self.adaptive = False
        self.limit = float(limit)

    def unpin(self) -> None:
        """Back to the setting: a fixed number, or auto growing again from where it is."""
        if self._pinned is not None:
            self.adaptive, limit = self._pinned
            self._pinned = None
            if not self.adaptive:
                self.limit = limit
            self._set(self.limit, cut=False)

    def _judge(self, sample: float, ticket: int | None) -> None:
        if ticket is not None and ticket < self._round_from:
            return  # sent under an older limit
        self._round.append(sample)
        if len(self._round) < max(3, int(self.limit)):
            return
        median = statistics.median(self._round)
        # the lowest round seen (a round's median: one lucky answer does not set it), drifting
        # up slowly so that an early lucky stretch is forgotten
        self._lowest = median if self._lowest is None else min(self._lowest * 1.01, median)
        ratio = median / self._lowest
        before, self._last = self._last, (self.limit, median)
        # grown since the last round, and latency rose by more than half as much: queued
        queued = before is not None and before[0] < self.limit and (
            median / before[1] > 1 + (self.limit / before[0] - 1) / 2
        )
        if ratio > self.cut_above:
            self._set(max(1.0, float(int(self.limit / ratio))))  # what it serves unqueued
        elif queued and before is not None:
            self._set(before[0])
        elif ratio < self.grow_below:
            grown = self.limit * 2 if self._slow_start else self.limit + 1
            self._set(min(float(self.cap), grown), cut=False)
        else:
            self._set(self.limit, cut=False)

    def _set(self, limit: float, cut: bool = True) -> None:
        """A new limit, judged by the answers to requests let through from now on."""
        if cut:
            self._slow_start = False
        self.limit = limit
        self._round = []
        self._round_from = self._sent
