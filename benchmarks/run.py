"""Speed and resilience figures for arxiv-digest, against the physical limit.

Drives the real pipeline against the fake OpenAI-compatible server from tests/support (run in
its own process) and generated feeds in arXiv's exact RSS format, then prints per scenario:
papers, calls, wall seconds, ideal seconds = max(ceil(N/C)*L, calls/RPM*60), wall/ideal, tokens
per paper (from the usage the server reports), 429s, peak RSS. Scenarios 1, 3, 4 time
`summarize` in a warm process (feed to files; the whole CLI process time is printed beside it);
2 and 5 time the whole CLI process as users run it.

    python benchmarks/run.py            # all six scenarios (about 4 minutes)
    python benchmarks/run.py 1 2 5 6    # some of them
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.fake_llm import count_tokens, tokenizer_name  # noqa: E402
from tests.support.feedgen import render_feed, synthetic_items  # noqa: E402

DAY = dt.date(2025, 4, 28)
CATS = ["cs.SD", "eess.AS"]


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

    def __init__(self, latency: float, jitter: float, rpm_cap: int | None = None) -> None:
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
        command = [
            sys.executable,
            "-m",
            "arxiv_digest",
            "summarize",
            *args,
            "-o",
            str(self.work / out),
        ]
        return self._timed(command, base_url)[:2]

    def run_pipeline(self, base_url: str, args: list[str], out: str) -> tuple[float, float, float]:
        """The same pipeline in a warm process: seconds from feed to files, without the ~1-2 s
        of interpreter start and imports; returns (pipeline s, peak RSS MB, whole process s)."""
        command = [
            sys.executable,
            str(Path(__file__)),
            "--inner",
            *args,
            "-o",
            str(self.work / out),
        ]
        return self._timed(command, base_url)

    def _timed(self, command: list[str], base_url: str | None) -> tuple[float, float, float]:
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
            if proc.returncode not in (0, 1):
                err.seek(0)
                raise SystemExit(f"run failed ({proc.returncode}): {err.read().decode()[-2000:]}")
        inner = json.loads(out) if out.strip().startswith(b"{") else {}
        return inner.get("seconds", whole), usage.ru_maxrss / 1024, whole


def per_paper(calls: list[list], n: int) -> tuple[float, float, int]:
    ok = [c for c in calls if c[1] == 200]
    refused = sum(1 for c in calls if c[1] == 429)
    return sum(c[3] for c in ok) / n, sum(c[4] for c in ok) / n, refused


def scenario_1_2(bench: Bench) -> list[Result]:
    n, c, latency = 500, 32, 1.0
    server = Server(latency, 0.2)
    args = ["--feed", str(bench.feed(n)), "--no-enrich", "--concurrency", str(c)]
    try:
        wall, rss, whole = bench.run_pipeline(server.base_url, args, "out12")
        calls = server.calls()
        ideal = math.ceil(n / c) * latency
        prompt, completion, refused = per_paper(calls, n)
        first = Result(
            "1 pool N=500 L=1s C=32",
            n,
            len(calls),
            wall,
            ideal,
            prompt,
            completion,
            refused,
            rss,
            "ratio <= 1.15",
            wall / ideal <= 1.15,
            f"(whole CLI process incl. start-up {whole:.1f} s)",
        )
        wall2, rss2 = bench.run_cli(server.base_url, args, "out12")
        calls2 = len(server.calls()) - len(calls)
        second = Result(
            "2 same run again (cache)",
            n,
            calls2,
            wall2,
            None,
            0,
            0,
            0,
            rss2,
            "0 calls, wall < 2 s",
            calls2 == 0 and wall2 < 2.0,
            "(whole CLI process)",
        )
    finally:
        server.stop()
    return [first, second]


def scenario_3(bench: Bench) -> list[Result]:
    n, rpm, latency, c = 120, 60, 1.0, 8
    server = Server(latency, 0.2, rpm_cap=rpm)
    bench.cache.unlink(missing_ok=True)
    args = ["--feed", str(bench.feed(n)), "--no-enrich", "--rpm", str(rpm), "--concurrency", str(c)]
    try:
        wall, rss, _ = bench.run_pipeline(server.base_url, args, "out3")
        calls = server.calls()
        starts = sorted(call[0] for call in calls)
        per_min = (len(starts) - 1) / (starts[-1] - starts[0]) * 60 if len(starts) > 1 else 0.0
        prompt, completion, refused = per_paper(calls, n)
        ideal = max(math.ceil(n / c) * latency, len(calls) / rpm * 60)
        return [
            Result(
                "3 RPM cap 60, N=120",
                n,
                len(calls),
                wall,
                ideal,
                prompt,
                completion,
                refused,
                rss,
                ">= 57 req/min, 0 429s",
                per_min >= 57 and refused == 0,
                f"(sustained {per_min:.1f} req/min)",
            )
        ]
    finally:
        server.stop()


def scenario_4(bench: Bench) -> list[Result]:
    n, rpm, k, latency, c = 300, 60, 5, 1.0, 8
    server = Server(latency, 0.2, rpm_cap=rpm)
    bench.cache.unlink(missing_ok=True)
    args = [
        "--feed",
        str(bench.feed(n)),
        "--no-enrich",
        "--rpm",
        str(rpm),
        "--batch-size",
        str(k),
        "--concurrency",
        str(c),
    ]
    try:
        wall, rss, _ = bench.run_pipeline(server.base_url, args, "out4")
        calls = server.calls()
        ideal = max(math.ceil(len(calls) / c) * latency, len(calls) / rpm * 60)
        per_request = n / len(calls)
        prompt, completion, refused = per_paper(calls, n)
        return [
            Result(
                f"4 batch k={k}, RPM 60, N=300",
                n,
                len(calls),
                wall,
                ideal,
                prompt,
                completion,
                refused,
                rss,
                ">= 4.5 papers/request, ratio <= 1.15",
                per_request >= 4.5 and wall / ideal <= 1.15,
                f"({per_request:.2f} papers/request)",
            )
        ]
    finally:
        server.stop()


def scenario_5(bench: Bench) -> list[Result]:
    n = 2000
    feed = str(bench.feed(n))
    wall, rss = bench.run_cli(None, ["--feed", feed, "--no-enrich", "--no-llm"], "out5")
    return [
        Result(
            "5 parse+render 2000 --no-llm",
            n,
            0,
            wall,
            None,
            0,
            0,
            0,
            rss,
            "< 3 s, RSS < 150 MB",
            wall < 3.0 and rss < 150,
            "(whole CLI process)",
        )
    ]


def scenario_6(bench: Bench) -> list[Result]:
    from arxiv_digest.sources.feed import parse_feed
    from arxiv_digest.summarize.prompts import Prompts

    prompts = Prompts.load(ROOT / "prompts")
    papers = parse_feed(bench.feed(500).read_bytes()).papers
    overheads = []
    for paper in papers:
        messages = prompts.messages(paper)
        # chat format adds ~4 tokens per message and ~3 to prime the answer (OpenAI cookbook)
        total = sum(count_tokens(m["content"]) + 4 for m in messages) + 3
        overheads.append(total - count_tokens(paper.title) - count_tokens(paper.abstract))
    mean = sum(overheads) / len(overheads)
    return [
        Result(
            "6 prompt overhead/paper",
            len(papers),
            0,
            0.0,
            None,
            mean,
            0,
            0,
            0,
            "<= 250 tokens excl. title+abstract",
            max(overheads) <= 250,
            f"(max {max(overheads)}, counted with {tokenizer_name()})",
        )
    ]


def inner(argv: list[str]) -> None:
    """Run `summarize` in this (already warm) process and print its seconds and peak RSS."""
    import typer.testing  # noqa: F401 - warm every import the run needs before timing

    from arxiv_digest.cli import app
    from arxiv_digest.summarize import client  # noqa: F401

    started = time.monotonic()
    with contextlib.suppress(SystemExit):
        app(["summarize", *argv], standalone_mode=False)
    print(json.dumps({"seconds": time.monotonic() - started}))


SCENARIOS = {
    "1": scenario_1_2,  # 2 runs right after 1, on its cache
    "3": scenario_3,
    "4": scenario_4,
    "5": scenario_5,
    "6": scenario_6,
}


def main() -> int:
    if sys.argv[1:2] == ["--inner"]:
        inner(sys.argv[2:])
        return 0
    chosen = sys.argv[1:] or ["1", "3", "4", "5", "6"]
    chosen = ["1" if c == "2" else c for c in chosen]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()},"
        f" {platform.system()} {platform.release()}"
    )
    print(f"tokens counted with {tokenizer_name()}")
    print(HEADER)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="arxiv-digest-bench-") as tmp:
        bench = Bench(Path(tmp))
        for key in dict.fromkeys(chosen):
            for result in SCENARIOS[key](bench):
                print(result.row(), flush=True)
                results.append(result)
    missed = [r.name for r in results if not r.met]
    print("all targets met" if not missed else f"targets missed: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
