"""asyncio.run that a termination signal stops as cleanly as Ctrl-C.

The CLI turns SIGTERM into an exception raised wherever Python is. Inside the event loop that is
often the middle of a task's step: the task keeps the exception, asyncio.run's clean-up never
reads it, and "Task exception was never retrieved" with a traceback followed the "interrupted"
line (1 run in 5). Here the loop handles the signal itself, as asyncio.run does for SIGINT: the
main task is cancelled (each request's clean-up runs, every answer so far is cached), and once
the loop has closed, the signal is raised again for the handler the program had installed.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

# those the CLI may turn into an exception; SIGINT is asyncio.run's own already
_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def run_stoppable(main: Coroutine[Any, Any, T]) -> T:
    """asyncio.run(main); a SIGTERM (or SIGHUP) handled by Python code stops it, then reaches
    that code once the loop is closed."""
    caught: list[signal.Signals] = []
    previous = {sig: signal.getsignal(sig) for sig in _SIGNALS}
    try:
        return asyncio.run(_stopped_by_signals(main, caught, previous))
    except asyncio.CancelledError:
        if not caught:
            raise
    finally:
        for sig, handler in previous.items():  # the loop leaves SIG_DFL behind
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(sig, handler)
    signal.raise_signal(caught[0])
    raise asyncio.CancelledError  # only if that handler returned


async def _stopped_by_signals(
    main: Coroutine[Any, Any, T], caught: list[signal.Signals], previous: dict[Any, Any]
) -> T:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None

    def stop(sig: signal.Signals) -> None:
        caught.append(sig)
        task.cancel()

    handled = []
    for sig, handler in previous.items():
        if not isinstance(handler, Callable):  # SIG_DFL or SIG_IGN: nothing of ours to reach
            continue
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop, sig)  # (main thread on Unix only)
            handled.append(sig)
    try:
        return await main
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)
