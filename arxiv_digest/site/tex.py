"""arXiv's TeX-flavoured text as HTML for the web reader: formulas kept as TeX in a
``<span class="tex">`` that KaTeX typesets in the browser (readable as TeX without script), the
text around them with TeX's text-mode escapes as the characters they stand for.

Regex substitutions, not a TeX parser: a year of abstracts goes through here on every build, and
the common escapes (``\\%``, accents, ``--``, ``\\emph{}``) cover nearly all of what arXiv authors
write outside math. Anything else stays as the author wrote it."""

from __future__ import annotations

import re
import unicodedata

from markupsafe import Markup, escape

from arxiv_digest.render.escape import one_line

_MAX_FORMULA = 1_000  # a longer "formula" is a stray $ pairing with a far one
_ACCENTS = {"'": "\u0301", '"': "\u0308", "`": "\u0300", "^": "\u0302", "~": "\u0303",
            "=": "\u0304", ".": "\u0307", "v": "\u030c", "c": "\u0327", "u": "\u0306",
            "H": "\u030b", "k": "\u0328", "r": "\u030a"}
_ACCENT = re.compile(
    r"\{?\\(['\"`^~=.])\s*\{?\\?([A-Za-z])(?:\}|(?<=\\[ij]) )?\}?"  # \'e, {\'e}, \'{e}, \"{\i}
    r"|\{?\\([vcuHkr])\s*\{\\?([A-Za-z])\}\}?"  # \v{s}, {\c{c}}
)
_FONT_COMMAND = re.compile(
    r"\\(?:emph|textbf|textit|textrm|textsf|texttt|textsc|textup|textsl|text|mbox|underline)"
    r"\{([^{}]*)\}"
)
_FONT_SWITCH = re.compile(r"\{\\(?:it|bf|em|rm|sc|sl|sf|tt)\s+([^{}]*)\}")
_REFERENCE = re.compile(r"~?\\(?:cite[pt]?|ref|eqref|label|footnote)\{[^{}]*\}")
# what each of the slow patterns above must contain to match at all: they start with an optional
# brace, which keeps the regex engine from skipping ahead to a backslash, so most text is spared
# them by these quick searches
_MAY_ACCENT = re.compile(r"\\[vcuHkr'\"`^~=.]")
_MAY_REFER = re.compile(r"\\(?:cite|ref|eqref|label|footnote)")
_SIMPLE = [("\\%", "%"), ("\\&", "&"), ("\\_", "_"), ("\\#", "#"), ("\\$", "$"), ("\\{", "{"),
           ("\\}", "}"), ("\\,", "\u2009"), ("\\ ", " "), ("---", "—"), ("--", "–"),
           ("``", "“"), ("''", "”"), ("~", "\u00a0"), ("\\LaTeX", "LaTeX"), ("\\TeX", "TeX")]
_TEXT_MARKS = ("\\", "~", "--", "``", "''")
_TO_SINGLE = re.compile(r"\\.|\$", re.DOTALL)  # an escape (skipped) or the closing $
_TO_DOUBLE = re.compile(r"\\.|\$\$", re.DOTALL)


def tex_html(text: str | None) -> Markup:
    """Escaped HTML for one field: formulas in spans for KaTeX, text-mode TeX as characters."""
    if not text:
        return Markup("")
    text = one_line(text)
    if "$" not in text and "\\" not in text:
        return _text(text)
    out: list[str] = []
    i = 0
    while (found := _next_formula(text, i)) is not None:
        start, end, display = found
        out.append(_text(text[i:start]))
        css = "tex display" if display else "tex"
        out.append(f'<span class="{css}">{escape(text[start:end])}</span>')
        i = end
    out.append(_text(text[i:]))
    return Markup("".join(out))


def _next_formula(text: str, i: int) -> tuple[int, int, bool] | None:
    """(start, end, display) of the next $…$, $$…$$, \\(…\\) or \\[…\\] at or after i."""
    while i < len(text):
        dollar, paren = text.find("$", i), text.find("\\", i)
        at = min(p for p in (dollar, paren) if p >= 0) if max(dollar, paren) >= 0 else -1
        if at < 0:
            return None
        pair = text[at : at + 2]
        if pair in ("\\(", "\\["):
            close = text.find("\\)" if pair == "\\(" else "\\]", at + 2)
            if close >= 0 and close - at <= _MAX_FORMULA:
                return at, close + 2, pair == "\\["
        elif text[at] == "\\":
            i = at + 2  # \$ and other escapes are text
            continue
        elif pair == "$$":
            close = _closing(text, at + 2, "$$")
            if close is not None and close - at <= _MAX_FORMULA:
                return at, close + 2, True
        else:
            close = _closing(text, at + 1, "$")
            while close is not None and text[close + 1 : close + 2].isdigit():
                close = _closing(text, close + 1, "$")  # "$5 and $10" are prices
            if close is not None and text[at + 1 : close].strip() and close - at <= _MAX_FORMULA:
                return at, close + 1, False
        i = at + 1
    return None


def _closing(text: str, start: int, delimiter: str) -> int | None:
    """The next unescaped ``delimiter`` at or after start."""
    for match in (_TO_DOUBLE if delimiter == "$$" else _TO_SINGLE).finditer(text, start):
        if match.group() == delimiter:
            return match.start()
    return None


def _text(text: str) -> Markup:
    if any(mark in text for mark in _TEXT_MARKS):
        if "\\" in text:
            if _MAY_REFER.search(text):
                text = _REFERENCE.sub("", text)
            if _MAY_ACCENT.search(text):
                text = _ACCENT.sub(_accent, text)
            for _ in range(2):  # \emph{\textbf{x}}
                text = _FONT_SWITCH.sub(r"\1", _FONT_COMMAND.sub(r"\1", text))
        for tex, char in _SIMPLE:
            text = text.replace(tex, char)
    return escape(text)


def _accent(match: re.Match[str]) -> str:
    mark, letter = (match.group(1), match.group(2)) if match.group(1) else match.group(3, 4)
    return unicodedata.normalize("NFC", letter + _ACCENTS[mark])
