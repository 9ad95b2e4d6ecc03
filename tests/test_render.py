"""The digest Markdown: exact layout, and text that renders on GitHub as the text it is."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from arxiv_digest.models import Digest, Entry, Group, Paper
from arxiv_digest.render.markdown import FAILED_SUMMARY, escape, render_digest
from arxiv_digest.sources.feed import parse_feed
from tests.conftest import QUANT_PH
from tests.support.anchors import anchors, without_anchors

# GitHub-like: CommonMark with raw HTML allowed, tables and strikethrough
MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
PLAIN = {"text", "softbreak"}

HOSTILE = [
    "A *bold* claim with _under_ scores and **strong** words",
    "Links [x](y) and ![img](z) and <https://evil.example>",
    "<script>alert('x')</script> and <b>tags</b> & &amp; entities &copy;",
    "Pipes | in | titles | a table?",
    "`code` # hash and 1. not a list",  # TeX (and ~, TeX's space) in tests/test_tex.py
    "Ends with closing hashes ##",
]


def inline_text(token: Token) -> str:
    """Text of an inline token, failing if anything in it became formatting, a link or HTML."""
    assert token.type == "inline"
    children = list(token.children or [])
    for i, child in enumerate(children):  # a URL the text holds is the one link allowed
        if child.type == "link_open" and child.markup == "autolink":
            assert child.attrs["href"] == children[i + 1].content, token.content
            assert children[i + 2].type == "link_close"
            children[i] = children[i + 2] = Token("text", "", 0)  # shown: the URL alone
    kinds = {child.type for child in children}
    assert kinds <= PLAIN, f"formatting leaked: {kinds - PLAIN} in {token.content!r}"
    return "".join(child.content for child in children)


def paper(title: str = "T", abstract: str = "A", **kw) -> Paper:
    base = dict(
        id="2509.08379", version=1, announce_type="new", title=title, authors=["A B", "C D"],
        categories=["cs.SD", "cs.AI"], abstract=abstract,
    )  # fmt: skip
    return Paper(**{**base, **kw})


def one(entry: Entry) -> Digest:
    group = Group(name="audio", title="音频", categories=["cs.SD", "eess.AS"])
    return Digest(date=dt.date(2025, 9, 11), group=group, entries=[entry])


@pytest.mark.parametrize("title", HOSTILE)
def test_hostile_titles_render_as_themselves(title: str):
    text = render_digest(one(Entry(paper=paper(title=title), status="skipped")))
    tokens = MD.parse(without_anchors(text))
    heading = next(
        tokens[i + 1] for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h4"
    )
    assert inline_text(heading) == f"[new 001] {' '.join(title.split())}"
    assert not any(t.type in ("html_block", "table_open") for t in tokens)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_abstract_and_summary_render_as_themselves(text: str):
    summary = (
        "该论文属于测试任务，摘要里有 **加粗** 和 *星号* 以及 [链接](x) 与 <b>标签</b>。" + text
    )
    entry = Entry(paper=paper(abstract=text), status="ok", tags=["标签*一", "二_"], summary=summary)
    tokens = MD.parse(without_anchors(render_digest(one(entry))))
    inlines = [t for t in tokens if t.type == "inline"]
    strong_lines = {t.content.split(":")[0].lstrip("*"): t for t in inlines if "**" in t.content}
    brief = [c for c in strong_lines["简介"].children if c.type != "text" or c.content]
    # the line itself is one strong span whose text is exactly the summary; a URL the model
    # wrote is shown as code, never as a link
    assert brief[0].type == "strong_open" and brief[-1].type == "strong_close"
    assert {c.type for c in brief[1:-1]} <= {"text", "code_inline"}
    assert "".join(c.content for c in brief[1:-1]) == f"简介: {' '.join(summary.split())}"
    abstract = next(t for t in inlines if t.content.startswith("**摘要:**"))
    children = [c for c in abstract.children if c.type != "text" or c.content]
    assert [c.type for c in children[:3]] == ["strong_open", "text", "strong_close"]
    assert inline_text_of(children[3:]) == " " + " ".join(text.split())


def inline_text_of(children: list[Token]) -> str:
    return inline_text(Token("inline", "", 0, children=children))


def test_escape_is_readable_for_common_tex():
    assert escape(r"\hbar \mathbb{R}") == r"\hbar \mathbb{R}"
    assert escape(r"\(x\)") == r"\\(x\\)"


def test_real_titles_render_as_themselves():
    listing = parse_feed(QUANT_PH.read_bytes())
    entries = [Entry(paper=p, status="skipped") for p in listing.papers]
    group = Group(name="q", title="量子物理", categories=["quant-ph"])
    markdown = render_digest(Digest(date=listing.date, group=group, entries=entries))
    assert anchors(markdown) == [p.id for p in listing.papers]  # every block can be linked
    tokens = MD.parse(without_anchors(markdown))
    headings = [
        tokens[i + 1] for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h4"
    ]
    # titles in TeX are typeset (tests/test_tex.py); all others render as themselves
    pairs = zip(headings, listing.papers, strict=True)
    plain = [(h, p.title) for h, p in pairs if "$" not in p.title and "\\" not in p.title]
    assert len(plain) >= 75
    for heading, title in plain:
        assert re.sub(r"^\[\w+ \d{3}\] ", "", inline_text(heading)) == title


def test_failed_and_skipped_blocks():
    failed = render_digest(one(Entry(paper=paper(), status="failed")))
    assert f"- **简介: {FAILED_SUMMARY}**" in failed and "标签" not in failed
    skipped = render_digest(one(Entry(paper=paper(), status="skipped")))
    assert "简介" not in skipped and "标签" not in skipped


def test_comment_line_only_when_present():
    without = render_digest(one(Entry(paper=paper(), status="skipped")))
    assert "备注" not in without
    with_comment = render_digest(one(Entry(paper=paper(comment="5 pages"), status="skipped")))
    assert (
        "> **作者:** A B; C D\n>\n> **备注:** 5 pages\n>\n> **摘要:** A\n>\n---\n" in with_comment
    )
