"""Is the endpoint dead, slow, or fine? One place that watches every request's outcome.

"Nothing answers" (connection refused, no answer ever, no model list) ends the run with exit 3
in seconds. "Answers slowly" (it accepts connections and has answered in this run, or lists its
models) is not dead: our own timeouts are not the server's silence, so the run goes on with one
request in flight and a timeout grown from the latencies seen, up to ``timeout_cap``. An endpoint
that answered and then stops accepting connections (killed mid-run) ends the run with exit 3
too, before its papers are marked failed: the day is not written and the next run finishes it.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from tenacity import RetryCallState
from tenacity.stop import stop_base

from arxiv_digest.config import Settings
from arxiv_digest.errors import EndpointDownError
from arxiv_digest.summarize.limiter import ConcurrencyGate


@dataclass
class PaperClock:
    """A paper's own time: from its first request, without the time it queued in our gate.

    The retry budget is the paper's, not our queue's: a paper that waited behind 500 others
    still gets its retries.
    """

    first_sent: float | None = None
    queued: float = 0.0
    waiting_since: float | None = None

    def wait(self) -> None:
        """About to queue for a slot (again)."""
        self.waiting_since = time.monotonic()

    def send(self) -> None:
        """A request goes out now: the wait since ``wait`` was our queue, not the paper's."""
        now = time.monotonic()
        if self.first_sent is None:
            self.first_sent = now
        elif self.waiting_since is not None:
            self.queued += now - self.waiting_since
        self.waiting_since = None

    def spent(self) -> float:
        if self.first_sent is None:
            return 0.0
        return time.monotonic() - self.first_sent - self.queued

    def stop_when_spent(self, budget: Callable[[], float]) -> stop_base:
        """A tenacity stop: the paper's own time is spent."""
        clock = self

        class _Spent(stop_base):
            def __call__(self, retry_state: RetryCallState) -> bool:
                return clock.spent() >= budget()

        return _Spent()


