"""output/feeds/<group>.atom, read back with feedparser as a feed reader would."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.render import feed as atom
from arxiv_digest.render.tex import to_plain
from tests.conftest import CL_DISTILL, QUANT_PH
from tests.support.fake_llm import FakeLLM

runner = CliRunner()
FEED = Path("output") / "feeds"


def run(*args: str) -> None:
    result = runner.invoke(app, ["summarize", "--no-enrich", *args])
    assert result.exit_code == 0, result.stderr


def test_two_days_read_back_with_chinese_titles_links_to_blocks_and_stable_bytes(
    llm: FakeLLM, isolated: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "someone/papers")
    run("--feed", str(CL_DISTILL), "--date", "2026-04-24")  # an earlier day, same papers
    run("--feed", str(CL_DISTILL), "--force")  # 2026-04-27
    text = (isolated / FEED / "cs.CL.atom").read_text()
    parsed = feedparser.parse(text)
    assert not parsed.bozo and parsed.version == "atom10"
    assert len(parsed.entries) == 3  # one entry per paper, not per day
    entry = next(e for e in parsed.entries if e.id == "https://arxiv.org/abs/2604.22027")
    assert entry.title == (
        "面向LLMs的测试方法研究 ｜ "
        "Shared Lexical Task Representations Explain Behavioral Variability In LLMs"
    )
    assert entry.link == (
        "https://github.com/someone/papers/blob/main/output/2026-04-27/cs.CL.md#2604.22027"
    )
    assert entry.updated.startswith("2026-04-27") and entry.published.startswith("2026-04-24")
    assert entry.content[0].type == "text/html"
    assert "<b>简介：</b>该论文属于测试任务" in entry.content[0].value
    assert '<a href="https://arxiv.org/pdf/2604.22027v1">PDF</a>' in entry.content[0].value
    assert [t.term for t in entry.tags] == ["测试标签", "机器学习"]
    index = (isolated / "output" / "README.md").read_text()
    assert "[cs.CL](feeds/cs.CL.atom)" in index
    run("--feed", str(CL_DISTILL), "--force")
    assert (isolated / FEED / "cs.CL.atom").read_text() == text  # a rerun writes the same feed


def test_only_the_last_14_days_at_most_500_entries_and_math_as_text(
    isolated: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(atom, "MAX_ENTRIES", 80)  # of 81
    run("--no-llm", "--feed", str(CL_DISTILL), "--date", "2026-04-01")  # 26 days before
    run("--no-llm", "--feed", str(QUANT_PH), "-c", "cs.CL", "--date", "2026-04-27")
    parsed = feedparser.parse((isolated / FEED / "cs.CL.atom").read_text())
    ids = [e.id for e in parsed.entries]
    assert len(ids) == 80 and "https://arxiv.org/abs/2604.22027" not in ids  # too old
    titles = {e.id.rsplit("/", 1)[1]: e.title for e in parsed.entries}
    assert titles["2503.11888"] == (  # "Efficient Truncations of SU($N_c$) Lattice Gauge …"
        "Efficient Truncations of SU(N_c) Lattice Gauge Theory for Quantum Simulation"
    )
    assert not any("$" in e.title or "$" in e.content[0].value for e in parsed.entries)
    assert parsed.entries[0].link == "https://arxiv.org/abs/" + ids[0].rsplit("/", 1)[1]


def test_plain_writes_tex_as_unicode():
    assert to_plain(r"$\alpha$-stable laws at 25\% \emph{cost}") == "α-stable laws at 25% cost"
