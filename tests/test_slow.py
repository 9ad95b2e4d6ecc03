"""Slow endpoints and long runs (issues 17, 22, 23): a retry budget that is the paper's own, a
slow server that is not taken for a dead one, auto concurrency that settles on a one-slot
server, an endpoint killed mid-run, and answers cut at the token bound."""

from __future__ import annotations

import asyncio
import heapq
import json
import random
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.summarize.limiter import ConcurrencyGate
from tests.conftest import LLM_KEY, ROOT
from tests.support.fake_llm import FakeLLM
from tests.test_faults import feed_file, papers_of, summarize_args

runner = CliRunner()


def run(isolated: Path, n: int, *extra: str):
    return runner.invoke(app, summarize_args(feed_file(isolated, n), *extra))


def written(isolated: Path) -> bool:
    output = isolated / "output"
    return output.exists() and any(output.rglob("*.md"))


# -- the retry budget is the paper's own ---------------------------------------------------
def test_a_faulty_endpoint_behind_a_long_queue_still_gets_every_paper_its_retries(
    llm: FakeLLM, isolated: Path, monkeypatch
):
    """31 papers, 2 in flight, 0.1 s answers: the last ones wait ~1.5 s for a slot, longer than
    the 0.6 s budget. The budget counts from a paper's first request, so none fails a 429 or
    500 without a retry."""
    monkeypatch.setenv("ARXIV_DIGEST_MAX_RETRY_SECONDS", "0.6")
    llm.latency, llm.retry_after = 0.1, 0.1
    rng = random.Random(7)
    llm.fault = lambda call: rng.choice(["429", "500"]) if rng.random() < 0.3 else None
    result = run(isolated, 31, "--concurrency", "2")
    assert result.exit_code == 0, result.stderr
    assert llm.count("429") and llm.count("500")
    assert all(p["status"] == "ok" for p in papers_of(isolated)), result.stderr


# -- our own timeout is not the server's silence -------------------------------------------
def test_one_answer_slower_than_the_timeout_does_not_end_the_run(
    llm: FakeLLM, isolated: Path, monkeypatch
):
    """Timeout 1.5 s ≥ dead_after 1 s, one answer of 1.7 s on a one-slot server: the server
    answered in this run and is still computing, so it is not dead."""
    monkeypatch.setenv("ARXIV_DIGEST_TIMEOUT", "1.5")
    monkeypatch.setenv("ARXIV_DIGEST_DEAD_AFTER", "1")
    llm.parallel, llm.latency, llm.hang_seconds = 1, 0.1, 1.7
    llm.script = ["ok", "ok", "ok", "hang"]
    result = run(isolated, 10, "--concurrency", "2")
    assert result.exit_code == 0, result.stderr
    assert "cannot reach" not in result.stderr
    assert all(p["status"] == "ok" for p in papers_of(isolated))


def test_a_server_slower_than_the_timeout_is_slow_not_dead(
    llm: FakeLLM, isolated: Path, monkeypatch
):
    """Every answer takes longer than the timeout, but the server lists its models: one request
    in flight, a timeout that grows, and a note that says so, instead of "cannot reach"."""
    monkeypatch.setenv("ARXIV_DIGEST_TIMEOUT", "0.25")
    llm.parallel, llm.latency, llm.models = 1, 0.6, ["local-model"]
    result = run(isolated, 4)
    assert result.exit_code == 0, result.stderr
    assert "cannot reach" not in result.stderr
    assert all(p["status"] == "ok" for p in papers_of(isolated))
    assert "slow: a median answer takes" in result.stderr
    assert "ARXIV_DIGEST_TIMEOUT=" in result.stderr
    # the grown timeout reads as a person would set it (was "a 1.80723 s timeout")
    assert re.search(r"in flight and a \d+(\.\d)? s timeout", " ".join(result.stderr.split()))


def test_a_server_that_never_answers_nor_lists_models_is_still_dead_at_once(
    llm: FakeLLM, isolated: Path, monkeypatch
):
    monkeypatch.setenv("ARXIV_DIGEST_TIMEOUT", "0.3")
    llm.fault = lambda call: "never"
    started = time.monotonic()
    result = run(isolated, 20)
    assert result.exit_code == 3
    assert time.monotonic() - started < 5
    assert "cannot reach the LLM endpoint" in result.stderr
    assert not written(isolated)


# -- auto concurrency on a one-at-a-time server -------------------------------------------
async def simulate(gate: ConcurrencyGate, requests: int, slots: int, seed: int = 1) -> list[int]:
    """The gate against a server with ``slots`` that serves in arrival order, each answer taking
    time in proportion to its length (40–300 tokens), as a local model does. Virtual time, so
    the machine's load cannot blur the queue; returns the limit after each answer."""
    rng = random.Random(seed)
    now, sent, limits = 0.0, 0, []
    free = [0.0] * slots  # when each slot is next free
    pending: list[tuple[float, int, int, float]] = []  # (done at, ticket, tokens, sent at)
    while sent < requests or pending:
        while sent < requests and gate.inflight < max(1, int(gate.limit)):
            ticket = await gate.__aenter__()
            tokens = rng.randint(40, 300)
            done = max(now, heapq.heappop(free)) + 0.03 * tokens
            heapq.heappush(free, done)
            heapq.heappush(pending, (done, ticket, tokens, now))
            sent += 1
        now, ticket, tokens, sent_at = heapq.heappop(pending)
        await gate.answered(now - sent_at, tokens, ticket)
        await gate.__aexit__()
        limits.append(int(gate.limit))
    return limits


