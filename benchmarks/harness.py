"""What the benchmark scenarios share: the fake endpoint in its own process, the CLI timed as
users run it or in a warm process, and one row of figures per scenario."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.feedgen import render_feed, synthetic_items  # noqa: E402

DAY = dt.date(2025, 4, 28)
CATS = ["cs.SD", "eess.AS"]
RUNNER = Path(__file__).resolve().parent / "run.py"


@dataclass
class Result:
    name: str
    papers: int
    calls: int
    wall: float
    ideal: float | None
    prompt_per_paper: float
    completion_per_paper: float
    got_429: int
    rss_mb: float
    target: str
    met: bool
    note: str = ""

    def row(self) -> str:
        ideal = f"{self.ideal:7.1f}" if self.ideal is not None else "      -"
        ratio = f"{self.wall / self.ideal:5.2f}" if self.ideal else "    -"
        return (
            f"{self.name:<28}{self.papers:>6}{self.calls:>6}{self.wall:>8.1f}{ideal}{ratio:>7}"
            f"{self.prompt_per_paper:>8.0f}{self.completion_per_paper:>6.0f}{self.got_429:>6}"
            f"{self.rss_mb:>8.0f}  {'OK  ' if self.met else 'MISS'} {self.target} {self.note}"
        )


HEADER = (
    f"{'scenario':<28}{'N':>6}{'calls':>6}{'wall s':>8}{'ideal':>7}{'ratio':>7}"
    f"{'tok in':>8}{'out':>6}{'429s':>6}{'RSS MB':>8}  target"
)


class Server:
    """The fake endpoint in its own process, so it never competes with the client for the GIL."""

    def __init__(
        self,
        latency: float,
        jitter: float,
        rpm_cap: int | None = None,
        parallel: int | None = None,
        variable: bool = False,
    ) -> None:
        command = [
            sys.executable,
            "-m",
            "tests.support.fake_llm",
            "--latency",
            str(latency),
            "--jitter",
            str(jitter),
        ]
        if rpm_cap:
            command += ["--rpm-cap", str(rpm_cap)]
        if parallel:
            command += ["--parallel", str(parallel)]
        if variable:
            command += ["--variable"]  # answers of different lengths, time ∝ tokens
        self.proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.base_url = self.proc.stdout.readline().strip()

    def calls(self) -> list[list]:
        url = self.base_url.removesuffix("/v1") + "/stats"
        with urllib.request.urlopen(url) as response:
            return json.load(response)["calls"]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait()


class Bench:
    def __init__(self, work: Path) -> None:
        self.work = work
        self.cache = work / "cache.sqlite3"

    def feed(self, n: int) -> Path:
        path = self.work / f"feed-{n}.xml"
        if not path.exists():
            path.write_bytes(render_feed(CATS, DAY, synthetic_items(n, CATS, seed=n)))
        return path

    def env(self, base_url: str | None) -> dict[str, str]:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("ARXIV_DIGEST_", "OPENAI_"))
        }
        env.update(
            ARXIV_DIGEST_CACHE=str(self.cache),
            ARXIV_DIGEST_PROMPTS_DIR=str(ROOT / "prompts"),
            OPENAI_API_KEY="sk-bench",
            PYTHONPATH=str(ROOT),
        )
        if base_url is not None:
            env["OPENAI_BASE_URL"] = base_url
        return env

    def run_cli(self, base_url: str | None, args: list[str], out: str) -> tuple[float, float]:
        """The real CLI as users run it: wall seconds including interpreter start, peak RSS MB."""
        run = self.run_cli_full(base_url, args, out)
        return run.whole, run.rss_mb

    def run_cli_full(self, base_url: str | None, args: list[str], out: str) -> Run:
        """The real CLI, with its exit code and what it printed on stderr."""
        command = [
            sys.executable,
            "-m",
            "arxiv_digest",
            "summarize",
            *args,
            "-o",
            str(self.work / out),
        ]
        return self._timed(command, base_url)

    def run_pipeline(self, base_url: str, args: list[str], out: str) -> tuple[float, float, float]:
        """The same pipeline in a warm process: seconds from feed to files, without the ~1-2 s
        of interpreter start and imports; returns (pipeline s, peak RSS MB, whole process s)."""
        run = self.run_pipeline_full(base_url, args, out)
        return run.seconds, run.rss_mb, run.whole

    def run_pipeline_full(self, base_url: str, args: list[str], out: str) -> Run:
        command = [
            sys.executable,
            str(RUNNER),
            "--inner",
            *args,
            "-o",
            str(self.work / out),
        ]
        return self._timed(command, base_url)

    def _timed(self, command: list[str], base_url: str | None) -> Run:
        with tempfile.TemporaryFile() as err:
            started = time.monotonic()
            proc = subprocess.Popen(
                command, env=self.env(base_url), cwd=self.work, stdout=subprocess.PIPE, stderr=err
            )
            assert proc.stdout is not None
            out = proc.stdout.read()
            _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak RSS
            whole = time.monotonic() - started
            proc.returncode = os.waitstatus_to_exitcode(status)
            err.seek(0)
            stderr = err.read().decode(errors="replace")
            if proc.returncode not in (0, 1, 3):
                raise SystemExit(f"run failed ({proc.returncode}): {stderr[-2000:]}")
        inner = json.loads(out) if out.strip().startswith(b"{") else {}
        return Run(
            inner.get("seconds", whole), usage.ru_maxrss / 1024, whole, proc.returncode, stderr
        )


@dataclass
class Run:
    seconds: float  # from feed to files (warm process) or the whole process
    rss_mb: float
    whole: float  # the whole process, interpreter start included
    code: int
    stderr: str

    def peak(self) -> str:
        """"up to N in flight" from the end-of-run line (auto concurrency's peak)."""
        for line in self.stderr.splitlines():
            if "in flight" in line:
                return "up to " + line.rsplit("up to ", 1)[-1].strip()
        return "peak not shown"

    def problem(self, name: str) -> int:
        """A count from the end-of-run line, e.g. problem("timeout")."""
        for part in self.stderr.replace("(", ",").replace(")", ",").split(","):
            words = part.split()
            if len(words) == 2 and words[0] == name and words[1].isdigit():
                return int(words[1])
        return 0


def per_paper(calls: list[list], n: int) -> tuple[float, float, int]:
    ok = [c for c in calls if c[1] == 200]
    refused = sum(1 for c in calls if c[1] == 429)
    return sum(c[3] for c in ok) / n, sum(c[4] for c in ok) / n, refused


