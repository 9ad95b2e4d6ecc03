"""Printing a line: what the user reads on stderr/stdout, and what GitHub Actions parses there.

Feed text, file names, model ids, tags and endpoint messages all end up in printed lines; each
line goes through ``untrusted.printable`` here, so none holds a line break or a workflow command.
"""

from __future__ import annotations

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
    """One line on stdout (doctor's checks, cache-stats, categories)."""
    typer.echo(printable(text, None))
