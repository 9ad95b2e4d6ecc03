"""Parsing arXiv's real listing feeds (tests/fixtures, provenance in PROVENANCE.md)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from arxiv_digest.errors import InputError
from arxiv_digest.sources.feed import parse_feed, split_authors
from tests.conftest import (
    API_ERROR,
    ATOM,
    CL_DISTILL,
    FIXTURES,
    HTML,
    LEGACY,
    MULTI,
    QUANT_PH,
    empty_day,
)
from tests.support.feedgen import render_feed, synthetic_items


@pytest.fixture(scope="module")
def quant_ph():
    return parse_feed(QUANT_PH.read_bytes())


def test_quant_ph_counts_per_announce_type(quant_ph):
    assert len(quant_ph.papers) == 81
    counts = Counter(p.announce_type for p in quant_ph.papers)
    assert counts == {"new": 40, "cross": 10, "replace": 22, "replace-cross": 9}
    assert Counter(p.section for p in quant_ph.papers) == {"new": 50, "replaced": 31}


def test_quant_ph_channel(quant_ph):
    assert quant_ph.categories == ["quant-ph"]
    assert quant_ph.date == dt.date(2025, 4, 28)


def test_quant_ph_dois_journal_refs_and_versions(quant_ph):
    assert sum(1 for p in quant_ph.papers if p.doi) == 10
    assert sum(1 for p in quant_ph.papers if p.journal_ref) == 9
    assert all(p.version == 1 for p in quant_ph.papers if p.announce_type == "new")
    assert all(p.version >= 2 for p in quant_ph.papers if p.announce_type == "replace")
    # the listing feed has no comments; those only come from the export API
    assert all(p.comment is None for p in quant_ph.papers)


def test_first_item_fields(quant_ph):
    first = quant_ph.papers[0]
    assert first.id == "2504.17830"
    assert first.version == 1
    assert first.title == "Self-Adjoint Time Operator in a Weighted Energy Space"
    assert first.authors == ["Radmir Kokoulin"]
    assert first.categories == ["quant-ph"]
    assert first.pdf_url == "https://arxiv.org/pdf/2504.17830v1"
    assert first.abstract.startswith(r"We introduce a self-adjoint time operator \(T_w = i\hbar")
    assert "Announce Type" not in first.abstract


def test_tex_is_left_untouched(quant_ph):
    paper = next(p for p in quant_ph.papers if p.id == "2504.17873")
    assert r"Cram\'er-Rao bounds" in paper.title
    assert r"Holevo Cram\'er-Rao bound (HCRB)" in paper.abstract


def test_cross_list_primary_category_first(quant_ph):
    crosses = [p for p in quant_ph.papers if p.announce_type == "cross"]
    assert crosses and all(p.categories[0] != "quant-ph" for p in crosses)
    assert all("quant-ph" in p.categories for p in crosses)


def test_affiliation_commas_do_not_split_authors(quant_ph):
    paper = next(p for p in quant_ph.papers if any("Nirmal" in a for a in p.authors))
    assert len(paper.authors) == 4
    assert paper.authors[0].startswith("M. R. Nirmal (Department of Chemistry, Indian")
    assert paper.authors[-1].startswith("Sharma S. R. K. C. Yamijala (")


def test_mononym_with_double_space():
    listing = parse_feed(CL_DISTILL.read_bytes())
    assert listing.papers[0].authors == [
        "Anamta Khan",
        "Ratna Kandala",
        "Deepti",
        "Sheza Munir",
        "Joyojeet Pal",
    ]


@pytest.mark.parametrize(
    ("creator", "expected"),
    [
        ('Stefan G\\"unther, Ana Ruiz', ['Stefan G\\"unther', "Ana Ruiz"]),
        ("A (X, Y (Z, W)), B", ["A (X, Y (Z, W))", "B"]),
        ("Solo", ["Solo"]),
        ("", []),
    ],
)
def test_split_authors(creator, expected):
    assert split_authors(creator) == expected


def test_multi_category_feed_and_cross_v2():
    listing = parse_feed(MULTI.read_bytes())
    assert listing.categories == ["cs.LG", "cs.AI", "cs.CL", "stat.ML"]
    assert listing.date == dt.date(2026, 9, 24)
    cross = next(p for p in listing.papers if p.announce_type == "cross")
    assert (cross.id, cross.version) == ("2205.06398", 2)
    assert cross.doi == "10.1093/bioinformatics/btac431"
    assert cross.categories == ["stat.ME", "stat.AP", "stat.ML"]
    replace = next(p for p in listing.papers if p.announce_type == "replace")
    assert (replace.id, replace.version) == ("2009.13987", 3)
    assert replace.authors == ["Michael Joswig", "Marek Kaluba", "Lukas Ruff"]


@pytest.mark.parametrize("name", ["cs.AI", "cs.CL", "cs.LG"])
def test_reserialized_distill_feeds(name):
    path = FIXTURES / "rss" / f"rss2_{name}_2026-04-27_TRIMMED3_distill.xml"
    listing = parse_feed(path.read_bytes())
    assert listing.categories == [name]
    assert listing.date == dt.date(2026, 4, 27)
    assert [p.announce_type for p in listing.papers] == ["new"] * 3


def test_atom_form_of_the_listing():
    listing = parse_feed(ATOM.read_bytes())
    assert listing.date == dt.date(2026, 9, 25)
    assert [p.announce_type for p in listing.papers] == ["new", "cross", "replace"]
    first = listing.papers[0]
    assert first.doi == "10.1109/MAPR72750.2026.11685822"
    assert first.journal_ref.startswith("2026 International Conference")
    assert listing.papers[1].categories == ["hep-ph", "cs.LG", "hep-ex"]


def test_empty_day_feed_parses_to_no_papers():
    listing = parse_feed(empty_day(QUANT_PH.read_bytes()))
    assert listing.papers == []
    assert listing.date == dt.date(2025, 4, 28)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (LEGACY.read_bytes(), "legacy arXiv RSS 1.0"),
        (HTML.read_bytes(), "HTML page"),
        (API_ERROR.read_bytes(), "arXiv API error: incorrect id format"),
        (b"this is not xml", "not an RSS or Atom feed"),
        (b"<html><body><h1>503 Service Unavailable</h1></body></html>", "HTML page"),
        (QUANT_PH.read_bytes()[:20000], "malformed feed XML"),
    ],
)
def test_bad_input_is_rejected_by_name(data, message):
    with pytest.raises(InputError, match=message):
        parse_feed(data, source="x.xml")


def test_generated_feed_in_the_real_format_2000_items():
    items = synthetic_items(2000, ["cs.SD", "eess.AS"], seed=7)
    listing = parse_feed(render_feed(["cs.SD", "eess.AS"], dt.date(2025, 4, 28), items))
    assert len(listing.papers) == 2000
    assert listing.categories == ["cs.SD", "eess.AS"]
    for item, paper in zip(items, listing.papers, strict=True):
        assert (paper.id, paper.version, paper.announce_type) == (item.id, item.version, item.type)
        assert paper.title == item.title
        assert paper.abstract == item.abstract
        assert paper.authors == item.authors
        assert paper.categories == item.categories
        assert paper.doi == item.doi
