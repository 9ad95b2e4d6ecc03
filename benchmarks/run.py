"""Speed and resilience figures for arxiv-digest, against the physical limit.

Drives the real CLI (a subprocess, as users run it) against the fake OpenAI-compatible server
from tests/support (in this process) and generated feeds in arXiv's exact RSS format, then prints
per scenario: papers, calls, wall seconds, ideal seconds = max(ceil(N/C)*L, calls/RPM*60),
wall/ideal, tokens per paper (from the usage the server reports), 429s, peak RSS of the CLI.

    python benchmarks/run.py            # all six scenarios (about 4 minutes)
    python benchmarks/run.py 1 2 5 6    # some of them
"""

from __future__ import annotations

import datetime as dt
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.fake_llm import FakeLLM, count_tokens, tokenizer_name  # noqa: E402
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


class Bench:
    def __init__(self, work: Path) -> None:
        self.work = work
        self.cache = work / "cache.sqlite3"

    def feed(self, n: int) -> Path:
        path = self.work / f"feed-{n}.xml"
        if not path.exists():
            path.write_bytes(render_feed(CATS, DAY, synthetic_items(n, CATS, seed=n)))
        return path

    def run_cli(self, fake: FakeLLM | None, args: list[str], out: str) -> tuple[float, float, int]:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("ARXIV_DIGEST_", "OPENAI_"))
        }
        env.update(
            ARXIV_DIGEST_CACHE=str(self.cache),
            ARXIV_DIGEST_PROMPTS_DIR=str(ROOT / "prompts"),
            OPENAI_API_KEY="sk-bench",
        )
        if fake is not None:
            env["OPENAI_BASE_URL"] = fake.base_url
        command = [
            sys.executable,
            "-m",
            "arxiv_digest",
            "summarize",
            *args,
            "-o",
            str(self.work / out),
        ]
        started = time.monotonic()
        proc = subprocess.Popen(
            command, env=env, cwd=self.work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        assert proc.stderr is not None
        stderr = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - started
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):
            raise SystemExit(f"CLI failed ({code}): {stderr.decode()[-2000:]}")
        return wall, usage.ru_maxrss / 1024, code


def usage_per_paper(fake: FakeLLM, n: int, since: int = 0) -> tuple[float, float]:
    answered = [c for c in fake.calls[since:] if c.status == 200]
    prompt = sum(c.prompt_tokens for c in answered)
    completion = sum(c.completion_tokens for c in answered)
    return prompt / max(n, 1), completion / max(n, 1)


def scenario_1_2(bench: Bench) -> list[Result]:
    n, c, latency = 500, 32, 1.0
    fake = FakeLLM(latency=latency, jitter=0.2, seed=1).start()
    feed = str(bench.feed(n))
    args = ["--feed", feed, "--no-enrich", "--concurrency", str(c)]
    try:
        wall, rss, _ = bench.run_cli(fake, args, "out12")
        ideal = math.ceil(n / c) * latency
        prompt, completion = usage_per_paper(fake, n)
        first = Result(
            "1 pool N=500 L=1s C=32",
            n,
            len(fake.calls),
            wall,
            ideal,
            prompt,
            completion,
            fake.count("429"),
            rss,
            "ratio <= 1.15",
            wall / ideal <= 1.15,
        )
        before = len(fake.calls)
        wall2, rss2, _ = bench.run_cli(fake, args, "out12")
        calls2 = len(fake.calls) - before
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
        )
    finally:
        fake.stop()
    return [first, second]


def scenario_3(bench: Bench) -> list[Result]:
    n, rpm, latency = 120, 60, 1.0
    fake = FakeLLM(latency=latency, jitter=0.2, rpm_cap=rpm, seed=3).start()
    bench.cache.unlink(missing_ok=True)
    args = ["--feed", str(bench.feed(n)), "--no-enrich", "--rpm", str(rpm), "--concurrency", "8"]
    try:
        wall, rss, _ = bench.run_cli(fake, args, "out3")
        starts = sorted(c.at for c in fake.calls)
        per_min = (len(starts) - 1) / (starts[-1] - starts[0]) * 60 if len(starts) > 1 else 0.0
        refused = fake.count("rpm")
        prompt, completion = usage_per_paper(fake, n)
        ideal = max(math.ceil(n / 8) * latency, len(fake.calls) / rpm * 60)
        return [
            Result(
                "3 RPM cap 60, N=120",
                n,
                len(fake.calls),
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
        fake.stop()


def scenario_4(bench: Bench) -> list[Result]:
    n, rpm, k, latency, c = 300, 60, 5, 1.0, 8
    fake = FakeLLM(latency=latency, jitter=0.2, rpm_cap=rpm, seed=4).start()
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
        wall, rss, _ = bench.run_cli(fake, args, "out4")
        calls = len(fake.calls)
        ideal = max(math.ceil(calls / c) * latency, calls / rpm * 60)
        per_request = n / calls
        prompt, completion = usage_per_paper(fake, n)
        return [
            Result(
                f"4 batch k={k}, RPM 60, N=300",
                n,
                calls,
                wall,
                ideal,
                prompt,
                completion,
                fake.count("rpm"),
                rss,
                ">= 4.5 papers/request, ratio <= 1.15",
                per_request >= 4.5 and wall / ideal <= 1.15,
                f"({per_request:.2f} papers/request)",
            )
        ]
    finally:
        fake.stop()


def scenario_5(bench: Bench) -> list[Result]:
    n = 2000
    feed = str(bench.feed(n))
    wall, rss, _ = bench.run_cli(None, ["--feed", feed, "--no-enrich", "--no-llm"], "out5")
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


SCENARIOS = {
    "1": scenario_1_2,  # 2 runs right after 1, on its cache
    "3": scenario_3,
    "4": scenario_4,
    "5": scenario_5,
    "6": scenario_6,
}


def main() -> int:
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
