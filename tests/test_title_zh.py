"""中文标题: asked in the summary's own request, checked, cached, shown first under each heading."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.models import Summary
from arxiv_digest.sources.feed import parse_feed
from arxiv_digest.summarize.cache import SummaryCache
from arxiv_digest.summarize.validate import AnswerError, check_title_zh, title_names
from tests.conftest import CL_DISTILL, MULTI
from tests.support.fake_llm import FakeLLM

runner = CliRunner()
PAPERS = parse_feed(CL_DISTILL.read_bytes()).papers  # 3 real cs.CL papers, LLMs in two titles
DAY = Path("output") / "2026-04-27"
LLMS = "2604.22027"  # "Shared Lexical Task Representations Explain Behavioral Variability In LLMs"


def summarize(*extra: str, code: int = 0) -> str:
    result = runner.invoke(app, ["summarize", "--no-enrich", "--feed", str(CL_DISTILL), *extra])
    assert result.exit_code == code, result.stderr
    return result.stderr


def digest(folder: Path) -> tuple[str, dict]:
    md = (folder / DAY / "cs.CL.md").read_text()
    return md, json.loads((folder / DAY / "cs.CL.json").read_text())


def test_names_and_acronyms_must_be_kept_as_written():
    title = "LoRA-TTS: Fast Speech Synthesis with GPT-4o on LibriSpeech"
    assert title_names(title) == ["LoRA", "TTS", "GPT", "4o", "LibriSpeech"]
    good = "LoRA-TTS：基于 GPT-4o 的快速语音合成（LibriSpeech 实验）"
    assert check_title_zh(f"**“{good}”**", title) == good
    with pytest.raises(AnswerError, match="LoRA"):
        check_title_zh("Lora-TTS：基于 GPT-4o 的快速语音合成（LibriSpeech 实验）", title)
    with pytest.raises(AnswerError, match="中文"):
        check_title_zh("LoRA-TTS: Fast Speech Synthesis with GPT-4o on LibriSpeech", title)
    with pytest.raises(AnswerError, match="中文译文"):
        check_title_zh("中文标题", title, frozenset({"中文标题"}))  # the prompt's example
    assert check_title_zh("大语言模型（LLM）的极限", "Limits of LLMs") == "大语言模型（LLM）的极限"
    assert title_names("WHAT MATTERS IN SPEECH EVALUATION") == []  # a shouting title


def test_title_zh_comes_in_the_summary_request_and_shows_first_under_each_heading(
    llm: FakeLLM, isolated: Path
):
    summarize()
    assert len(llm.calls) == len(PAPERS)  # no extra request
    assert all('"title_zh"' in c.body["messages"][0]["content"] for c in llm.calls)
    md, data = digest(isolated)
    found = {p["id"]: p for p in data["papers"]}
    assert found[LLMS]["title_zh"] == "面向LLMs的测试方法研究"
    block = md[md.index(f'<a name="{LLMS}"></a>') :]
    assert block.split("\n")[1] == "- **中文标题: 面向LLMs的测试方法研究**"
    assert md.count("- **中文标题: ") == len(PAPERS)
    summarize("--force")
    assert len(llm.calls) == len(PAPERS)  # cached with the summary
    assert digest(isolated)[1]["papers"] == data["papers"]


def test_a_title_zh_that_drops_a_name_is_asked_again_once_then_left_out(
    llm: FakeLLM, isolated: Path
):
    title = "Behavioral Variability In LLMs"
    llm.fault = lambda call: "title_zh_no_names" if title in call.first_user else None
    summarize()  # the paper is not failed for its title: exit 0
    asked = [c for c in llm.calls if title in c.first_user]
    assert len(asked) == 2 and "title_zh 须按原文保留" in asked[1].user
    md, data = digest(isolated)
    paper = next(p for p in data["papers"] if p["id"] == LLMS)
    assert paper["status"] == "ok" and paper["summary"] and paper["title_zh"] is None
    assert md.count("- **中文标题: ") == len(PAPERS) - 1


def test_title_zh_false_hides_it_and_a_users_older_prompt_is_not_asked_for_it(
    llm: FakeLLM, isolated: Path, monkeypatch: pytest.MonkeyPatch
):
    (isolated / "arxiv-digest.toml").write_text("title_zh = false\n")
    summarize()
    md, data = digest(isolated)
    assert "中文标题" not in md and all(p["title_zh"] is None for p in data["papers"])
    prompts = isolated / "prompts"
    prompts.mkdir()
    root = Path(__file__).resolve().parents[1] / "prompts"
    system = (root / "system.md").read_text()
    old = "\n".join(line for line in system.splitlines() if "title_zh" not in line)
    (prompts / "system.md").write_text(old.replace("中文标题", ""))
    (prompts / "summary.md").write_text((root / "summary.md").read_text())
    monkeypatch.setenv("ARXIV_DIGEST_PROMPTS_DIR", str(prompts))
    (isolated / "arxiv-digest.toml").write_text("")
    summarize("--force")
    assert len(llm.calls) == 2 * len(PAPERS)  # another prompt, asked again, and accepted
    assert all(p["status"] == "ok" for p in digest(isolated)[1]["papers"])


def test_a_cache_from_before_title_zh_gains_the_column(isolated: Path):
    path = isolated / "old.sqlite3"
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE summaries (key TEXT PRIMARY KEY, paper_id TEXT NOT NULL, model TEXT NOT"
        " NULL, prompt TEXT NOT NULL, tags TEXT NOT NULL, summary TEXT NOT NULL, created REAL"
        " NOT NULL, score INTEGER, reason TEXT)"
    )
    row = ("k", "1", "m", "p", '["标签"]', "简介", 0, 5, "因")
    db.execute("INSERT INTO summaries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
    db.commit()
    db.close()
    cache = SummaryCache(path)
    assert cache.get("k") == Summary(tags=["标签"], summary="简介", score=5, reason="因")
    cache.put("k2", PAPERS[0], "m", "p", Summary(tags=["标签"], summary="简介", title_zh="标题"))
    got = cache.get("k2")
    assert got is not None and got.title_zh == "标题"
    cache.close()


def test_a_batch_answer_carries_title_zh_too(llm: FakeLLM, isolated: Path):
    (isolated / "arxiv-digest.toml").write_text("batch_size = 3\n")
    summarize()
    assert len(llm.calls) == 1 and "title_zh" in llm.calls[0].first_user[:300]
    assert all(p["title_zh"] for p in digest(isolated)[1]["papers"])


def test_a_healed_paper_of_a_group_without_title_zh_gets_none(llm: FakeLLM, isolated: Path):
    (isolated / "arxiv-digest.toml").write_text(
        'title_zh = false\n[[groups]]\nname = "cs.CL"\ntitle = "语言"\ncategories = ["cs.CL"]\n'
    )
    title = "Behavioral Variability In LLMs"
    llm.fault = lambda call: "english" if title in call.first_user else None
    summarize("-g", "cs.CL", code=1)
    llm.fault = None  # a later day of another group: the failed paper is asked again, healed
    result = runner.invoke(app, ["summarize", "--no-enrich", "--feed", str(MULTI), "-c", "cs.LG",
                                 "--date", "2026-04-28"])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "now summarized; day rewritten" in result.stderr
    md, data = digest(isolated)
    assert all(p["status"] == "ok" and p["title_zh"] is None for p in data["papers"])
    assert "中文标题" not in md
