"""The LLM stage against a fake OpenAI-compatible server reached through the real openai SDK."""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.sources.feed import parse_feed
from tests.conftest import LLM_KEY, MULTI, QUANT_PH, ROOT
from tests.support.fake_llm import FakeLLM

runner = CliRunner()


def summarize(*args: str, feed: Path = MULTI):
    return runner.invoke(app, ["summarize", "--feed", str(feed), "--no-enrich", *args])


def digest(tmp: Path, name: str = "cs.LG+cs.AI+cs.CL+stat.ML", day: str = "2026-09-24") -> dict:
    return json.loads((tmp / "output" / day / f"{name}.json").read_text())


def test_every_paper_summarized_then_rerun_makes_zero_calls(llm: FakeLLM, isolated: Path):
    first = summarize()
    assert first.exit_code == 0, first.stderr
    assert len(llm.calls) == 4
    data = digest(isolated)
    assert [p["status"] for p in data["papers"]] == ["ok"] * 4
    assert data["papers"][0]["summary"].startswith("该论文属于测试任务")
    assert data["papers"][0]["tags"] == ["测试标签", "机器学习"]
    assert "papers 4, cached 0, asked 4, failed 0" in first.stderr

    second = summarize()
    assert second.exit_code == 0
    assert len(llm.calls) == 4  # nothing asked again
    assert "papers 4, cached 4, asked 0" in second.stderr
    assert digest(isolated) == data


def test_request_carries_prompt_files_title_abstract_and_bounds(llm: FakeLLM, isolated: Path):
    assert summarize().exit_code == 0
    paper = parse_feed(MULTI.read_bytes()).papers[0]
    call = next(c for c in llm.calls if c.title == paper.title)
    system, user = call.body["messages"]
    assert system["role"] == "system"
    assert system["content"] == (ROOT / "prompts" / "system.md").read_text().strip()
    assert paper.title in user["content"] and paper.abstract in user["content"]
    assert "cs.LG" in user["content"]
    assert call.body["max_tokens"] == 512
    assert call.body["response_format"] == {"type": "json_object"}


