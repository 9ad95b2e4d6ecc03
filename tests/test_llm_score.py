"""llm_score: the model judges relevance in the summary request itself, on real papers."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.models import Summary
from arxiv_digest.sources.feed import parse_feed
from arxiv_digest.summarize.cache import SummaryCache, cache_key
from tests.conftest import QUANT_PH
from tests.support.anchors import without_anchors
from tests.support.fake_llm import Call, FakeLLM
from tests.support.feedgen import render_feed, synthetic_items
from tests.support.http_server import Reply

runner = CliRunner()
MD = MarkdownIt("commonmark", {"html": True}).enable("linkify")
PAPERS = parse_feed(QUANT_PH.read_bytes()).papers
INTERESTS = "Rydberg atoms, lattice gauge theory"
DAY = Path("output") / "2025-04-28"


def write_groups(folder: Path, *groups: str) -> None:
    (folder / "arxiv-digest.toml").write_text("".join(
        f'[[groups]]\ntitle = "量子"\ncategories = ["quant-ph"]\n{group}\n' for group in groups
    ))  # fmt: skip


JUDGED = f'name = "q"\ninterests = "{INTERESTS}"\nllm_score = true\ntop = 3'


@pytest.fixture(autouse=True)
def arxiv(server, monkeypatch: pytest.MonkeyPatch) -> None:
    """The day's quant-ph feed from a fake arXiv, so several groups can read it."""
    server.route("/rss/quant-ph", Reply(body=QUANT_PH.read_bytes()))
    monkeypatch.setenv("ARXIV_DIGEST_RSS_URL", server.url + "/rss")


def summarize(*extra: str, code: int = 0) -> None:
    result = runner.invoke(app, ["summarize", "--no-enrich", *extra])
    assert result.exit_code == code, result.stderr


def papers(folder: Path, group: str = "q") -> dict[str, dict]:
    data = json.loads((folder / DAY / f"{group}.json").read_text())
    return {p["id"]: p for p in data["papers"]}


def test_the_model_scores_in_the_same_request_and_the_star_block_shows_its_reasons(
    llm: FakeLLM, isolated: Path
):
    write_groups(isolated, JUDGED)
    summarize()
    assert len(llm.calls) == len(PAPERS)  # no extra request for the score
    assert all(f"读者关注：{INTERESTS}" in call.first_user for call in llm.calls)
    found = papers(isolated)
    assert found["2504.18074"]["score"] == 90  # "Universal quantum control over Rydberg atoms"
    assert found["2504.18074"]["reason"] == "直接研究Rydberg atoms"
    assert found["2504.17830"]["score"] == 10  # a time operator
    assert all(p["score"] is not None and p["reason"] for p in found.values())
    md = (isolated / DAY / "q.md").read_text()
    star = md[md.index("⭐ 今日推荐") : md.index("## 最新发布")]
    assert "[\\[new 010\\] Universal quantum control over Rydberg atoms](#2504.18074)" in star
    assert "— 90 分，直接研究Rydberg atoms" in star
    # top = 3, all judged relevant: the one new paper, then two revisions at 0.8 of 90
    assert star.count("— 90 分") == 1 and star.count("— 72 分") == 2
    assert star.count("；修订版 ×0.8") == 2


def test_judged_answers_are_cached_with_the_interests_in_the_key(llm: FakeLLM, isolated: Path):
    write_groups(isolated, JUDGED)
    summarize()
    summarize("--force")
    assert len(llm.calls) == len(PAPERS)  # the rerun asks nothing: all cached
    write_groups(isolated, JUDGED.replace("Rydberg atoms", "quantum walks"))
    summarize("--force")
    assert len(llm.calls) == 2 * len(PAPERS)  # other interests: judged again
    assert papers(isolated)["2501.01249"]["score"] == 72  # open quantum walks (replaced: ×0.8)
    assert papers(isolated)["2504.18074"]["score"] == 10  # Rydberg no longer of interest


