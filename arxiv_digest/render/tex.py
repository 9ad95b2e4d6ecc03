"""TeX in arXiv's titles, abstracts, comments and author names, typeset for GitHub.

Authors write these fields in TeX. Text mode goes through pylatexenc's latex2text (``25\\%`` →
25%, ``Hajdu\\v{s}ek`` → Hajdušek, ``\\emph{x}`` → x) and then our Markdown escaping; formulas
become GitHub's ``$`…`$`` inline math, which renders on github.com whatever Markdown characters
the formula holds, and which Markdown itself reads as a code span: never a link, image or HTML.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from typing import Any

from arxiv_digest.render.escape import escape_line, one_line

# Text without these renders exactly as plain escaped text, and skips the TeX parser.
_TEX_MARKS = ("\\", "$", "~", "--", "``", "''")
_TEX = re.compile("|".join(map(re.escape, _TEX_MARKS)))
# placeholders for formulas and URLs while the text around them goes through latex2text
_HOLE = re.compile("\ue000(\\d+)\ue001")
_HOLE_CHARS = re.compile("[\ue000-\ue002]")
_SEPARATOR = "\ue002"  # between runs of words converted in one parser call
# TeX's own specials that arXiv authors also use as plain characters ("R&D", "5% more")
_BARE_SPECIAL = re.compile(r"(?<!\\)[%&]")
# A formula may not leave its code span (backtick) or ask MathJax for links, styles or HTML.
_UNSAFE_MATH = re.compile(r"`|\\(?:href|url|class|cssId|style|html\w*|data\w*|unicode|require)")
_SPACES = re.compile(r"[ \t\r\n]+")
# AUTOLINK, but a URL ends at a brace or backslash: \url{…} and \href{…} keep their groups
_URL = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://|www\.)[!-\[\]-z|~]*|[A-Za-z0-9.+_-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+",
    re.IGNORECASE,
)
_MAX_FORMULA = 1_000  # a longer "formula" is a stray $ pairing with a far one


def typeset(text: str) -> str:
    """Markdown for one field of arXiv's TeX-flavoured text, on one line."""
    text = one_line(text)
    if not any(mark in text for mark in _TEX_MARKS):  # (substring tests beat the regex)
        return escape_line(text)
    holes: list[tuple[str, bool]] = []  # (Markdown, is a formula)
    text = _take_formulas(_HOLE_CHARS.sub("", text), holes)
    if any(mark in text for mark in _TEX_MARKS):  # TeX outside the formulas too
        if "://" in text or "www." in text.lower() or "@" in text:  # (the regex is slow)
            text = _URL.sub(lambda m: _hole(holes, escape_line(m.group()), False), text)
        text = _text_mode(_BARE_SPECIAL.sub(r"\\\g<0>", text))
        text = _SPACES.sub(" ", text).strip()
    return _fill(escape_line(text), holes)


def _hole(holes: list[tuple[str, bool]], markdown: str, formula: bool) -> str:
    holes.append((markdown, formula))
    return f"\ue000{len(holes) - 1}\ue001"


def _take_formulas(text: str, holes: list[tuple[str, bool]]) -> str:
    """The text with each $…$, $$…$$, \\(…\\) and \\[…\\] replaced by a placeholder."""
    out: list[str] = []
    i = 0
    while (found := _next_special(text, i)) >= 0:
        out.append(text[i:found])
        i = found
        pair = text[i : i + 2]
        if pair in ("\\(", "\\["):
            end = text.find("\\)" if pair == "\\(" else "\\]", i + 2)
            if end >= 0:
                out.append(_formula(holes, text[i + 2 : end], text[i : end + 2]))
                i = end + 2
                continue
        if text[i] == "\\":
            out.append(pair)  # \$ and every other escape stay as they are for latex2text
            i += 2
            continue
        span = _dollar_span(text, i)
        if span is None:
            out.append("\\$")  # an unbalanced $ is a literal dollar
            i += 1
            continue
        start, end, width = span
        out.append(_formula(holes, text[start:end], text[i : end + width]))
        i = end + width
    out.append(text[i:])
    return "".join(out)


def _next_special(text: str, start: int) -> int:
    dollar, backslash = text.find("$", start), text.find("\\", start)
    if min(dollar, backslash) >= 0:
        return min(dollar, backslash)
    return max(dollar, backslash)


def _dollar_span(text: str, i: int) -> tuple[int, int, int] | None:
    """Where the formula opened by the $ at i starts and ends, and its delimiter's width."""
    if text.startswith("$$", i):
        end = _closing(text, i + 2, "$$")
        if end is not None and _closing(text[i + 2 : end], 0, "$") is None:
            return i + 2, end, 2
    start = i + 1
    end = _closing(text, start, "$")
    # a closing $ followed by a digit is a price ("$5 and $10"), as in pandoc's rule
    while end is not None and text[end + 1 : end + 2].isdigit():
        end = _closing(text, end + 1, "$")
    if end is None or not text[start:end].strip() or end - start > _MAX_FORMULA:
        return None
    return start, end, 1


