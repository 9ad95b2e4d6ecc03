"""Printing a line: what the user reads on stderr/stdout, and what GitHub Actions parses there.

Feed text, file names, model ids, tags and endpoint messages all end up in printed lines; each
line goes through ``untrusted.printable`` here, so none holds a line break or a workflow command.
"""

from __future__ import annotations

import os
import sys
from typing import Any, TextIO

import typer
from rich.console import Console
from rich.markup import escape

from arxiv_digest.untrusted import printable


def say(console: Console, text: str, style: str = "", label: str = "") -> None:
    """One line on ``console``; markup only from ``style`` and ``label``, never from ``text``."""
    line = escape(printable(text, None))
    if label:
        line = f"[{style}]{label}[/] {line}" if style else f"{label} {line}"
    elif style:
        line = f"[{style}]{line}[/]"
    console.print(line, soft_wrap=True, emoji=False, highlight=False)


def echo(text: str) -> None:
    """One line on stdout (doctor's checks, cache-stats, categories); a closed reader
    (``| head -1``) ends the output quietly, not with a traceback or exit 120."""
    try:
        typer.echo(printable(text, None))
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the flush at exit cannot fail either


class Unbroken:
    """sys.stderr (looked up at each write, so test runners can swap it) where a write to a
    reader that went away is dropped: a run's log is for people, and losing it must not cost
    the digest. Everything else is the stream's own."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._broken = False

    @property
    def _stream(self) -> TextIO:
        stream: TextIO = getattr(sys, self._name)
        return stream

    def write(self, text: str) -> int:
        if not self._broken:
            try:
                return self._stream.write(text)
            except (BrokenPipeError, ValueError):  # EPIPE, or a closed stream
                self._broken = True
        return len(text)

    def flush(self) -> None:
        if not self._broken:
            try:
                self._stream.flush()
            except (BrokenPipeError, ValueError):
                self._broken = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
