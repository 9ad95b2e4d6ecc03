"""Relevance to a group's interests and seeds, ⭐ 今日推荐, 首次收录 and anchors, on real papers."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from markdown_it import MarkdownIt
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.models import Seed
from arxiv_digest.rank import rank
from arxiv_digest.select import select
from arxiv_digest.sources.feed import parse_feed
from tests.conftest import QUANT_PH
from tests.support.anchors import anchors, without_anchors
from tests.support.feedgen import Item, render_feed
from tests.support.http_server import Reply

runner = CliRunner()
MD = MarkdownIt("commonmark", {"html": True})
LISTING = parse_feed(QUANT_PH.read_bytes())
PAPERS = {p.id: p for p in LISTING.papers}
NO_NET = ["--no-enrich"]


def test_a_paper_that_matches_the_interests_ranks_above_one_that_does_not():
    ranked = rank(LISTING.papers, "Rydberg atoms, lattice gauge theory", [])
    gauge, rydberg = ranked["2503.11888"], ranked["2504.18074"]  # SU(N_c) lattice gauge; Rydberg
    unrelated = ranked["2504.17830"]  # a self-adjoint time operator
    assert gauge.score > unrelated.score and rydberg.score > unrelated.score
    assert unrelated.score < 10 and "Rydberg" not in unrelated.reason  # at most a related word
    assert "lattice gauge theory" in gauge.reason and "Rydberg atoms" in rydberg.reason
    assert all(0 <= r.score <= 100 for r in ranked.values())


def test_an_exclude_term_drops_a_paper_however_relevant():
    from arxiv_digest.models import Group

    group = Group(name="q", title="q", categories=["quant-ph"], exclude=["Rydberg"])
    kept = select(LISTING.papers, group)
    ranked = rank(kept, "Rydberg atoms", [])
    assert "2504.18074" not in ranked and len(kept) < len(LISTING.papers)


def test_a_group_that_keeps_only_matching_papers_still_ranks_them():
    """Found with llama.cpp: include = ["Rydberg"] kept 4 papers, 2 of them Rydberg, so BM25
    over those 4 alone saw "Rydberg" in half of them, gave it no weight, and every score was 0
    (no ⭐ block). The rest of the day's listing counts for how rare a word is, and a score is
    measured against what the phrase itself can reach, so a common phrase still scores."""
    from arxiv_digest.models import Group

    group = Group(name="q", title="q", categories=["quant-ph"], include=["Rydberg"])
    kept = select(LISTING.papers, group)
    assert len(kept) == 4
    alone = rank(kept, "Rydberg atoms", [])
    ranked = rank(kept, "Rydberg atoms", [], LISTING.papers)
    whole_day = rank(LISTING.papers, "Rydberg atoms", [])
    for paper in kept:  # all four have "Rydberg atoms" (or "Rydberg atom") in their abstract
        assert alone[paper.id].reason == ranked[paper.id].reason == "匹配: Rydberg atoms"
        assert alone[paper.id].score > 40 and ranked[paper.id].score > 40
        assert ranked[paper.id] == whole_day[paper.id]
    assert set(ranked) == {p.id for p in kept}  # the background is not scored
    assert ranked["2504.18074"].score > ranked["2504.12291"].score  # in the title beats not


def test_a_seed_pulls_similar_papers_up():
    seed_paper = PAPERS["2504.07941"]  # error correction via a discrete-time quantum walk
    others = [p for p in LISTING.papers if p.id != seed_paper.id]
    seed = Seed(id="2401.99999", title=seed_paper.title, abstract=seed_paper.abstract)
    without = rank(others, "", [])
    ranked = rank(others, "", [seed])
    assert all(r.score == 0 for r in without.values())
    top = sorted(others, key=lambda p: -ranked[p.id].score)[:3]
    walk = PAPERS["2501.01249"]  # "Recurrence Criteria for … Open Quantum Walks on the Line"
    assert walk in top and ranked[walk.id].reason == "近似种子 2401.99999"
    assert ranked[walk.id].score > 2 * ranked["2504.17830"].score  # a time operator


def write_config(folder: Path, **group: str) -> None:
    extra = "".join(f"{key} = {value}\n" for key, value in group.items())
    (folder / "arxiv-digest.toml").write_text(
        f'[[groups]]\nname = "q"\ntitle = "量子"\ncategories = ["quant-ph"]\n{extra}'
    )


def test_the_star_block_is_a_list_of_links_to_blocks_below(isolated: Path):
    write_config(isolated, interests='"Rydberg atoms, lattice gauge theory"', top="3")
    result = runner.invoke(app, ["summarize", "--feed", str(QUANT_PH), "-g", "q", "--no-llm",
                                 *NO_NET])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    md = (isolated / "output" / "2025-04-28" / "q.md").read_text()
    tokens = MD.parse(without_anchors(md))
    inlines = [i for i, t in enumerate(tokens) if t.type == "inline"]
    star = next(i for i in inlines if "⭐ 今日推荐" in tokens[i].content)
    items = []
    for token in tokens[star + 1 :]:
        if token.type == "ordered_list_close":
            break
        if token.type == "inline":
            items.append(token)
    assert len(items) == 3
    ids = set(anchors(md))
    for item in items:
        link = item.children[0]
        assert link.type == "link_open" and link.attrs["href"].lstrip("#") in ids
        assert re.search(r"— \d+ 分，匹配: ", item.content)
    assert items[0].content.startswith(r"\[new 020\]") is False  # ranked, not arXiv's order
    data = json.loads((isolated / "output" / "2025-04-28" / "q.json").read_text())
    scores = {p["id"]: p["score"] for p in data["papers"]}
    assert scores["2503.11888"] > 50 and scores["2504.17830"] < 10
    assert all("reason" in p and "first_seen" in p for p in data["papers"])


def test_the_star_block_of_a_keyword_filtered_group_ranks_against_the_whole_day(isolated: Path):
    write_config(isolated, include='["Rydberg"]', interests='"Rydberg atoms"')
    result = runner.invoke(app, ["summarize", "--feed", str(QUANT_PH), "-g", "q", "--no-llm",
                                 *NO_NET])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    md = (isolated / "output" / "2025-04-28" / "q.md").read_text()
    unfiltered = rank(LISTING.papers, "Rydberg atoms", [])["2504.18074"].score
    assert f"](#2504.18074) — {unfiltered} 分，匹配: Rydberg atoms" in md


def test_sort_by_score_numbers_blocks_in_score_order(isolated: Path):
    write_config(isolated, interests='"Rydberg atoms"', sort='"score"', top="0")
    result = runner.invoke(app, ["summarize", "--feed", str(QUANT_PH), "-g", "q", "--no-llm",
                                 *NO_NET])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    md = (isolated / "output" / "2025-04-28" / "q.md").read_text()
    assert "今日推荐" not in md
    data = json.loads((isolated / "output" / "2025-04-28" / "q.json").read_text())
    new = [p["score"] for p in data["papers"] if p["section"] == "new"]
    assert new == sorted(new, reverse=True) and new[0] > 0
    first = next(p for p in data["papers"] if p["section"] == "new")
    assert f"#### [new 001] {first['title']}" in md


def day_one(folder: Path, returning: list[str], changed: str) -> Path:
    """The day before the real quant-ph day: the papers that return as replacements on it,
    announced new; one of them with a different abstract than it has now."""
    items = [
        Item(id=pid, version=1, type="new", title=PAPERS[pid].title, authors=PAPERS[pid].authors,
             abstract=PAPERS[pid].abstract if pid != changed else "An earlier abstract.",
             categories=PAPERS[pid].categories)
        for pid in returning
    ]  # fmt: skip
    path = folder / "day1.xml"
    path.write_bytes(render_feed(["quant-ph"], dt.date(2025, 4, 25), items))
    return path


def test_a_replaced_paper_links_to_the_day_it_was_first_published(isolated: Path):
    replaced = [p.id for p in LISTING.papers if p.section == "replaced"][:3]
    feed1 = day_one(isolated, replaced, changed=replaced[1])
    args = ["-c", "quant-ph", "--no-llm", *NO_NET]
    assert runner.invoke(app, ["summarize", "--feed", str(feed1), *args]).exit_code == 0
    assert runner.invoke(app, ["summarize", "--feed", str(QUANT_PH), *args]).exit_code == 0
    out = isolated / "output"
    day1 = (out / "2025-04-25" / "quant-ph.md").read_text()
    day2 = (out / "2025-04-28" / "quant-ph.md").read_text()
    for number, pid in enumerate(replaced, start=1):
        line = next(x for x in day2.splitlines() if x.startswith("- **首次收录") and pid in x)
        link = re.search(r"\[(new \d{3})\]\(([^)#]+)#([^)]+)\)", line)
        assert link is not None, line
        label, target, anchor = link.groups()
        assert label == f"new {number:03d}" and anchor == pid
        assert (out / "2025-04-28" / target).resolve() == (out / "2025-04-25" / "quant-ph.md")
        heading = next(x for x in day1.splitlines() if x.endswith(f'<a name="{anchor}"></a>'))
        assert heading.startswith(f"#### [{label}] ")  # the anchor is on the block linked to
        assert ("摘要已更新" in line) == (pid == replaced[1])
    data = json.loads((out / "2025-04-28" / "quant-ph.json").read_text())
    seen = {p["id"]: p["first_seen"] for p in data["papers"] if p["first_seen"]}
    assert set(seen) == set(replaced)
    assert seen[replaced[0]] == {"date": "2025-04-25", "group": "quant-ph", "section": "new",
                                 "number": 1, "abstract_changed": False}  # fmt: skip


def test_seeds_are_looked_up_once_through_the_export_api(isolated: Path, server, monkeypatch):
    api = (Path(__file__).parent / "fixtures" / "api" /
           "api_idlist-hep-ex0307015_2021-03-25_dialect-map-io.xml").read_bytes()  # fmt: skip
    server.route("/api/query", Reply(body=api))
    monkeypatch.setenv("ARXIV_DIGEST_API_URL", server.url + "/api/query")
    write_config(isolated, seeds='["hep-ex/0307015v1"]')
    for _ in range(2):
        result = runner.invoke(app, ["summarize", "--feed", str(QUANT_PH), "-g", "q",
                                     "--no-llm", "--force"])  # fmt: skip
        assert result.exit_code == 0, result.stderr
    seed_hits = [h for h in server.hits_for("/api/query")
                 if h.query["id_list"] == ["hep-ex/0307015"]]  # fmt: skip
    assert len(seed_hits) == 1  # the second run knew it


def test_bad_seed_and_sort_are_config_errors(isolated: Path):
    write_config(isolated, seeds='["not-an-id"]')
    result = runner.invoke(app, ["summarize", "--feed", str(QUANT_PH), "-g", "q", "--no-llm"])
    assert result.exit_code == 2 and "not an arXiv id" in result.stderr
    write_config(isolated, sort='"random"')
    result = runner.invoke(app, ["summarize", "--feed", str(QUANT_PH), "-g", "q", "--no-llm"])
    assert result.exit_code == 2 and "sort" in result.stderr


def day_with_a_revision(folder: Path) -> Path:
    """The real quant-ph day plus a revision of its best Rydberg paper under another id: the
    same words, announced as a replacement."""
    items = [Item(id=p.id, version=1 if p.section == "new" else 2, type=p.announce_type,
                  title=p.title, authors=p.authors, abstract=p.abstract,
                  categories=p.categories) for p in LISTING.papers]  # fmt: skip
    best = PAPERS["2504.18074"]
    items.append(Item(id="2502.00001", version=3, type="replace", title=best.title,
                      authors=best.authors, abstract=best.abstract,
                      categories=best.categories))  # fmt: skip
    path = folder / "revised.xml"
    path.write_bytes(render_feed(["quant-ph"], dt.date(2025, 4, 28), items))
    return path


def test_a_revision_counts_less_than_a_new_paper_of_the_same_words(isolated: Path):
    """A replaced paper is a new version of one announced before (the reader likely saw it
    then): ranked at `replaced_weight` (0.8) of its match, and the reason says so."""
    feed = day_with_a_revision(isolated)
    scores = {}
    for weight in ("", "1"):
        extra = {"replaced_weight": weight} if weight else {}
        write_config(isolated, interests='"Rydberg atoms"', top="3", **extra)
        result = runner.invoke(app, ["summarize", "--feed", str(feed), "-g", "q", "--no-llm",
                                     "--force", *NO_NET])  # fmt: skip
        assert result.exit_code == 0, result.stderr
        data = json.loads((isolated / "output" / "2025-04-28" / "q.json").read_text())
        papers = {p["id"]: p for p in data["papers"]}
        new, revised = papers["2504.18074"], papers["2502.00001"]
        scores[weight] = (new["score"], revised["score"])
        md = (isolated / "output" / "2025-04-28" / "q.md").read_text()
        star = md.split("⭐ 今日推荐")[1]
        if weight:  # 1: a revision counts as much as a new paper
            assert revised["score"] == new["score"] and revised["reason"] == new["reason"]
        else:
            assert abs(revised["score"] - 0.8 * new["score"]) <= 1
            assert revised["reason"] == new["reason"] + "；修订版 ×0.8"
            assert star.index("(#2504.18074)") < star.index("(#2502.00001)")
            assert data["replaced_weight"] == 0.8
    assert scores[""][0] == scores["1"][0] > 40  # the new paper's own score is untouched


def test_replaced_weight_outside_0_to_1_is_a_config_error(isolated: Path):
    write_config(isolated, interests='"Rydberg atoms"', replaced_weight="1.5")
    result = runner.invoke(app, ["summarize", "--feed", str(QUANT_PH), "-g", "q", "--no-llm"])
    assert result.exit_code == 2 and "replaced_weight" in result.stderr
