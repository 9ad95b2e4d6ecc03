"""200 answers that are not chat completions, bombs and endless waits from the LLM endpoint:
each fails its paper with a reason (or stops the run when every answer is the same), and what
was answered well stays cached. The real openai SDK over HTTP to tests/support/fake_llm/."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arxiv_digest.cli import app
from tests.conftest import MULTI, ROOT
from tests.support.fake_llm import FakeLLM
from tests.support.fake_llm.raw import RAW_ANSWERS
from tests.support.hostile import run_measured

runner = CliRunner()
DAY = Path("output") / "2026-09-24" / "cs.LG+cs.AI+cs.CL+stat.ML.json"


def llm_call():
    from tests.support.fake_llm import Call

    return Call(0, {}, 0.0)


def summarize(*args: str):
    return runner.invoke(app, ["summarize", "--feed", str(MULTI), "--no-enrich", *args])


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("html", "an HTML page"),
        ("null", "null"),
        ("choices_str", "choices is a string"),
        ("message_str", "message is a string"),
        ("content_list", "content is a list without text parts"),
        ("content_number", "content is a number"),
        ("sse", "server-sent events"),
        ("bomb", "larger than 4 MB"),
    ],
)
def test_one_malformed_answer_fails_only_its_paper(llm: FakeLLM, isolated: Path, mode, reason):
    RAW_ANSWERS[mode](llm_call())  # made before the run: a bomb takes a moment to build
    llm.script = [mode]
    result = summarize()
    assert result.exit_code == 1, result.stderr
    assert "Traceback" not in result.stderr
    papers = json.loads((isolated / DAY).read_text())["papers"]
    failed = [p for p in papers if p["status"] == "failed"]
    assert len(failed) == 1 and reason in failed[0]["error"], failed
    assert [p["status"] for p in papers].count("ok") == 3
    again = summarize()  # the three answers paid for are cached: only the failed one is asked
    assert again.exit_code == 0, again.stderr
    assert len(llm.calls) == 5


@pytest.mark.parametrize("mode", ["usage_null", "usage_str", "usage_missing", "usage_list",
                                  "content_parts"])  # fmt: skip
def test_unreadable_usage_or_content_parts_keep_the_answer(llm: FakeLLM, isolated, mode):
    llm.fault = lambda call: mode
    result = summarize()
    assert result.exit_code == 0, result.stderr
    papers = json.loads((isolated / DAY).read_text())["papers"]
    assert [p["status"] for p in papers] == ["ok"] * 4
    if mode.startswith("usage"):
        assert "usage_unreadable" in result.stderr


@pytest.mark.parametrize(("mode", "shape"), [("html", "an HTML page"), ("null", "null")])
def test_every_answer_of_the_first_wave_alike_is_a_setup_error(llm: FakeLLM, isolated, mode, shape):
    llm.fault = lambda call: mode
    result = summarize()
    assert result.exit_code == 2, result.stderr
    assert f"answers every request with {shape}" in result.stderr
    assert "OPENAI_BASE_URL" in result.stderr
    assert not (isolated / "output").exists()
    assert len(llm.calls) <= 4


def test_chat_gzip_bombs_in_flight_take_little_memory(llm: FakeLLM, isolated: Path):
    """Four 200 MB bombs at once (1 MB compressed each once took 5.8 GB): the CLI in its own
    process, so the peak is its own."""
    RAW_ANSWERS["bomb"](llm_call())
    llm.fault = lambda call: "bomb"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = ["summarize", "--feed", str(MULTI), "--no-enrich", "--concurrency", "4"]
    code, stderr, peak_mb = run_measured(args, env, isolated)
    assert code == 2, stderr
    assert peak_mb < 200, f"peak {peak_mb:.0f} MB"
    assert "answers every request with an answer larger than 4 MB" in stderr


def test_retry_after_of_a_day_stops_the_run_at_once(llm: FakeLLM, isolated: Path):
    llm.retry_after = 100000
    llm.script = ["ok", "429"]
    started = time.monotonic()
    result = summarize("--concurrency", "1")
    assert time.monotonic() - started < 20  # not 28 hours
    assert result.exit_code == 3, result.stderr
    assert "asks to wait 100000 s" in result.stderr
    assert "ARXIV_DIGEST_MAX_RETRY_SECONDS=300" in result.stderr
    assert not (isolated / "output").exists()
    runner.invoke(app, ["cache-stats"])
    llm.script = []
    again = summarize()  # the answer paid for before the 429 was kept
    assert again.exit_code == 0 and "cached 1" in again.stderr


def test_pacer_never_waits_past_the_retry_budget():
    import asyncio

    from arxiv_digest.summarize.limiter import RequestPacer

    async def waited() -> float:
        pacer = RequestPacer(None)
        pacer.push_back(100000, 0.3)
        started = time.monotonic()
        await pacer.acquire()
        return time.monotonic() - started

    assert asyncio.run(waited()) < 1


# -- [extra_body] ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "key", ["model", "messages", "max_tokens", "max_completion_tokens", "stream", "n"]
)
def test_extra_body_cannot_replace_what_the_request_sets(llm: FakeLLM, isolated: Path, key):
    value = "true" if key == "stream" else '"x"' if key in ("model", "messages") else "99999"
    (isolated / "arxiv-digest.toml").write_text(f"[extra_body]\n{key} = {value}\n")
    result = summarize()
    assert result.exit_code == 2, result.stderr
    assert f"[extra_body] cannot set {key!r}" in result.stderr
    assert llm.calls == []


def test_extra_body_is_part_of_the_cache_key(llm: FakeLLM, isolated: Path):
    toml = isolated / "arxiv-digest.toml"
    assert summarize().exit_code == 0 and len(llm.calls) == 4
    assert summarize().exit_code == 0 and len(llm.calls) == 4  # no [extra_body]: keys as before
    toml.write_text("[extra_body]\nenable_thinking = false\n")
    assert summarize().exit_code == 0 and len(llm.calls) == 8  # another request: asked again
    assert llm.calls[-1].body["enable_thinking"] is False
    assert summarize().exit_code == 0 and len(llm.calls) == 8
    toml.write_text("[extra_body]\nenable_thinking = true\n")
    assert summarize().exit_code == 0 and len(llm.calls) == 12


# -- secrets in OPENAI_BASE_URL -------------------------------------------------------------------
def secret_url(llm: FakeLLM) -> str:
    host = llm.base_url.split("//", 1)[1]
    return f"http://alice:hunter2pass@{host}?api-key=qsecret123&region=x"


@pytest.mark.parametrize("mode", ["401", "html"])
def test_base_url_secrets_never_printed(llm: FakeLLM, isolated: Path, monkeypatch, mode):
    monkeypatch.setenv("OPENAI_BASE_URL", secret_url(llm))
    summary = isolated / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    llm.fault = lambda call: mode
    result = summarize()
    assert result.exit_code == 2, result.stderr
    shown = result.stderr + summary.read_text()
    assert "the LLM endpoint http://***@127.0.0.1:" in shown
    assert "api-key=***&region=***" in shown
    for secret in ("alice", "hunter2pass", "qsecret123"):
        assert secret not in shown


def test_doctor_hides_base_url_secrets(llm: FakeLLM, isolated: Path, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", secret_url(llm))
    monkeypatch.setenv("ARXIV_DIGEST_RSS_URL", "http://127.0.0.1:9/rss")
    monkeypatch.setenv("ARXIV_DIGEST_API_URL", "http://127.0.0.1:9/api")
    llm.models = ["gpt-4o-mini"]
    result = runner.invoke(app, ["doctor"])
    assert "endpoint http://***@127.0.0.1:" in result.stdout
    for secret in ("alice", "hunter2pass", "qsecret123"):
        assert secret not in result.stdout + result.stderr
