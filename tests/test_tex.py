"""TeX in real titles, abstracts and names reads as typeset on GitHub, and never opens a hole."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from arxiv_digest.models import Digest, Entry, Group, Paper
from arxiv_digest.render.escape import escape
from arxiv_digest.render.markdown import render_digest
from arxiv_digest.render.tex import typeset
from arxiv_digest.sources.feed import parse_feed
from arxiv_digest.storage import write_digest
from tests.conftest import QUANT_PH
from tests.support.anchors import without_anchors
from tests.support.github import hrefs

# GitHub-like: raw HTML allowed, tables, strikethrough and bare-URL autolinks
MD = MarkdownIt("commonmark", {"html": True, "linkify": True}).enable(
    ["table", "strikethrough", "linkify"]
)
MD.linkify.set({"fuzzy_link": False})  # GitHub links scheme:// and www. only, not bare domains
PAPERS = {p.id: p for p in parse_feed(QUANT_PH.read_bytes()).papers}


def shown(markdown: str) -> str:
    """What markdown-it shows for one line: text as text, a code span (our formulas) as `…`,
    failing on anything that is formatting, a link, an image or HTML."""
    (paragraph,) = [t for t in MD.parse(markdown) if t.type == "inline"]
    parts = []
    for child in paragraph.children or []:
        assert child.type in ("text", "code_inline"), (child.type, markdown)
        parts.append(f"`{child.content}`" if child.type == "code_inline" else child.content)
    return "".join(parts)


# (arXiv id, field, a fragment of arXiv's text, the Markdown we write, what GitHub's reader sees)
REAL = [
    (  # display-style \( … \) with \, and \bigl inside: one formula, untouched
        "2504.17830", "abstract",
        r"\(T_w = i\hbar\bigl(\partial_E + \tfrac12\,\partial_E\ln w(E)\bigr)\)",
        r"$`T_w = i\hbar\bigl(\partial_E + \tfrac12\,\partial_E\ln w(E)\bigr)`$",
        r"$`T_w = i\hbar\bigl(\partial_E + \tfrac12\,\partial_E\ln w(E)\bigr)`$",
    ),
    (
        "2504.17873", "title", r"Holevo, RLD and SLD Cram\'er-Rao bounds",
        "Holevo, RLD and SLD Cramér-Rao bounds", "Holevo, RLD and SLD Cramér-Rao bounds",
    ),
    (
        "2504.17881", "abstract", r"up to $16\,384$ CPU cores and $512$ NVIDIA",
        "up to 16\u2009384 CPU cores and 512 NVIDIA", "up to 16\u2009384 CPU cores and 512 NVIDIA",
    ),
    (  # ~ is TeX's non-breaking space; a minus sign in a formula is one
        "2504.17944", "abstract", r"to $-4.9(1)$~dB of that", "to −4.9(1)\xa0dB of that",
        "to −4.9(1)\xa0dB of that",
    ),
    (
        "2504.18187", "abstract", r"A central -- and seemingly obvious --",
        "A central – and seemingly obvious –", "A central – and seemingly obvious –",
    ),
    (
        "2504.18372", "title", r"Optical Schr\"odinger cat states",
        "Optical Schrödinger cat states", "Optical Schrödinger cat states",
    ),
    (
        "2503.11888", "title", r"Truncations of SU($N_c$) Lattice Gauge Theory",  # no ᴄ
        r"Truncations of SU($`N_c`$) Lattice Gauge Theory",
        r"Truncations of SU($`N_c`$) Lattice Gauge Theory",
    ),
    (
        "2407.03206", "abstract", r"Greenberger-Horne-Zeilinger ($\text{GHZ}_n$) entanglement",
        "Greenberger-Horne-Zeilinger (GHZₙ) entanglement",
        "Greenberger-Horne-Zeilinger (GHZₙ) entanglement",
    ),
    (
        "2503.17230", "abstract", r"exponential complexity na\"ively renders",
        "exponential complexity naïvely renders", "exponential complexity naïvely renders",
    ),
    (
        "2504.14086", "abstract", r"M{\o}ller operators", "Møller operators", "Møller operators",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("arxiv_id", "field", "tex", "markdown", "seen"), REAL)
def test_real_fragments_typeset(arxiv_id: str, field: str, tex: str, markdown: str, seen: str):
    assert tex in getattr(PAPERS[arxiv_id], field)  # the case is arXiv's own text
    assert typeset(tex) == markdown
    assert shown(markdown) == seen


def test_real_author_names_in_tex():
    names = [a for p in PAPERS.values() for a in p.authors]
    for tex, name in [
        (r"Michal Hajdu\v{s}ek", "Michal Hajdušek"),
        (r"Dorival Gon\c{c}alves", "Dorival Gonçalves"),
        (r"Stanis{\l}aw \'Swierczewski", "Stanisław Świerczewski"),
        (r"S{\o}ren Stobbe", "Søren Stobbe"),
        (r"Andr\'as P\'alyi", "András Pályi"),
    ]:
        assert tex in names
        assert typeset(tex) == name


def test_whole_real_abstracts_render_typeset():
    """Every field of every paper of a real quant-ph day goes through TeX, in the digest."""
    group = Group(name="q", title="量子物理", categories=["quant-ph"])
    entries = [Entry(paper=p, status="skipped") for p in PAPERS.values()]
    text = render_digest(Digest(date=dt.date(2025, 4, 28), group=group, entries=entries))
    assert "Michal Hajdušek" in text and "Hajdu\\v" not in text
    assert "Optical Schrödinger cat states" in text
    assert r"Truncations of SU($`N_c`$) Lattice" in text
    assert "$`\\" in text and "\\$\\" not in text  # formulas, and none left as escaped source


@pytest.mark.parametrize(
    ("tex", "markdown"),
    [
        (r"25\% of O\&M at 0.1\,mm", "25% of O\\&M at 0.1\u2009mm"),
        (r"\_ \# \$ and ``quoted'' and ---", r"\_ \# \$ and “quoted” and —"),
        (r"\'e \"o {\o} \textbf{bold} \emph{em} {\it it}", "é ö ø bold em it"),
        (r"18$\times$ faster", "18× faster"),  # what Unicode writes exactly is text
        (r"RealD$^2$iff, SA$^{2}$Net", "RealD²iff, SA²Net"),  # so a word stays whole
        (r"$\alpha$-stable, $\leq 5$, $x_i^2$", "α-stable, ≤ 5, xᵢ²"),
        (r"$\mathcal{O}(n)$", r"$`\mathcal{O}(n)`$"),  # the rest is math
        (r"18$\frac{1}{2}$ faster", r"18$`\frac{1}{2}`$ faster"),  # digits may touch it
        (r"an $x^*$-bit and a$x^*$b", r"an $`x^*`$-bit and a $`x^*`$ b"),  # letters not (#1742)
        (r"$\frac12$$\frac13$", r"$`\frac12`$ $`\frac13`$"),  # adjacent formulas separated
        (r"http://x.org/a$x^*$", r"<http://x.org/a> $`x^*`$"),
        (r"$$\sum_i x_i^*$$ holds", r"$`\sum_i x_i^*`$ holds"),  # display math, inline
        (r"\[E=mc^*\]", r"$`E=mc^*`$"),
        (r"\[E=mc^2\]", "E = mc²"),
        (r"costs $5 and $10 today", r"costs \$5 and \$10 today"),  # prices are not math
        (r"an unbalanced $x here", r"an unbalanced \$x here"),
        (r"as shown \cite{a, b} in \ref{s2}", "as shown in"),
        (
            r"see \url{https://github.com/a/b_c} and https://x.org/~u",  # URLs are not TeX
            r"see <https://github.com/a/b_c> and <https://x.org/~u>",
        ),
        (r"R&D at 5% with \emph{x}", r"R\&D at 5% with x"),  # bare specials are characters
        (r"an unknown \macro{z} stays", r"an unknown \macro z stays"),
        ("~~struck~~ ~one~", "struck\xa0\xa0 \xa0one"),  # never strikethrough
    ],
)  # fmt: skip
def test_tex_cases(tex: str, markdown: str):
    assert typeset(tex) == markdown


@pytest.mark.parametrize(
    "tex",
    [
        r"$\href{javascript:alert(1)}{x}$",  # MathJax could make a link
        r"$a`b$",  # a backtick would end the code span
        r"$\style{color:red}{x}$",
    ],
)
def test_formulas_that_could_escape_are_shown_as_source(tex: str):
    markdown = typeset(tex)
    assert "$`" not in markdown
    assert shown(markdown) == tex


def test_json_keeps_arxivs_raw_text(tmp_path: Path):
    """The digest is a view; the JSON is data, with arXiv's text as arXiv sent it."""
    paper = PAPERS["2504.18372"]
    group = Group(name="q", title="量子物理", categories=["quant-ph"])
    entry = Entry(paper=paper, status="skipped")
    digest = Digest(date=dt.date(2025, 4, 28), group=group, entries=[entry])
    md_path, json_path = write_digest(tmp_path, digest, render_digest(digest))
    assert json.loads(json_path.read_text())["papers"][0]["title"] == paper.title
    assert "Schr\\\"odinger" in paper.title and "Schrödinger" in md_path.read_text()


