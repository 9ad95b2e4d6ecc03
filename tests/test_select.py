from __future__ import annotations

import pytest

from arxiv_digest.models import Group, Paper
from arxiv_digest.select import keyword_pattern, select
from arxiv_digest.sources.feed import parse_feed
from tests.conftest import QUANT_PH


def paper(pid: str, kind: str = "new", title: str = "T", abstract: str = "A") -> Paper:
    return Paper(
        id=f"2501.0000{pid}", version=1, announce_type=kind, title=title, authors=["X"],
        categories=["cs.SD"], abstract=abstract,
    )  # fmt: skip


def group(**kw) -> Group:
    return Group(name="audio", title="音频", categories=["cs.SD", "eess.AS"], **kw)


def test_order_is_arxivs_and_stable_within_a_type():
    papers = [paper("1", "replace"), paper("2", "new"), paper("3", "cross"),
              paper("4", "replace-cross"), paper("5", "new"), paper("6", "replace")]  # fmt: skip
    assert [p.id[-1] for p in select(papers, group())] == ["2", "5", "3", "1", "6", "4"]


def test_paper_in_two_categories_of_the_group_appears_once():
    papers = [paper("1"), paper("2"), paper("1", "cross")]
    assert [p.id[-1] for p in select(papers, group())] == ["1", "2"]


def test_real_feed_keeps_feed_order():
    listing = parse_feed(QUANT_PH.read_bytes())
    assert select(listing.papers, group()) == listing.papers


@pytest.mark.parametrize(
    ("keywords", "text", "hit"),
    [
        (["meta"], "metadata extraction", False),
        (["meta"], "Meta learning", True),
        (["meta"], "a meta-analysis", True),
        (["speech enhancement"], "robust Speech  Enhancement with diffusion", True),
        (["speech enhancement"], "speech and enhancement", False),
        (["reverb"], "reverberation", False),
        (["c++"], "written in C++ today", True),
        ([], "anything", None),
    ],
)
def test_whole_words_and_phrases(keywords, text, hit):
    pattern = keyword_pattern(keywords)
    if hit is None:
        assert pattern is None
    else:
        assert bool(pattern.search(text)) is hit


def test_include_and_exclude_on_title_or_abstract():
    papers = [
        paper("1", title="Speech coding"),
        paper("2", abstract="we study speech separation"),
        paper("3", title="Music"),
        paper("4", title="Speech for music", abstract="singing voice"),
    ]
    chosen = select(papers, group(include=["speech"], exclude=["singing"]))
    assert [p.id[-1] for p in chosen] == ["1", "2"]
