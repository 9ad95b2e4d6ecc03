"""今日概览: one request per group and day, cached, after the counts; failing, it is left out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.models import Entry
from arxiv_digest.sources.feed import parse_feed
from arxiv_digest.summarize.overview import MAX_PAPERS, pick
from tests.conftest import CL_DISTILL, QUANT_PH
from tests.support.fake_llm import Call, FakeLLM

runner = CliRunner()
PAPERS = parse_feed(CL_DISTILL.read_bytes()).papers  # 3 real cs.CL papers
DAY = Path("output") / "2026-04-27"


@pytest.fixture
def llm(llm: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> FakeLLM:
    monkeypatch.delenv("ARXIV_DIGEST_OVERVIEW")  # conftest's fake turns it off; the default: on
    return llm


def summarize(*extra: str, code: int = 0) -> str:
    result = runner.invoke(app, ["summarize", "--no-enrich", "--feed", str(CL_DISTILL), *extra])
    assert result.exit_code == code, result.stderr
    return result.stderr


def is_overview(call: Call) -> bool:
    return '"overview"' in call.body["messages"][0]["content"]


def test_one_request_over_the_days_titles_and_summaries_placed_after_the_counts(
    llm: FakeLLM, isolated: Path
):
    log = summarize()
    asked = [c for c in llm.calls if is_overview(c)]
    assert len(asked) == 1 and len(llm.calls) == len(PAPERS) + 1
    data = json.loads((isolated / DAY / "cs.CL.json").read_text())
    for paper in data["papers"]:  # the English title and the 简介, nothing else
        assert " ".join(paper["title"].split()) in asked[0].user
        assert paper["summary"] in asked[0].user
        assert paper["abstract"][:80] not in asked[0].user
    assert "“cs.CL”" in asked[0].body["messages"][0]["content"] or "自然语言处理" in (
        asked[0].body["messages"][0]["content"]
    )
    assert data["overview"].startswith("今天共有 3 篇论文")
    md = (isolated / DAY / "cs.CL.md").read_text()
    head = md[: md.index("## 最新发布")]
    assert head.index("- **更新 0 篇**") < head.index(f"- **今日概览:** {data['overview']}")
    assert "今日概览: 1 request, " in log
    summarize("--force")
    assert len(llm.calls) == len(PAPERS) + 1  # both cached
    assert json.loads((isolated / DAY / "cs.CL.json").read_text())["overview"] == data["overview"]


@pytest.mark.parametrize("mode", ["overview_english", "overview_short", "500"])
def test_a_failed_overview_is_left_out_with_a_warning_and_costs_nothing_else(
    llm: FakeLLM, isolated: Path, mode: str
):
    llm.fault = lambda call: mode if is_overview(call) else None
    log = summarize()  # exit 0: the digest is whole
    assert "今日概览 of cs.CL 2026-04-27 left out" in " ".join(log.split())
    asked = [c for c in llm.calls if is_overview(c)]
    assert len(asked) == (2 if mode != "500" else 5)  # a corrective turn, or the retries
    data = json.loads((isolated / DAY / "cs.CL.json").read_text())
    assert data["overview"] is None and all(p["status"] == "ok" for p in data["papers"])
    assert "今日概览" not in (isolated / DAY / "cs.CL.md").read_text()


def test_overview_false_asks_nothing(llm: FakeLLM, isolated: Path):
    (isolated / "arxiv-digest.toml").write_text("overview = false\n")
    summarize()
    assert not any(is_overview(c) for c in llm.calls)
    assert json.loads((isolated / DAY / "cs.CL.json").read_text())["overview"] is None


def test_a_busy_day_is_summed_up_from_its_best_scored_papers():
    papers = parse_feed(QUANT_PH.read_bytes()).papers  # 81
    entries = [
        Entry(paper=p, status="ok", summary=f"简介{n}", score=n % 50)
        for n, p in enumerate(papers)
    ]
    entries[0] = entries[0].model_copy(update={"status": "failed", "summary": None, "score": 99})
    chosen = pick(entries)
    assert len(chosen) == MAX_PAPERS
    best = sorted((e.score or 0 for e in entries[1:]), reverse=True)[:MAX_PAPERS]
    assert sorted((e.score or 0 for e in chosen), reverse=True) == best  # of the 80 with a 简介
    assert chosen == [e for e in entries if e in chosen]  # in the digest's order
    assert entries[0] not in chosen