# what hostile or unlucky text is made of: TeX, Markdown and HTML punctuation, URLs
FRAGMENTS = st.sampled_from(
    ["$", "$$", "\\", "{", "}", "`", "``", "''", "*", "_", "[", "]", "(", ")", "!", "<", ">",
     "#", "|", "~", "&", "%", "-", "--", "a", "1", " ", "\\(", "\\)", "\\[", "\\]", "\\href{",
     "\\url{", "http://evil.example/x", "www.x.org", "a@b.co", "<img src=x>", "![i](u)",
     "[l](javascript:x)", "\\textbf{", "\\'", '\\"', "\\$", "\\%", "\n", "\\\\", "é"]
)  # fmt: skip
TEXTS = st.lists(FRAGMENTS, max_size=30).map("".join)


PLAIN = {"title": "T", "authors": ["A", "B"], "abstract": "X", "comment": "C"}


def _blocks(markdown: str) -> list[str]:
    return [t.type for t in MD.parse(markdown) if t.type != "inline"]



@settings(max_examples=400, deadline=None)
@given(title=TEXTS, abstract=TEXTS, comment=TEXTS, author=TEXTS)
def test_any_mix_stays_text_and_formulas(title: str, abstract: str, comment: str, author: str):
    """Nothing a paper's fields hold becomes a link, an image, HTML, or another block."""
    paper = Paper(
        id="2504.17830", version=1, announce_type="new", title="T " + title, authors=["A", author],
        categories=["quant-ph"], abstract="X " + abstract, comment="C " + comment,
    )  # fmt: skip
    group = Group(name="q", title="量子物理", categories=["quant-ph"])
    digest = Digest(
        date=dt.date(2025, 4, 28), group=group, entries=[Entry(paper=paper, status="skipped")]
    )
    plain = Entry(paper=paper.model_copy(update=PLAIN), status="skipped")
    expected = _blocks(render_digest(digest.model_copy(update={"entries": [plain]})))
    markdown = without_anchors(render_digest(digest))
    assert _blocks(markdown) == expected
    for href in hrefs(markdown):  # as github.com renders it: no backslash of ours in a link
        assert href.startswith(("http://", "https://", "ftp://", "mailto:", "#")), href
        assert "\\" not in href and "%5C" not in href, href
    for token in MD.parse(markdown):
        children = token.children or []
        if token.content.startswith("**链接:"):
            continue  # our own link to the PDF
        for i, child in enumerate(children):
            if child.type == "link_open":  # only a URL arXiv's text holds (hrefs checked above)
                continue
            assert child.type in ("text", "softbreak", "code_inline", "strong_open",
                                  "strong_close", "link_close"), token.content  # fmt: skip
            if child.type == "code_inline":  # only ever a formula: $`…`$
                assert children[i - 1].content.endswith("$"), token.content
                assert children[i + 1].content.startswith("$"), token.content


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.characters(exclude_characters="\\$~"), max_size=80))
def test_text_without_tex_is_escaped_as_before(text: str):
    if "--" in text or "``" in text or "''" in text or "://" in text or "www." in text.lower():
        return
    assert typeset(text) == escape(text)