def test_a_paper_in_a_judged_and_a_plain_group_costs_one_request(llm: FakeLLM, isolated: Path):
    write_groups(isolated, JUDGED, 'name = "plain"')
    result = runner.invoke(app, ["summarize", "--no-enrich"])
    assert result.exit_code == 0, result.stderr
    assert len(llm.calls) == len(PAPERS)
    assert f"papers {2 * len(PAPERS)}, cached 0, asked {len(PAPERS)}, shared {len(PAPERS)}" in (
        result.stderr
    )
    judged, plain = papers(isolated), papers(isolated, "plain")
    assert plain["2504.18074"]["summary"] == judged["2504.18074"]["summary"]
    assert plain["2504.18074"]["score"] is None  # the plain group never asked for it
    # and the borrowed summary is cached under the plain group's own key
    write_groups(isolated, 'name = "plain"')
    summarize("--force")
    assert len(llm.calls) == len(PAPERS)


@pytest.mark.parametrize(
    ("mode", "calls", "score", "reason"),
    [
        ("score_missing", 2, 90, "直接研究Rydberg atoms"),  # one corrective turn
        ("score_word", 2, 90, "直接研究Rydberg atoms"),  # "很高" is no score
        ("score_english", 2, 90, "直接研究Rydberg atoms"),
        ("score_loose", 1, 90, "直接研究Rydberg atoms"),  # {"评分": "90分", "理由": …} is fine
    ],
)
def test_a_bad_judgement_costs_one_corrective_turn(
    llm: FakeLLM, isolated: Path, mode: str, calls: int, score: int, reason: str
):
    def fault(call: Call) -> str | None:
        if "Universal quantum control over Rydberg atoms" in call.first_user:
            return mode if len(call.body["messages"]) == 2 else None
        return None

    llm.fault = fault
    write_groups(isolated, JUDGED)
    summarize()
    asked = [c for c in llm.calls if "over Rydberg atoms" in c.first_user]
    assert len(asked) == calls
    if calls == 2:
        assert "score" in asked[1].user or "reason" in asked[1].user  # the model is told what
    found = papers(isolated)["2504.18074"]
    assert (found["status"], found["score"], found["reason"]) == ("ok", score, reason)


def test_a_failed_paper_falls_back_on_the_lexical_score(llm: FakeLLM, isolated: Path):
    llm.fault = lambda call: "nonjson" if "over Rydberg atoms" in call.first_user else None
    write_groups(isolated, JUDGED)
    summarize(code=1)
    found = papers(isolated)["2504.18074"]
    assert found["status"] == "failed"
    assert found["score"] > 0 and found["reason"] == "匹配: Rydberg atoms"  # BM25, rank.py


def test_a_failed_day_healed_later_gets_the_models_score_and_keeps_the_rest(
    llm: FakeLLM, isolated: Path, server
):
    broken = [True]
    llm.fault = lambda c: "nonjson" if broken[0] and "over Rydberg atoms" in c.first_user else None
    write_groups(isolated, JUDGED, f'name = "r"\ninterests = "{INTERESTS}"')
    summarize(code=1)
    assert papers(isolated)["2504.18074"]["status"] == "failed"
    assert papers(isolated, "r")["2504.18074"]["status"] == "failed"  # it borrowed the failure
    broken[0] = False
    day = dt.date(2025, 4, 29)
    next_day = render_feed(["quant-ph"], day, synthetic_items(3, ["quant-ph"], day=day))
    server.route("/rss/quant-ph", Reply(body=next_day))
    calls = len(llm.calls)
    summarize()
    assert len(llm.calls) - calls == 3 + 1  # the new day, and the paper once for both groups
    judged, plain = papers(isolated)["2504.18074"], papers(isolated, "r")["2504.18074"]
    assert judged["status"] == "ok" and judged["score"] == 90
    assert judged["reason"] == "直接研究Rydberg atoms"  # the model's now, no longer BM25's
    assert plain["status"] == "ok" and plain["summary"] == judged["summary"]
    assert plain["reason"] == "匹配: Rydberg atoms" and plain["score"] > 0  # kept from its day