class EndpointWatch:
    def __init__(
        self,
        settings: Settings,
        base_url: str,
        gate: ConcurrencyGate,
        lists_models: Callable[[float], Awaitable[bool]],
        redact: Callable[[str], str],
    ) -> None:
        self.settings = settings
        self.base_url = base_url
        self.gate = gate
        self.timeout = settings.timeout  # per request; grows for a slow server
        self.cap = max(settings.timeout, settings.timeout_cap)
        self.first_wave = gate.first_wave  # the runner lowers it for a short day
        self.fatal: EndpointDownError | None = None
        self.latencies: list[float] = []
        self.slow = False  # reachable, but answers take a good share of the timeout or more
        self.was_slow = False
        self._lists_models = lists_models
        self._listed: bool | None = None
        self._redact = redact
        self._silent = 0  # connection errors and timeouts before the first answer
        self._started: float | None = None
        self._last_answer: float | None = None
        self._refused_since: float | None = None  # every request failing to connect since then
        self._timeouts = 0

    # -- what happened to a request -------------------------------------------------------
    def sent(self) -> None:
        self._started = self._started or time.monotonic()

    @property
    def answers(self) -> int:
        return len(self.latencies)

    def answered(self, latency: float) -> None:
        self.latencies.append(latency)
        self._last_answer = time.monotonic()
        self._refused_since = None
        quick = self.settings.timeout / 4
        if self.slow and len(self.latencies) >= 5 and max(self.latencies[-5:]) <= quick:
            self.slow = False  # a passing stall (one long answer, an outage): full speed again
            self.gate.unpin()

    def reached(self) -> None:
        """An HTTP error answer: the server is there (it connects)."""
        self._refused_since = None

    def server_error(self, reason: str) -> None:
        """5xx: connected, but only answers count against ``dead_after``."""
        self._silence(reason)

    def connect_failed(self, reason: str) -> None:
        now = time.monotonic()
        self._refused_since = self._refused_since or now
        if self.answers == 0:
            self._silent += 1
            if self._silent >= max(2, self.first_wave):
                self.stop(f"cannot reach the LLM endpoint {self.base_url}: {reason}")
        self._silence(reason)

    async def timed_out(self, used: float) -> None:
        """Our own timeout: the server may still be computing. Dead only when it never answered
        and lists no models, or when even the capped timeout brings no answer for long."""
        self._timeouts += 1
        reason = f"no answer within {used:g} s"
        if self.answers == 0:
            self._silent += 1
            if self._silent < max(2, self.first_wave):
                return
            if not await self._reachable():
                self.stop(
                    f"cannot reach the LLM endpoint {self.base_url}: {reason} (a slow local "
                    "server that lists no models may need a longer ARXIV_DIGEST_TIMEOUT)"
                )
            self._go_slow(used)
        elif (
            self.slow
            or self.median() >= self.timeout / 3  # answers take a good share of the timeout
            or self._quiet_for() >= self.settings.dead_after  # only timeouts for a while
        ):
            self._go_slow(used)
        if used >= self.cap and self._quiet_for() >= 2 * self.cap:
            self.stop(self._slow_line(f"no answer for {self._quiet_for():.0f} s"))

    def gave_up(self, clock: PaperClock) -> None:
        """A paper ran out of retries on connection errors: when nothing has connected since
        before its first request, the endpoint is gone (killed mid-run), not the paper."""
        since, first = self._refused_since, clock.first_sent
        if self.answers and since is not None and first is not None and since <= first:
            self.stop(
                f"the LLM endpoint {self.base_url} stopped accepting connections "
                f"{time.monotonic() - since:.0f} s ago after {self.answers} answers"
            )

    # -- verdicts --------------------------------------------------------------------------
    def _silence(self, reason: str) -> None:
        """No answer (only errors) for ``dead_after`` seconds: the endpoint went away."""
        quiet = self._quiet_for()
        if quiet >= self.settings.dead_after:
            self.stop(
                f"cannot reach the LLM endpoint {self.base_url}: no answer for {quiet:.0f} s "
                f"({reason})"
            )

    def _quiet_for(self) -> float:
        now = time.monotonic()
        return now - (self._last_answer or self._started or now)

    async def _reachable(self) -> bool:
        """Lists its models: a server that is there, only slower than our timeout. Asked with
        room for two answers: llama.cpp's Python server lists them only between answers, and
        it still computes the ones we gave up on."""
        if self._listed is None:
            try:
                self._listed = await self._lists_models(min(self.cap, 2 * self.timeout))
            except Exception:  # any failure of the probe: no evidence it is there
                self._listed = False
        return self._listed

    def _go_slow(self, used: float) -> None:
        """One request in flight, and a longer timeout (once per timeout length)."""
        if not self.slow:
            self.slow = self.was_slow = True
            self.gate.pin(1)
        if used >= self.timeout and self.timeout < self.cap:
            grown = max(2 * self.timeout, 3 * self.median()) if self.latencies else 3 * used
            # rounded up as a person would set it: the note tells them to (148 s, not 147.797)
            tidy = math.ceil(grown) if grown >= 10 else math.ceil(grown * 10) / 10
            self.timeout = min(self.cap, tidy)

    def budget(self) -> float:
        """A paper's retry budget: the setting, and always room for two whole attempts."""
        return max(self.settings.max_retry_seconds, 2 * self.timeout)

    def median(self) -> float:
        return statistics.median(self.latencies) if self.latencies else 0.0

    def _slow_line(self, what: str) -> str:
        told = (
            f"a median answer takes {self.median():.3g} s"
            if self.latencies
            else "no answer yet, though it lists its models"
        )
        return (
            f"the LLM endpoint {self.base_url} is slow: {told}; {what} with a timeout of "
            f"{self.timeout:g} s (ARXIV_DIGEST_TIMEOUT_CAP={self.cap:g})"
        )

    def note(self) -> str | None:
        """What to set so a slow endpoint's next run goes straight to work."""
        if not self.was_slow:
            return None
        told = f"a median answer takes {self.median():.3g} s" if self.latencies else "no answer"
        suggest = max(self.timeout, 3 * self.median())
        if not self.slow:  # a passing stall: the run went back to full speed
            return (
                f"slow for a while: {told}, but {self._timeouts} took longer than "
                f"{self.settings.timeout:g} s; the run waited up to {self.timeout:g} s for "
                f"them. If it happens often, set ARXIV_DIGEST_TIMEOUT={suggest:.0f}"
            )
        return (
            f"slow: {told} ({self._timeouts} timeouts); the run went on with one request in "
            f"flight and a {self.timeout:g} s timeout. Set ARXIV_DIGEST_TIMEOUT={suggest:.0f} "
            "and ARXIV_DIGEST_CONCURRENCY=1 for this endpoint"
        )

    def stop(self, message: str) -> None:
        if self.fatal is None:
            self.fatal = EndpointDownError(
                self._redact(message) + "; every answer so far is cached, run again to finish"
            )
        raise self.fatal
