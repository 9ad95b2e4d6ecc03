"""The endpoints people really use: provider error bodies, refused parameters, reasoning models,
slow, dead and drip-feeding servers, all over real HTTP through the real openai SDK."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.config import load_settings
from tests.conftest import LLM_KEY, MULTI, QUANT_PH
from tests.support.fake_llm import FakeLLM
from tests.test_faults import feed_file, summarize_args

runner = CliRunner()
MULTI_JSON = Path("output") / "2026-09-24" / "cs.LG+cs.AI+cs.CL+stat.ML.json"


def summarize(*args: str, feed: Path = MULTI):
    return runner.invoke(app, ["summarize", "--feed", str(feed), "--no-enrich", *args])


def papers(folder: Path) -> list[dict]:
    return json.loads((folder / MULTI_JSON).read_text())["papers"]


def error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith("summarized ")]  # progress in a log
    lines = [line for line in lines if not line.startswith("papers ")]  # the stats line
    assert len(lines) == 1, result.stderr
    return lines[0]


# -- setup errors stop the run ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("mode", "shown", "fix"),
    [
        ("openai_model_404", "HTTP 404 The model `gpt-x` does not exist", "ARXIV_DIGEST_MODEL"),
        ("deepseek_402", "HTTP 402 Insufficient Balance", "top up"),
        ("openai_quota_429", "HTTP 429 You exceeded your current quota", "top up"),
        ("litellm_key_400", "HTTP 400 Authentication Error, Invalid proxy server", "API_KEY"),
        ("401", "HTTP 401 Incorrect API key provided: ***", "OPENAI_API_KEY"),
    ],
)
def test_setup_error_stops_at_once_exit_2_with_reason(
    llm: FakeLLM, isolated: Path, mode: str, shown: str, fix: str
):
    llm.fault = lambda call: mode
    result = summarize("--model", "gpt-x", feed=QUANT_PH)  # 81 papers
    assert result.exit_code == 2
    line = error_line(result)
    assert shown in line and fix in line, line
    assert len(llm.calls) <= 4  # the first wave of "auto", not 81 (or 5 × 81) doomed calls
    assert not (isolated / "output").exists()
    assert LLM_KEY not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("openai_context_400", "maximum context length"),
        ("dashscope_filter_400", "inappropriate content"),
    ],
)
def test_a_400_about_one_paper_fails_only_that_paper(
    llm: FakeLLM, isolated: Path, mode: str, reason: str
):
    llm.script = [mode]
    result = summarize("--concurrency", "1")
    assert result.exit_code == 1
    assert len(llm.calls) == 4  # not retried, the others asked as usual
    failed = [p for p in papers(isolated) if p["status"] == "failed"]
    assert len(failed) == 1 and reason in failed[0]["error"]
    assert all("error" not in p for p in papers(isolated) if p["status"] == "ok")
    assert f"failed: {failed[0]['id']}v{failed[0]['version']}" in result.stderr
    assert reason in result.stderr
    stats = runner.invoke(app, ["cache-stats"])
    assert f"1 failing: HTTP 400 {failed[0]['error'][9:]}" in stats.stdout


def test_many_failures_with_one_reason_are_one_line(llm: FakeLLM, isolated: Path):
    llm.fault = lambda call: "openai_context_400"
    result = summarize(feed=QUANT_PH)
    assert result.exit_code == 1
    assert "81 failed: HTTP 400 This model's maximum context length" in result.stderr
    listed = [line for line in result.stderr.splitlines() if "failed:" in line]
    assert len(listed) == 1  # one line, not 81


# -- request-shape quirks, switched once per run ---------------------------------------------
@pytest.mark.parametrize(
    ("quirk", "check"),
    [
        (
            "refuse_max_tokens",
            lambda body: "max_tokens" not in body and body["max_completion_tokens"] == 512,
        ),
        ("refuse_temperature", lambda body: "temperature" not in body),
        ("refuse_json_mode", lambda body: "response_format" not in body),
    ],
)
def test_refused_parameter_is_switched_once_and_no_paper_is_lost(
    llm: FakeLLM, isolated: Path, quirk: str, check
):
    setattr(llm, quirk, True)
    llm.latency = 0.2  # the whole first wave is in flight when the first refusal comes back
    result = summarize("--concurrency", "8", feed=QUANT_PH)
    assert result.exit_code == 0, result.stderr
    refused = [c for c in llm.calls if c.status == 400]
    assert 1 <= len(refused) <= 8  # at most the requests already in flight
    assert len(llm.calls) == 81 + len(refused)
    assert all(check(c.body) for c in llm.calls if c.status == 200)
    assert "refused a parameter" in result.stderr


def test_token_param_setting_avoids_the_refusal(llm: FakeLLM, isolated: Path, monkeypatch):
    monkeypatch.setenv("ARXIV_DIGEST_TOKEN_PARAM", "max_completion_tokens")
    llm.refuse_max_tokens = True
    assert summarize().exit_code == 0
    assert len(llm.calls) == 4 and all(c.status == 200 for c in llm.calls)


def test_extra_body_is_sent_with_every_request(llm: FakeLLM, isolated: Path):
    (isolated / "arxiv-digest.toml").write_text("[extra_body]\nenable_thinking = false\n")
    assert summarize().exit_code == 0
    assert all(c.body["enable_thinking"] is False for c in llm.calls)


# -- reasoning models ------------------------------------------------------------------------
def test_reasoning_model_cut_at_the_budget_is_asked_once_with_a_larger_one(
    llm: FakeLLM, isolated: Path
):
    llm.reasoning_tokens = 600  # thinks past the default 512, answers within 2048
    result = summarize("--concurrency", "1", feed=QUANT_PH)
    assert result.exit_code == 0, result.stderr
    budgets = [c.body["max_tokens"] for c in llm.calls]
    # the first two are cut and asked again with 2048; from then on 2048 is asked at once
    assert budgets[:4] == [512, 2048, 512, 2048] and set(budgets[4:]) == {2048}
    assert len(llm.calls) == 81 + 2  # not 5 × 81 with the same budget
    assert "2 answers hit max_tokens=512" in result.stderr
    assert "ARXIV_DIGEST_MAX_TOKENS=2048" in result.stderr
    data = json.loads((isolated / "output" / "2025-04-28" / "quant-ph.json").read_text())
    assert all("让我想想" not in p["summary"] for p in data["papers"])  # reasoning never kept


def test_answer_cut_even_with_the_larger_budget_fails_that_paper(llm: FakeLLM, isolated: Path):
    llm.reasoning_tokens = 20000
    result = summarize("--concurrency", "1")
    assert result.exit_code == 1
    assert len(llm.calls) <= 4 * 2  # one larger bound each, at most; never the same bound twice
    bounds = [c.body["max_tokens"] for c in llm.calls]
    assert max(bounds) == 8192  # max_tokens_cap
    assert all(p["error"].startswith("answer cut at max_tokens=") for p in papers(isolated))


# -- answers as real models write them -------------------------------------------------------
@pytest.mark.parametrize(
    "mode",
    [
        "think_braces",
        "think_unclosed_prefix",
        "other_case_keys",
        "chinese_keys",
        "raw_newline",
        "echo_example",
    ],
)
def test_answer_shapes_are_read_without_a_corrective_turn(llm: FakeLLM, isolated: Path, mode):
    llm.fault = lambda call: mode
    result = summarize()
    assert result.exit_code == 0, result.stderr
    assert len(llm.calls) == 4
    for paper in papers(isolated):
        assert paper["summary"].startswith("该论文属于测试任务")
        assert paper["tags"] == ["测试标签", "机器学习"]


def test_a_copied_placeholder_tag_is_rejected_and_the_correction_has_none(
    llm: FakeLLM, isolated: Path
):
    llm.script = ["placeholder_tag"]
    result = summarize("--concurrency", "1")
    assert result.exit_code == 0, result.stderr
    assert len(llm.calls) == 5
    said, _, asked = llm.calls[1].user.partition("。请重新回答")
    assert "1–3 个中文标签" in said and "占位" in said  # what was wrong, quoted
    assert "{" not in asked and "中文标签" not in asked  # no fill-in for the model to copy
    assert all("1–3 个中文标签" not in p["tags"] for p in papers(isolated))


# -- slow, dead and drip-feeding endpoints ---------------------------------------------------
def test_one_at_a_time_server_loses_nothing_with_auto(llm: FakeLLM, isolated: Path, monkeypatch):
    monkeypatch.setenv("ARXIV_DIGEST_TIMEOUT", "2")  # 10 queued requests' worth
    llm.parallel, llm.latency = 1, 0.2
    started = time.monotonic()
    result = runner.invoke(app, summarize_args(feed_file(isolated, 25)))
    wall = time.monotonic() - started
    assert result.exit_code == 0, result.stderr
    assert "timeout" not in result.stderr
    assert len(llm.calls) == 25  # no timeouts, so nothing asked twice
    assert wall < 2.0 * 25 * 0.2  # the server is kept busy: close to N·L


def test_fixed_concurrency_queues_past_the_timeout_on_a_one_at_a_time_server(
    llm: FakeLLM, isolated: Path, monkeypatch
):
    """The failure auto avoids: 8 queued at a one-slot server wait longer than the timeout."""
    monkeypatch.setenv("ARXIV_DIGEST_TIMEOUT", "0.5")
    llm.parallel, llm.latency = 1, 0.3
    result = summarize("--concurrency", "4")
    assert "timeout" in result.stderr


def test_auto_grows_on_a_fast_wide_server(llm: FakeLLM, isolated: Path):
    llm.latency = 0.3
    result = summarize(feed=QUANT_PH)
    assert result.exit_code == 0, result.stderr
    assert llm.max_inflight > 8  # grew past its start of 4
    assert llm.max_inflight <= 32  # never past the cap


def test_timeout_bounds_the_whole_request_even_when_drip_fed(
    llm: FakeLLM, isolated: Path, monkeypatch
):
    monkeypatch.setenv("ARXIV_DIGEST_TIMEOUT", "1")
    llm.drip_seconds = 8.0
    llm.script = ["drip"]
    started = time.monotonic()
    result = summarize("--concurrency", "1")
    assert result.exit_code == 0, result.stderr
    assert time.monotonic() - started < 5.0  # not the 8 s of keep-alive lines
    assert "timeout 1" in result.stderr and len(llm.calls) == 5


def test_endpoint_that_never_answers_ends_the_run_with_exit_3(
    llm: FakeLLM, isolated: Path, monkeypatch
):
    monkeypatch.setenv("ARXIV_DIGEST_TIMEOUT", "0.5")
    llm.fault = lambda call: "never"
    started = time.monotonic()
    result = summarize(feed=QUANT_PH)
    assert result.exit_code == 3
    assert time.monotonic() - started < 5.0
    assert len(llm.calls) <= 8
    assert "cannot reach the LLM endpoint" in error_line(result)
    assert not (isolated / "output").exists()


def test_closed_port_ends_the_run_in_seconds_with_exit_3(isolated: Path, monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("OPENAI_API_KEY", LLM_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    started = time.monotonic()
    result = summarize(feed=QUANT_PH)
    assert result.exit_code == 3
    assert time.monotonic() - started < 10.0
    line = error_line(result)
    assert f"cannot reach the LLM endpoint http://127.0.0.1:{port}/v1" in line
    assert "connection error" in line
    assert not (isolated / "output").exists()


def test_endpoint_going_quiet_mid_run_stops_after_the_window_and_the_rerun_finishes(
    llm: FakeLLM, isolated: Path, monkeypatch
):
    monkeypatch.setenv("ARXIV_DIGEST_DEAD_AFTER", "1")
    answered = 0

    def fault(call) -> str | None:
        nonlocal answered
        if call.index < 0:  # GET /models asking whether the key is refused
            return None
        answered += 1
        return None if answered <= 10 else "500"

    llm.fault = fault
    result = summarize("--concurrency", "2", feed=QUANT_PH)
    assert result.exit_code == 3, result.stderr
    assert "no answer for" in error_line(result)
    assert not (isolated / "output").exists()
    llm.fault = None
    calls = len(llm.calls)
    second = summarize(feed=QUANT_PH)
    assert second.exit_code == 0
    assert len(llm.calls) - calls == 81 - 10  # what was answered stayed cached


def test_empty_base_url_gives_the_sdk_openais_default(monkeypatch):
    from arxiv_digest.summarize.client import LLMClient

    monkeypatch.setenv("OPENAI_BASE_URL", "")
    monkeypatch.setenv("OPENAI_API_KEY", LLM_KEY)
    client = LLMClient(load_settings())
    assert str(client.client.base_url) == "https://api.openai.com/v1/"
