"""TeX in arXiv's titles, abstracts, comments and author names, as text for GitHub and others.

Authors write these fields in TeX. ``pieces`` reads a field once into text, links and formulas:
text mode through pylatexenc's latex2text (``25\\%`` → 25%, ``Hajdu\\v{s}ek`` → Hajdušek,
``\\emph{x}`` → x); a formula that Unicode writes exactly as text (render/unimath.py: ``$^2$`` →
², ``$\\alpha$`` → α, ``$\\leq$`` → ≤); ``\\href{url}{text}`` as the text and its URL. Two views
are built from the pieces:

- ``typeset``: Markdown for github.com. Text escaped; a URL GitHub would link as ``<url>``, so no
  backslash of our escaping ever lands inside it; the other formulas as GitHub's ``$`…`$`` math,
  which renders whatever Markdown characters the formula holds and which Markdown itself reads as
  a code span: never a link, image or HTML.
- ``to_text``: plain Unicode text for places where no MathJax runs (Atom/RSS feeds, HTML pages,
  pushes): the same text and URLs, formulas Unicode cannot write kept as ``$…$`` source.
- ``to_plain``: the same, with those formulas through latex2text as well (feeds and pushes,
  whose readers show ``$…$`` as it is).

Every scan is linear in the field's length: a field is untrusted text.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from typing import Any, Literal

from arxiv_digest.render.escape import escape_line, one_line
from arxiv_digest.render.unimath import formula_text

Kind = Literal["text", "url", "math"]
Piece = tuple[Kind, str]  # plain text, a URL GitHub links, or a formula's TeX source

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
_SPECIAL = re.compile(r"[$\\]")
_ESCAPED = re.compile(r"\\(?:\\|([$%&_#]))")  # \$ \% \& \_ \#, and \\ left alone
# TeX's escapes that authors put in URLs (\_ \% \# \& \~), undone there
_URL_ESCAPE = re.compile(r"\\([_%#&~])")
# A URL, as GitHub's autolinker would start one; it ends at a space, a brace, < or >, or a
# backslash other than an escape. E-mail addresses too, kept whole as text.
_URL = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://|www\.)(?:[!-;=?-\[\]-z|~]|\\[_%#&~])*"
    r"|[A-Za-z0-9.+_-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+",
    re.IGNORECASE,
)
# what GitHub's autolinker takes: from a scheme (after no letter) or www. (after no letter or
# digit) to a space or <; here also to a backslash (TeX) or a placeholder
_LINKED = re.compile(
    r"((?<![A-Za-z])(?:https?|ftp)://|(?<![A-Za-z0-9])www\.)[^\s<>\\\ue000-\ue002]+", re.I
)
# \href{url}{text} and \url{url} (TeX allows spaces between the arguments; a % glued before
# is the author's comment sign, which arXiv shows as written: dropped)
_HREF = re.compile(
    r"%?\\href\s*\{([^{}\s]*)\}\s*\{((?:[^{}]|\{[^{}]*\})*)\}|%?\\url\s*\{([^{}\s]*)\}"
)
_MAX_FORMULA = 1_000  # a longer "formula" is a stray $ pairing with a far one


def typeset(text: str, *, links: bool = True) -> str:
    """Markdown for one field of arXiv's TeX-flavoured text, on one line. ``links=False`` for
    text inside a link of our own (a link may not hold another): URLs shown as text."""
    return _markdown(pieces(text), links)


def to_text(text: str) -> str:
    """One field as plain Unicode text on one line, for places with no Markdown and no math
    typesetting (feeds, HTML, pushes): TeX's text mode converted, formulas written in Unicode
    where it writes them exactly (RealD²iff, α-stable, ≤), the others kept as ``$…$`` source,
    ``\\href{url}{text}`` as "text (url)". Escape it for wherever it goes (HTML, XML)."""
    return "".join(f"${value}$" if kind == "math" else value for kind, value in pieces(text))


def to_plain(text: str) -> str:
    """``to_text`` with no TeX left, for readers that show ``$…$`` as it is (feed readers,
    chat pushes): a formula Unicode cannot write exactly is read by latex2text too
    (``$\\frac{a}{b}$`` → a/b). A field without TeX skips the parser (most of them)."""
    if not any(mark in text for mark in _TEX_MARKS):
        return one_line(text)
    return "".join(
        " ".join(_convert(value).split()) if kind == "math" else value
        for kind, value in pieces(text)
    )


def pieces(text: str) -> list[Piece]:
    """The field read once: text, URLs and formulas, in order; adjacent text joined."""
    text = _HOLE_CHARS.sub("", one_line(text))
    holes: list[Piece] = []
    if "$" in text or "\\(" in text or "\\[" in text:
        text = _take_formulas(text, holes)
    if "\\href" in text or "\\url" in text:
        text = _HREF.sub(lambda m: _href(holes, m), text)
    if "://" in text or "www." in text.lower() or "@" in text:  # (the regex is slower)
        text = _URL.sub(lambda m: _url(holes, m.group()), text)
    if "\\" in text:  # the escaped specials need no parser (one node each is slow)
        text = _ESCAPED.sub(lambda m: _hole(holes, "text", m[1]) if m[1] else m[0], text)
    if any(mark in text for mark in _TEX_MARKS):  # TeX outside the formulas
        text = _text_mode(_BARE_SPECIAL.sub(r"\\\g<0>", text))
        text = _SPACES.sub(" ", text).strip()
    joined: list[Piece] = []
    for k, part in enumerate(_HOLE.split(text)):  # text, hole number, text, …
        kind, value = holes[int(part)] if k % 2 else ("text", part)
        if joined and kind == "text" and joined[-1][0] == "text":
            joined[-1] = ("text", joined[-1][1] + value)
        else:
            joined.append((kind, value))
    out: list[Piece] = []
    for kind, value in joined:
        out += _links(value) if kind == "text" else [(kind, value)]
    return out


def _hole(holes: list[Piece], kind: Kind, value: str) -> str:
    holes.append((kind, value))
    return f"\ue000{len(holes) - 1}\ue001"


def _href(holes: list[Piece], match: re.Match[str]) -> str:
    """\\href{url}{text} as "text (url)", or the URL alone when the text is the URL."""
    url = _URL_ESCAPE.sub(r"\1", match.group(1) if match.group(3) is None else match.group(3))
    link = _hole(holes, "text", url)
    label = (match.group(2) or "").strip()
    if not label or label.rstrip("/") in (url.rstrip("/"), match.group(1).rstrip("/")):
        return link
    return f"{label} ({link})"


def _url(holes: list[Piece], found: str) -> str:
    """A URL or e-mail address kept from latex2text, with TeX's escapes in it undone; whether
    it becomes a link is decided on the finished text (``_links``)."""
    return _hole(holes, "text", _URL_ESCAPE.sub(r"\1", found))


def _links(text: str) -> list[Piece]:
    r"""The text with each URL GitHub would link as a link piece: wherever the URL came from
    (a bare URL, \href, a formula shown as source), no escaping of ours may land inside it."""
    out: list[Piece] = []
    last = 0
    for match in _LINKED.finditer(text):
        end = match.start() + _autolink_end(match.group(), len(match.group()))
        if end <= match.end(1):
            continue  # nothing left after the scheme
        out += [("text", text[last : match.start()]), ("url", text[match.start() : end])]
        last = end
    out.append(("text", text[last:]))
    return [piece for piece in out if piece[1]]


def _autolink_end(url: str, end: int) -> int:
    """Where GitHub's autolinker (cmark-gfm's autolink_delim) ends the link: trailing
    punctuation and an unbalanced closing parenthesis belong to the sentence."""
    unbalanced = url.count(")", 0, end) - url.count("(", 0, end)
    while end > 0:
        last = url[end - 1]
        if last == ")" and unbalanced > 0:
            unbalanced -= 1
        elif last not in "?!.,:*_~'\";":
            break
        end -= 1
    return end


def _markdown(found: list[Piece], links: bool) -> str:
    """The pieces as Markdown, with a space between a formula and what GitHub would glue to
    it: a letter (github/markup#1742), another formula ($a$$b$ renders as neither), a URL
    (the autolinker would run on over the formula's $ and backtick)."""
    out: list[str] = []
    for k, (kind, value) in enumerate(found):
        if kind == "text":
            out.append(escape_line(value))
            continue
        if kind == "url":
            if links and out and out[-1].endswith("!"):
                out[-1] = out[-1][:-1] + "\\!"  # ![…](…) would be an image
            out.append(_link(value) if links else escape_line(value))
            continue
        before = found[k - 1] if k else None
        after = found[k + 1] if k + 1 < len(found) else None
        text = f"$`{value}`$"
        if before and (before[0] != "text" or before[1][-1:].isalpha()):
            text = " " + text
        if after and (after[0] == "url" or (after[0] == "text" and after[1][:1].isalpha())):
            text += " "
        out.append(text)
    return "".join(out)


def _link(url: str) -> str:
    """A CommonMark autolink: taken as written, whatever Markdown characters the URL holds."""
    if url[:4].lower() == "www.":  # GitHub links these to http://
        return f"[{escape_line(url)}](<http://{url}>)"
    return f"<{url}>"


def _take_formulas(text: str, holes: list[Piece]) -> str:
    """The text with each $…$, $$…$$, \\(…\\) and \\[…\\] replaced by a placeholder."""
    dollars = _Dollars(text)
    out: list[str] = []
    i = 0
    closers: dict[str, int] = {}  # the next "\)" or "\]" found: searched again only past it
    while found := _SPECIAL.search(text, i):
        out.append(text[i : found.start()])
        i = found.start()
        pair = text[i : i + 2]
        if pair in ("\\(", "\\["):
            closer = "\\)" if pair == "\\(" else "\\]"
            if closers.get(closer, -2) < i + 2 and closers.get(closer) != -1:
                closers[closer] = text.find(closer, i + 2)
            end = closers[closer]
            if end >= 0:
                out.append(_formula(holes, text[i + 2 : end], text[i : end + 2]))
                i = end + 2
                continue
        if text[i] == "\\":
            out.append(pair)  # \$ and every other escape stay as they are for latex2text
            i += 2
            continue
        span = dollars.span(i)
        if span is None:
            out.append("\\$")  # an unbalanced $ is a literal dollar
            i += 1
            continue
        start, end, width = span
        out.append(_formula(holes, text[start:end], text[i : end + width]))
        i = end + width
    out.append(text[i:])
    return "".join(out)


class _Dollars:
    """The unescaped $ of a text, with each one's next possible closing $ found in one pass
    from the end, so pairing every $ costs constant time (a scan per $ was quadratic)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.at: list[int] = []
        i = 0
        while found := _SPECIAL.search(text, i):
            i = found.start()
            if text[i] == "\\":
                i += 2
                continue
            self.at.append(i)
            i += 1
        self.index = {position: k for k, position in enumerate(self.at)}
        # a closing $ followed by a digit is a price ("$5 and $10"), as in pandoc's rule
        self.closer = [len(self.at)] * (len(self.at) + 1)
        for k in range(len(self.at) - 1, -1, -1):
            after = text[self.at[k] + 1 : self.at[k] + 2]
            self.closer[k] = self.closer[k + 1] if after.isdigit() else k

    def span(self, i: int) -> tuple[int, int, int] | None:
        """Where the formula opened by the $ at i starts and ends, and its delimiter's width."""
        k, at = self.index[i], self.at
        if k + 3 < len(at) and at[k + 1] == i + 1 and at[k + 3] == at[k + 2] + 1:
            return i + 2, at[k + 2], 2  # $$…$$ with no $ inside
        closing = self.closer[k + 1]
        if closing >= len(at):
            return None
        end = at[closing]
        if not self.text[i + 1 : end].strip() or end - i - 1 > _MAX_FORMULA:
            return None
        return i + 1, end, 1


def _formula(holes: list[Piece], tex: str, source: str) -> str:
    tex = tex.strip()
    if _UNSAFE_MATH.search(tex):
        return _hole(holes, "text", source)  # shown as the author wrote it
    unicode = formula_text(tex)
    if unicode is not None:
        return _hole(holes, "text", unicode)
    return _hole(holes, "math", tex)


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
