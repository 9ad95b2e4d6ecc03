"""Progress while summarizing: a bar on a terminal, a line now and then in a log (Actions),
where a bar would print nothing until the end."""

from __future__ import annotations

import time
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class RunProgress:
    """Counts finished papers; shows them as a bar or as lines about every 10 % or 30 s."""

    def __init__(self, console: Console, total: int, every: float = 30.0) -> None:
        self.console = console
        self.total = total
        self.done = 0
        self.failed = 0
        self.every = every
        self._started = time.monotonic()
        self._last_line = self._started
        self._last_share = 0
        self._bar: Progress | None = None
        if console.is_terminal:
            self._bar = Progress(
                TextColumn("summarizing"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            )
            self._task = self._bar.add_task("summarizing", total=total)

    def __enter__(self) -> RunProgress:
        if self._bar is not None:
            self._bar.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.__exit__(kind, exc, tb)

    def advance(self, count: int = 1, failed: int = 0) -> None:
        self.done += count
        self.failed += failed
        if self._bar is not None:
            self._bar.advance(self._task, count)
            return
        now = time.monotonic()
        share = self.done * 10 // max(1, self.total)  # tenths
        if share > self._last_share or now - self._last_line >= self.every:
            self._last_share, self._last_line = share, now
            self.console.print(
                f"summarized {self.done}/{self.total}, {self.failed} failed, "
                f"{now - self._started:.0f} s",
                markup=False,
            )