def test_cache_survives_a_new_process(llm: FakeLLM, isolated: Path):
    env = {k: v for k, v in os.environ.items()}
    command = [sys.executable, "-m", "arxiv_digest", "summarize", "--feed", str(QUANT_PH)]
    first = subprocess.run([*command, "--no-enrich"], env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert len(llm.calls) == 81
    second = subprocess.run(
        [*command, "--no-enrich", "--date", "2025-04-29", "--force"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert second.returncode == 0, second.stderr
    assert len(llm.calls) == 81
    db = sqlite3.connect(isolated / "cache.sqlite3")
    assert db.execute("SELECT COUNT(*) FROM summaries").fetchone()[0] == 81
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    usage = db.execute("SELECT SUM(prompt_tokens), SUM(completion_tokens) FROM calls").fetchone()
    assert usage[0] > 0 and usage[1] > 0


def test_replacement_with_unchanged_abstract_is_not_asked_again(llm: FakeLLM, isolated: Path):
    assert summarize().exit_code == 0
    assert len(llm.calls) == 4
    # the same paper announced again as v4 with the same title and abstract
    bumped = MULTI.read_bytes().replace(b"2009.13987v3", b"2009.13987v4")
    bumped = bumped.replace(b"24 Sep 2026", b"25 Sep 2026")
    feed = isolated / "next.xml"
    feed.write_bytes(bumped)
    assert summarize(feed=feed).exit_code == 0
    assert len(llm.calls) == 4
    paper = digest(isolated, day="2026-09-25")["papers"][-1]
    assert (paper["version"], paper["status"]) == (4, "ok")


def test_429_honours_retry_after_and_500_is_retried(llm: FakeLLM, isolated: Path):
    llm.retry_after = 1.0
    llm.script = ["429", "500"]
    result = summarize("--concurrency", "1")
    assert result.exit_code == 0, result.stderr
    assert len(llm.calls) == 6  # 4 papers + one 429 + one 500
    gap = llm.calls[1].at - llm.calls[0].at
    assert gap >= 1.0
    assert all(p["status"] == "ok" for p in digest(isolated)["papers"])


def test_hang_past_timeout_is_retried(llm: FakeLLM, isolated: Path, monkeypatch):
    monkeypatch.setenv("ARXIV_DIGEST_TIMEOUT", "0.5")
    llm.hang_seconds = 2.0
    llm.script = ["hang"]
    result = summarize("--concurrency", "1")
    assert result.exit_code == 0, result.stderr
    assert llm.count("hang") == 1 and len(llm.calls) == 5
    assert "timeout 1" in result.stderr


@pytest.mark.parametrize("status", ["400", "422"])
def test_4xx_is_never_retried_and_the_paper_fails(llm: FakeLLM, isolated: Path, status: str):
    llm.script = [status]
    result = summarize("--concurrency", "1")
    assert result.exit_code == 1
    assert len(llm.calls) == 4  # the refused request was not sent again
    papers = digest(isolated)["papers"]
    assert [p["status"] for p in papers].count("failed") == 1
    assert "failed: " in result.stderr


def test_empty_answer_is_retried(llm: FakeLLM, isolated: Path):
    llm.script = ["empty"]
    assert summarize("--concurrency", "1").exit_code == 0
    assert len(llm.calls) == 5


@pytest.mark.parametrize("mode", ["nonjson", "english", "long"])
def test_bad_answer_gets_one_corrective_retry(llm: FakeLLM, isolated: Path, mode: str):
    llm.script = [mode]
    result = summarize("--concurrency", "1")
    assert result.exit_code == 0, result.stderr
    assert len(llm.calls) == 5
    corrective = llm.calls[1]
    assert [m["role"] for m in corrective.body["messages"]] == [
        "system",
        "user",
        "assistant",
        "user",
    ]
    assert "不符合要求" in corrective.user


def test_twice_bad_marks_failed_exit_1_and_only_it_is_asked_next_run(llm, isolated: Path):
    llm.script = ["english", "english"]
    first = summarize("--concurrency", "1")
    assert first.exit_code == 1
    assert len(llm.calls) == 5
    md = (isolated / "output" / "2026-09-24" / "cs.LG+cs.AI+cs.CL+stat.ML.md").read_text()
    assert md.count("- **简介: （生成失败，下次运行时重试）**") == 1
    failed = [p for p in digest(isolated)["papers"] if p["status"] == "failed"]
    assert len(failed) == 1 and failed[0]["summary"] is None
    assert f"failed: {failed[0]['id']}v{failed[0]['version']}" in first.stderr

    second = summarize()  # same day again: rewritten from the cache, the failure asked again
    assert second.exit_code == 0
    assert len(llm.calls) == 6
    assert llm.calls[-1].title == failed[0]["title"]
    assert all(p["status"] == "ok" for p in digest(isolated)["papers"])


def test_echoed_length_note_and_bold_are_cleaned_without_a_retry(llm: FakeLLM, isolated: Path):
    llm.script = ["zi"]
    assert summarize("--concurrency", "1").exit_code == 0
    assert len(llm.calls) == 4
    summaries = [p["summary"] for p in digest(isolated)["papers"]]
    assert not any("99字" in s or "**" in s for s in summaries)


def test_fenced_json_is_accepted(llm: FakeLLM, isolated: Path):
    llm.script = ["fenced"]
    assert summarize("--concurrency", "1").exit_code == 0
    assert len(llm.calls) == 4


def test_endpoint_refusing_response_format_still_works(llm: FakeLLM, isolated: Path):
    llm.fault = lambda call: "reject_json_mode"
    result = summarize("--concurrency", "1")
    assert result.exit_code == 0, result.stderr
    assert all(p["status"] == "ok" for p in digest(isolated)["papers"])
    refused = [c for c in llm.calls if c.status == 400]
    assert len(refused) == 1  # asked once with response_format, never again
    assert all("response_format" not in c.body for c in llm.calls[1:])


def test_401_stops_the_run_at_once_exit_2_nothing_written(llm: FakeLLM, isolated: Path):
    llm.fault = lambda call: "401"
    result = runner.invoke(app, ["summarize", "--feed", str(QUANT_PH), "--no-enrich"])
    assert result.exit_code == 2
    assert "answered HTTP 401" in result.stderr and "check OPENAI_API_KEY" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert len(llm.calls) <= 8  # at most the first wave of the pool, not 81 doomed calls
    assert not (isolated / "output").exists()
    assert LLM_KEY not in result.stderr + result.stdout


def test_no_api_key_exits_2_before_any_download(isolated: Path, monkeypatch):
    monkeypatch.setenv("ARXIV_DIGEST_RSS_URL", "http://127.0.0.1:9/never")
    result = runner.invoke(app, ["summarize", "-c", "cs.SD"])
    assert result.exit_code == 2 and "no API key" in result.stderr


def test_concurrency_is_bounded_and_used(llm: FakeLLM, isolated: Path):
    llm.latency = 0.3
    result = runner.invoke(
        app, ["summarize", "--feed", str(QUANT_PH), "--no-enrich", "--concurrency", "5"]
    )
    assert result.exit_code == 0, result.stderr
    assert llm.max_inflight == 5


def test_rpm_paces_request_starts(llm: FakeLLM, isolated: Path):
    result = summarize("--rpm", "120", "--concurrency", "4")
    assert result.exit_code == 0
    starts = sorted(c.at for c in llm.calls)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    # 120/min = one start every 0.5 s. Arrival times at the server carry scheduling jitter on a
    # busy machine (one request late by 50 ms shortens the next gap), so: no burst, and the
    # starts spread over (n-1) × 0.5 s less a little
    assert min(gaps) >= 0.3 and starts[-1] - starts[0] >= 0.5 * len(gaps) - 0.1, gaps


def test_api_key_never_written_anywhere(llm: FakeLLM, isolated: Path):
    llm.script = ["429", "500", "english", "english"]
    result = summarize("--concurrency", "1")
    assert LLM_KEY not in result.stdout + result.stderr
    for path in isolated.rglob("*"):
        if path.is_file():
            assert LLM_KEY.encode() not in path.read_bytes(), path


def test_editing_the_prompt_invalidates_the_cache(llm: FakeLLM, isolated: Path, monkeypatch):
    prompts = isolated / "prompts"
    prompts.mkdir()
    for name in ("system.md", "summary.md"):
        (prompts / name).write_text((ROOT / "prompts" / name).read_text())
    monkeypatch.setenv("ARXIV_DIGEST_PROMPTS_DIR", str(prompts))
    assert summarize().exit_code == 0
    assert len(llm.calls) == 4
    (prompts / "system.md").write_text((prompts / "system.md").read_text() + "\n语气简洁。")
    assert summarize().exit_code == 0
    assert len(llm.calls) == 8
