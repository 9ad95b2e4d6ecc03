"""Markdown escaping: text from arXiv or the model renders as itself on GitHub, never as syntax."""

from __future__ import annotations

import re
from urllib.parse import quote

from arxiv_digest.untrusted import one_line

# Characters that could turn text into formatting, links, HTML, tables or math on GitHub.
# Angle brackets become entities, not \< \>: an autolinker that takes a URL's trailing
# backslash along (markdown-it's linkify does) would otherwise leave a bare "<img …>" behind.
_ESCAPES = str.maketrans(
    {char: "\\" + char for char in "`*_[]|$~&#"} | {"<": "&lt;", ">": "&gt;"}
)
# A backslash is literal unless ASCII punctuation (or our closing "**") follows, so TeX
# like \hbar stays as it is and only \( or \' need doubling.
_BACKSLASH = re.compile(r"\\(?=[!-/:-@\[-`{-~]|$)")

# what GitHub turns into a link by itself: scheme://…, www.…, and e-mail addresses
# (ASCII only: a URL ends where Chinese text resumes, and a code span must not swallow it)
AUTOLINK = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://|www\.)[!-~]*|[A-Za-z0-9.+_-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+",
    re.IGNORECASE,
)


def escape(text: str) -> str:
    """Backslash-escape Markdown syntax so the text renders as itself, on one line."""
    return escape_line(one_line(text))


def escape_line(text: str) -> str:
    """``escape`` for text already cleaned and on one line."""
    if "\\" in text:
        text = _BACKSLASH.sub(r"\\\\", text)  # before the escapes below add their own
    return text.translate(_ESCAPES)


def escape_unlinked(text: str) -> str:
    """Escaped, and never a link: the model's words may not send readers anywhere, so a URL in
    them is shown as code, which GitHub does not autolink."""
    parts: list[str] = []
    last = 0
    text = one_line(text)
    for match in AUTOLINK.finditer(text):
        url = match.group().replace("`", "")
        parts += [escape_line(text[last : match.start()]), f"`{url}`" if url else ""]
        last = match.end()
    parts.append(escape_line(text[last:]))
    return "".join(parts)


def link_target(path: str) -> str:
    """A relative link to a file in the output folder, percent-encoded: a space, "#", "?", "<"
    or a parenthesis in a file's name would end the link or cut its path short. Our own names
    ([A-Za-z0-9._+-]) come out as they are."""
    return quote(path, safe="/+")