def test_auto_settles_at_one_or_two_on_a_one_slot_server_of_variable_answer_lengths():
    gate = ConcurrencyGate(None)
    limits = asyncio.run(simulate(gate, 300, slots=1))
    settled = limits[len(limits) // 2 :]
    assert 1 <= statistics.mean(settled) <= 2 and max(settled) <= 3, settled
    assert gate.peak <= 4  # no growth before the first answers are back
    four = ConcurrencyGate(None)
    settled = asyncio.run(simulate(four, 300, slots=4))[150:]
    assert 4 <= statistics.mean(settled) <= 8  # full, with a short queue
    wide = ConcurrencyGate(None)
    asyncio.run(simulate(wide, 300, slots=64))
    assert wide.limit == 32  # the same answer lengths on a wide server: grows to the cap


def test_auto_on_a_real_one_slot_server_keeps_the_queue_short(llm: FakeLLM, isolated: Path):
    llm.parallel, llm.latency, llm.variable = 1, 0.25, True  # 0.25–0.55 s answers
    result = run(isolated, 8)
    assert result.exit_code == 0, result.stderr
    assert "timeout" not in result.stderr and len(llm.calls) == 8
    assert llm.max_inflight <= 4  # queued at the server; it was 8 with the old gate


# -- an endpoint killed mid-run -----------------------------------------------------------
def fake_process(*args: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.fake_llm", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def served(base_url: str) -> int:
    with urllib.request.urlopen(base_url.removesuffix("/v1") + "/stats") as response:
        return len(json.load(response)["calls"])


def test_an_endpoint_killed_mid_run_exits_3_keeps_every_answer_and_the_rerun_finishes(
    isolated: Path, monkeypatch
):
    monkeypatch.setenv("OPENAI_API_KEY", LLM_KEY)
    monkeypatch.setenv("ARXIV_DIGEST_RETRY_BACKOFF", "0.05")
    monkeypatch.setenv("ARXIV_DIGEST_PROMPTS_DIR", str(ROOT / "prompts"))
    proc, base_url = fake_process("--latency", "0.05", "--jitter", "0")
    monkeypatch.setenv("OPENAI_BASE_URL", base_url)

    def kill_after(answers: int) -> None:
        while served(base_url) < answers:
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)  # kill -9: no goodbye, every connection dropped

    killer = threading.Thread(target=kill_after, args=(10,))
    killer.start()
    try:
        result = run(isolated, 31, "--concurrency", "2")
    finally:
        killer.join()
        proc.wait()
    assert result.exit_code == 3, result.stderr
    assert "stopped accepting connections" in result.stderr
    assert "papers 31, cached 0, asked 31" in result.stderr  # the stats line, also on exit 3
    assert not written(isolated)  # no digest of "connection error" papers
    with sqlite3.connect(isolated / "cache.sqlite3") as db:
        cached = db.execute("SELECT COUNT(*) FROM summaries").fetchone()[0]
    assert cached >= 10 - 2  # every answer that came back is kept (2 were in flight)

    proc, base_url = fake_process("--latency", "0", "--jitter", "0")
    monkeypatch.setenv("OPENAI_BASE_URL", base_url)
    try:
        second = run(isolated, 31)
        asked = served(base_url)
    finally:
        proc.terminate()
        proc.wait()
    assert second.exit_code == 0, second.stderr
    assert f"cached {cached}, asked {31 - cached}" in second.stderr
    assert asked <= 31 - cached + 1  # the rest, and the day's 今日概览 request
    assert all(p["status"] == "ok" for p in papers_of(isolated))


# -- answers cut at the token bound --------------------------------------------------------
def test_a_plain_answer_cut_at_the_bound_fails_at_once_and_points_to_a_bigger_model(
    llm: FakeLLM, isolated: Path
):
    """A small model rambling to the bound (no reasoning) is not asked again with 4× the
    bound: it fails at once, and the note says the model does not follow the prompt."""
    llm.fault = lambda call: "length"
    result = run(isolated, 6, "--concurrency", "1")
    assert result.exit_code == 1
    assert len(llm.calls) == 6  # one request a paper, never a larger bound
    assert {c.body["max_tokens"] for c in llm.calls} == {512}
    assert all(p["error"] == "answer cut at max_tokens=512" for p in papers_of(isolated))
    assert "does not follow the prompt" in result.stderr and "bigger model" in result.stderr
    assert "ARXIV_DIGEST_MAX_TOKENS" not in result.stderr


@pytest.mark.parametrize("mode", ["think_cut", "empty_cut"])
def test_a_cut_answer_that_shows_reasoning_is_asked_again_with_a_larger_bound(
    llm: FakeLLM, isolated: Path, mode: str
):
    llm.script = [mode]
    result = run(isolated, 3, "--concurrency", "1")
    assert result.exit_code == 0, result.stderr
    assert [c.body["max_tokens"] for c in llm.calls[:2]] == [512, 2048]

