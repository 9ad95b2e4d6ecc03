"""Resilience: a faulty endpoint, a killed run, batch mode; nothing lost, nothing half-written."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from arxiv_digest.cli import app
from tests.conftest import LLM_KEY
from tests.support.fake_llm import Call, FakeLLM
from tests.support.feedgen import render_feed, synthetic_items

runner = CliRunner()
DAY = dt.date(2025, 4, 28)


def feed_file(folder: Path, n: int, seed: int = 1) -> Path:
    path = folder / f"feed-{n}.xml"
    path.write_bytes(
        render_feed(["cs.SD", "eess.AS"], DAY, synthetic_items(n, ["cs.SD"], seed=seed))
    )
    return path


def summarize_args(feed: Path, *extra: str) -> list[str]:
    """`summarize` on a generated cs.SD + eess.AS feed, without the export API."""
    return ["summarize", "--feed", str(feed), "--no-enrich", "-c", "cs.SD", "-c", "eess.AS", *extra]


def papers_of(folder: Path) -> list[dict]:
    data = json.loads((folder / "output" / "2025-04-28" / "cs.SD+eess.AS.json").read_text())
    return data["papers"]


def test_thirty_percent_faulty_answers_every_paper_ok_or_failed(
    llm: FakeLLM, isolated, monkeypatch
):
    monkeypatch.setenv("ARXIV_DIGEST_TIMEOUT", "0.5")
    monkeypatch.setenv("ARXIV_DIGEST_MAX_ATTEMPTS", "4")
    llm.hang_seconds = 1.0
    llm.retry_after = 0.2
    rng = random.Random(3)
    faults = ["429", "500", "hang", "nonjson", "english"]

    def fault(call: Call) -> str | None:
        return rng.choice(faults) if rng.random() < 0.3 else None

    llm.fault = fault
    feed = feed_file(isolated, 60)
    result = runner.invoke(
        app,
        summarize_args(feed, "--concurrency", "8"),
    )
    papers = papers_of(isolated)
    assert len(papers) == 60  # none missing
    statuses = [p["status"] for p in papers]
    assert set(statuses) <= {"ok", "failed"}
    assert result.exit_code == (1 if "failed" in statuses else 0)
    assert all(p["summary"] and p["tags"] for p in papers if p["status"] == "ok")
    for mode in faults:
        assert llm.count(mode) > 0, mode  # every kind of fault was really served
    md = (isolated / "output" / "2025-04-28" / "cs.SD+eess.AS.md").read_text()
    assert md.count("#### [") == 60
    assert md.count("（生成失败，下次运行时重试）") == statuses.count("failed")
    assert LLM_KEY not in result.stdout + result.stderr


def test_batch_mode_keys_answers_by_id_and_retries_a_bad_item_alone(llm: FakeLLM, isolated):
    feed = feed_file(isolated, 20)
    llm.script = ["english"]  # the first batch's first item comes back in English
    result = runner.invoke(
        app,
        summarize_args(feed, "--batch-size", "5"),
    )
    assert result.exit_code == 0, result.stderr
    assert len(llm.calls) == 5  # 4 batches + the one bad item asked alone
    batches = [c for c in llm.calls if "JSON 数组" in c.user]
    assert len(batches) == 4 and all(c.body["max_tokens"] == 5 * 512 for c in batches)
    papers = papers_of(isolated)
    assert [p["status"] for p in papers] == ["ok"] * 20
    for paper in papers:  # each summary belongs to its own paper
        assert paper["title"][:24] in paper["summary"]


def test_kill_9_mid_run_then_rerun_asks_only_what_is_missing(llm: FakeLLM, isolated: Path):
    llm.latency = 0.15
    feed = feed_file(isolated, 80)
    env = dict(os.environ)
    command = [sys.executable, "-m", "arxiv_digest", *summarize_args(feed, "--concurrency", "4")]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cache = isolated / "cache.sqlite3"
    deadline = time.monotonic() + 60
    done = 0
    while time.monotonic() < deadline and done < 30:
        time.sleep(0.05)
        if cache.exists():
            try:
                with sqlite3.connect(cache) as db:
                    done = db.execute("SELECT COUNT(*) FROM summaries").fetchone()[0]
            except sqlite3.OperationalError:
                pass
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 30 <= done < 80
    output = isolated / "output"
    assert not output.exists() or not any(output.rglob("*.md"))  # nothing half-published
    assert not list(isolated.rglob("*.tmp"))

    db = sqlite3.connect(cache)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    cached = db.execute("SELECT COUNT(*) FROM summaries").fetchone()[0]
    db.close()
    calls_before = len(llm.calls)
    second = subprocess.run(command, env=env, capture_output=True, text=True)
    assert second.returncode == 0, second.stderr
    asked = len(llm.calls) - calls_before
    assert asked == 80 - cached  # only the papers not yet cached
    assert f"cached {cached}, asked {80 - cached}" in second.stderr
    papers = papers_of(isolated)
    assert len(papers) == 80 and all(p["status"] == "ok" for p in papers)