def test_a_url_in_the_models_reason_never_becomes_a_link(llm: FakeLLM, isolated: Path):
    llm.fault = lambda call: "url_reason" if "over Rydberg atoms" in call.first_user else None
    write_groups(isolated, JUDGED)
    summarize()
    md = without_anchors((isolated / DAY / "q.md").read_text())
    assert "evil.example" in md
    links = [
        child.attrs.get("href", "")
        for token in MD.parse(md) if token.children
        for child in token.children if child.type == "link_open"
    ]  # fmt: skip
    assert links and not any("evil" in str(href) for href in links)


def test_batches_carry_the_judgement_too(llm: FakeLLM, isolated: Path, monkeypatch):
    monkeypatch.setenv("ARXIV_DIGEST_BATCH_SIZE", "5")
    write_groups(isolated, JUDGED)
    summarize()
    assert len(llm.calls) == -(-len(PAPERS) // 5)
    assert "score 和 reason" in llm.calls[0].first_user
    found = papers(isolated)
    assert found["2504.18074"]["score"] == 90 and found["2504.17830"]["score"] == 10


def test_llm_score_without_interests_is_a_config_error(isolated: Path):
    write_groups(isolated, 'name = "q"\nllm_score = true')
    result = runner.invoke(app, ["summarize", "--feed", str(QUANT_PH), "--no-llm"])
    assert result.exit_code == 2
    assert "llm_score needs interests" in result.stderr


def test_a_cache_from_before_llm_score_keeps_its_summaries(isolated: Path):
    """The old table had no score and reason columns: opened now, it gains them, its rows
    still read, and summary-only keys are computed as before."""
    path = isolated / "old.sqlite3"
    old = sqlite3.connect(path)
    old.execute(
        "CREATE TABLE summaries (key TEXT PRIMARY KEY, paper_id TEXT NOT NULL, model TEXT NOT "
        "NULL, prompt TEXT NOT NULL, tags TEXT NOT NULL, summary TEXT NOT NULL, created REAL "
        "NOT NULL)"
    )
    paper = PAPERS[0]
    key = cache_key(paper, "m", "fp")
    old.execute("INSERT INTO summaries VALUES (?, ?, 'm', 'fp', '[\"量子\"]', '旧的简介', 0)",
                (key, paper.id))  # fmt: skip
    old.commit()
    old.close()
    cache = SummaryCache(path)
    assert cache.get(key) == Summary(tags=["量子"], summary="旧的简介")
    cache.put("k2", paper, "m", "fp", Summary(tags=["量子"], summary="新", score=7, reason="因"))
    assert cache.get("k2") == Summary(tags=["量子"], summary="新", score=7, reason="因")
    cache.close()


def test_the_models_score_of_a_revision_counts_at_replaced_weight_also_when_healed(
    llm: FakeLLM, isolated: Path, server
):
    revision = "2503.11888"  # replaced that day: Efficient Truncations of SU(N_c) Lattice Gauge…
    broken = [True]
    llm.fault = lambda c: "nonjson" if broken[0] and "Efficient Trunc" in c.first_user else None
    write_groups(isolated, JUDGED)
    summarize(code=1)
    found = papers(isolated)
    sections = {p.id: p.section for p in PAPERS}
    for pid, paper in found.items():
        if pid == revision:
            assert paper["status"] == "failed"  # its lexical score, weighed the same way
            assert paper["reason"].endswith("；修订版 ×0.8")
        elif sections[pid] == "replaced":
            assert (paper["score"], paper["reason"]) in {
                (72, "直接研究Rydberg atoms；修订版 ×0.8"), (8, "与读者关注无关；修订版 ×0.8")
            }, paper  # 90 and 10 as the model said, at 0.8
        else:
            assert paper["score"] in {90, 10} and "修订版" not in paper["reason"]
    broken[0] = False
    day = dt.date(2025, 4, 29)
    next_day = render_feed(["quant-ph"], day, synthetic_items(3, ["quant-ph"], day=day))
    server.route("/rss/quant-ph", Reply(body=next_day))
    summarize()
    healed = papers(isolated)[revision]
    assert healed["status"] == "ok"
    assert (healed["score"], healed["reason"]) == (72, "直接研究lattice gauge theory；修订版 ×0.8")