def _closing(text: str, start: int, delimiter: str) -> int | None:
    """The next unescaped ``delimiter`` at or after start."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text.startswith(delimiter, i):
            return i
        else:
            i += 1
    return None


def _formula(holes: list[tuple[str, bool]], tex: str, source: str) -> str:
    tex = tex.strip()
    if _UNSAFE_MATH.search(tex):
        return _hole(holes, escape_line(source), False)  # shown as the author wrote it
    return _hole(holes, f"$`{tex}`$", True)


def _fill(markdown: str, holes: list[tuple[str, bool]]) -> str:
    """Put formulas and URLs back, with a space between a formula and what GitHub would glue
    to it: a letter (github/markup#1742), another formula ($a$$b$ renders as neither), a URL
    (the autolinker would run on over the formula's $ and backtick)."""
    pieces = _HOLE.split(markdown)  # text, hole number, text, hole number, …, text
    out = [pieces[0]]
    for k in range(1, len(pieces), 2):
        text, formula = holes[int(pieces[k])]
        before, after = pieces[k - 1], pieces[k + 1]
        if formula:
            follows_hole = k > 1 and " " not in before
            follows_formula = k > 1 and not before and holes[int(pieces[k - 2])][1]
            if before[-1:].isalpha() or (follows_hole and not follows_formula):
                text = " " + text
            if after[:1].isalpha() or (not after and k + 2 < len(pieces)):
                text += " "  # a letter or the next hole follows
        out += [text, after]
    return "".join(out)


def _text_mode(text: str) -> str:
    """latex2text over the runs of words that hold TeX, the other words left as they are: the
    parser costs a fraction of a millisecond per word, and most words need none of it."""
    words = text.split(" ")
    starts = list(itertools.accumulate((len(w) + 1 for w in words[:-1]), initial=0))
    runs: list[tuple[int, int]] = []  # word ranges [start, end) converted as one
    for match in _TEX.finditer(text):
        first = bisect.bisect_right(starts, match.start()) - 1
        if runs and first < runs[-1][1]:
            continue  # inside the run before
        last, depth = first, _brace_depth(words[first])
        while depth > 0 and last + 1 < len(words):  # a group opened here closes further on
            last += 1
            depth += _brace_depth(words[last])
        runs.append((first, last + 1))
    converted = _latex_to_text([" ".join(words[a:b]) for a, b in runs])
    for (a, b), value in reversed(list(zip(runs, converted, strict=True))):
        words[a:b] = [value]
    return " ".join(words)


def _brace_depth(word: str) -> int:
    word = word.replace("\\\\", "").replace("\\{", "").replace("\\}", "")
    return word.count("{") - word.count("}")


def _latex_to_text(runs: list[str]) -> list[str]:
    """Each run as text; one parser call for them all where the separator survives."""
    if not runs:
        return []
    together = _convert(_SEPARATOR.join(runs)).split(_SEPARATOR)
    if len(together) == len(runs):
        return together
    return [_convert(run) for run in runs]  # a run swallowed a separator ("\\", "\\cite{")


def _convert(tex: str) -> str:
    converter, parser_context = _pylatexenc()
    try:
        return converter.latex_to_text(tex, latex_context=parser_context)
    except Exception:  # pylatexenc fails on some malformed input; show it as written
        return tex


def _unknown_macro(node: Any, **_: Any) -> str:
    return f"\\{node.macroname} "  # kept as written rather than silently dropped


@functools.cache
def _pylatexenc() -> tuple[Any, Any]:
    """The converter and the parser's macro table, built on first use (≈25 ms with the import,
    which a run whose text holds no TeX, or --version, never pays); the table once, as
    latex_to_text would rebuild it for every call."""
    import logging

    from pylatexenc import latex2text, latexwalker

    # it logs a warning for each macro it cannot fill (a \url{ never closed); the text is
    # shown as written instead, and the user's run log is no place for it
    logging.getLogger("pylatexenc").setLevel(logging.ERROR)
    db = latex2text.get_default_latex_context_db()
    db.add_context_category(
        "arxiv-digest",
        prepend=True,
        macros=[
            latex2text.MacroTextSpec(",", simplify_repl="\u2009"),  # thin space
            latex2text.MacroTextSpec("url", simplify_repl="%s"),
            latex2text.MacroTextSpec("TeX", simplify_repl="TeX"),
            latex2text.MacroTextSpec("LaTeX", simplify_repl="LaTeX"),
        ]
        + [latex2text.MacroTextSpec(name, discard=True) for name in _REFERENCES + _FONTS],
    )
    db.set_unknown_macro_spec(latex2text.MacroTextSpec("", simplify_repl=_unknown_macro))
    return latex2text.LatexNodes2Text(latex_context=db), latexwalker.get_default_latex_context_db()


# references into a paper the reader does not have: dropped, not shown as "<cit.>"
_REFERENCES = ("cite", "citep", "citet", "ref", "eqref", "label", "footnote")
# old-style font switches ({\it x}): the text stays, the switch goes
_FONTS = ("it", "bf", "em", "rm", "sc", "sl", "sf", "tt", "normalfont", "upshape", "itshape")
