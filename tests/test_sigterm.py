"""SIGTERM at any point of the summarizing stops the run cleanly: one "interrupted" line, no
asyncio noise after it ("Task exception was never retrieved" and its traceback, 1 run in 5)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.support.fake_llm import FakeLLM
from tests.test_faults import feed_file, summarize_args


def test_sigterm_at_busy_moments_leaves_no_task_exception(llm: FakeLLM, isolated: Path):
    llm.latency = 0.0  # the event loop is busy running task steps, where a signal used to land
    feed = feed_file(isolated, 120)
    command = [sys.executable, "-m", "arxiv_digest", *summarize_args(feed, "--concurrency", "8")]
    env = {**os.environ, "ARXIV_DIGEST_TIMEOUT": "30", "ARXIV_DIGEST_DEAD_AFTER": "60"}
    for round, after in enumerate((3, 30)):  # (before the fix, round 0 failed 3 times of 3)
        started = len(llm.answered())
        proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env)
        deadline = time.monotonic() + 30
        while len(llm.answered()) - started < after and time.monotonic() < deadline:
            time.sleep(0.002)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
        if proc.returncode == 0:
            continue  # finished first: nothing left to interrupt
        assert proc.returncode == 143, stderr
        lines = stderr.strip().splitlines()
        assert lines[-1].startswith("interrupted: "), (round, stderr)
        assert "never retrieved" not in stderr and "Traceback" not in stderr, (round, stderr)
