"""Speed and resilience figures for arxiv-digest, against the physical limit.

Drives the real pipeline against the fake OpenAI-compatible server from tests/support (run in
its own process) and generated feeds in arXiv's exact RSS format, then prints per scenario:
papers, calls, wall seconds, ideal seconds = max(ceil(N/C)*L, calls/RPM*60), wall/ideal, tokens
per paper (from the usage the server reports), 429s, peak RSS. Scenarios 1, 3, 4 time
`summarize` in a warm process (feed to files; the whole CLI process time is printed beside it);
2 and 5 time the whole CLI process as users run it.

    python benchmarks/run.py            # every scenario (about 8 minutes)
    python benchmarks/run.py 1 2 5 6    # some of them (1a: scenario 1 with concurrency auto)
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from endpoint_scenarios import scenario_1_auto, scenario_7, scenario_8, scenario_9
from harness import HEADER, ROOT, Bench, Result, Server, per_paper
from history_scenario import scenario_11
from rank_scenario import scenario_10
from relevance import scenario_12

from tests.support.fake_llm.tokens import count_tokens, tokenizer_name


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
    "1a": scenario_1_auto,
    "3": scenario_3,
    "4": scenario_4,
    "5": scenario_5,
    "6": scenario_6,
    "7": scenario_7,
    "8": scenario_8,
    "9": scenario_9,
    "10": scenario_10,
    "11": scenario_11,
    "12": scenario_12,
}


def main() -> int:
    if sys.argv[1:2] == ["--inner"]:
        inner(sys.argv[2:])
        return 0
    chosen = sys.argv[1:] or list(SCENARIOS)
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
