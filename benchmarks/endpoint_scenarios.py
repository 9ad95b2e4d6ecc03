"""Scenarios 7–9 and 1a: endpoints as they really are — one slot, a few slots, none at all —
with the default `concurrency = "auto"`."""

from __future__ import annotations

import math
import socket
import time

from harness import Bench, Result, Server, per_paper

from tests.support.fake_llm.answers import PLAIN_TOKENS


def scenario_1_auto(bench: Bench) -> list[Result]:
    """Scenario 1 (N=500, L=1 s, a server with room for all) with auto instead of C=32."""
    n, cap, latency = 500, 32, 1.0
    server = Server(latency, 0.2)
    bench.cache.unlink(missing_ok=True)
    args = ["--feed", str(bench.feed(n)), "--no-enrich"]
    try:
        run = bench.run_pipeline_full(server.base_url, args, "out1a")
        calls = server.calls()
    finally:
        server.stop()
    ideal = math.ceil(n / cap) * latency
    prompt, completion, refused = per_paper(calls, n)
    return [
        Result(
            "1a pool N=500 L=1s auto",
            n,
            len(calls),
            run.seconds,
            ideal,
            prompt,
            completion,
            refused,
            run.rss_mb,
            "ratio <= 1.25 (ramps up from 2)",
            run.seconds / ideal <= 1.25,
            f"(ideal at the cap of 32; timeouts {run.problem('timeout')})",
        )
    ]


def scenario_7(bench: Bench) -> list[Result]:
    """A server that answers one request at a time (llama.cpp, Ollama NUM_PARALLEL=1): answers
    of one length, then of different lengths (time in proportion to tokens, 1–2.3×), where a
    long first answer once made queueing look normal."""
    rows = []
    for name, n, variable in (("7 one-slot server N=60 auto", 60, False),
                              ("7b one-slot, variable lengths", 40, True)):
        latency = 1.0
        server = Server(latency, 0.2, parallel=1, variable=variable)
        bench.cache.unlink(missing_ok=True)
        try:
            run = bench.run_pipeline_full(
                server.base_url, ["--feed", str(bench.feed(n)), "--no-enrich"], f"out{name[:2]}"
            )
            calls = server.calls()
        finally:
            server.stop()
        # the server's own busy time: a plain answer takes L, a longer one its share of tokens
        ideal = (
            sum(latency * c[4] / PLAIN_TOKENS for c in calls if c[1] == 200)
            if variable
            else n * latency
        )
        failed = 0 if run.code == 0 else -1
        timeouts = run.problem("timeout")
        prompt, completion, refused = per_paper(calls, n)
        rows.append(
            Result(
                name,
                n,
                len(calls),
                run.seconds,
                ideal,
                prompt,
                completion,
                refused,
                run.rss_mb,
                "0 failed, 0 timeouts, ratio <= 1.15",
                failed == 0 and timeouts == 0 and run.seconds / ideal <= 1.15,
                f"(exit {run.code}, timeouts {timeouts}, {run.peak()})",
            )
        )
    return rows


def scenario_8(bench: Bench) -> list[Result]:
    """A server with 12 slots that queues the rest: auto against the best fixed concurrency."""
    n, latency, slots = 300, 1.0, 12
    figures: dict[str, tuple[float, int, int]] = {}
    for label, extra in (("fixed 12", ["--concurrency", str(slots)]), ("auto", [])):
        server = Server(latency, 0.2, parallel=slots)
        bench.cache.unlink(missing_ok=True)
        try:
            run = bench.run_pipeline_full(
                server.base_url,
                ["--feed", str(bench.feed(n)), "--no-enrich", *extra],
                f"out8-{label.replace(' ', '')}",
            )
            calls = len(server.calls())
        finally:
            server.stop()
        figures[label] = (run.seconds, run.problem("timeout"), calls)
    best, auto = figures["fixed 12"][0], figures["auto"][0]
    share = best / auto  # auto's throughput as a share of the best fixed one's
    return [
        Result(
            "8 12-slot server N=300 auto",
            n,
            figures["auto"][2],
            auto,
            math.ceil(n / slots) * latency,
            0,
            0,
            0,
            0,
            ">= 0.9 x best fixed throughput, 0 timeouts",
            share >= 0.9 and figures["auto"][1] == 0,
            f"(fixed 12: {best:.1f} s; auto at {share:.2f} of it; "
            f"timeouts {figures['auto'][1]})",
        )
    ]


def scenario_9(bench: Bench) -> list[Result]:
    """A dead endpoint (closed port): known in seconds, exit 3, nothing written."""
    n = 500
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    bench.cache.unlink(missing_ok=True)
    out = bench.work / "out9"
    started = time.monotonic()
    run = bench.run_cli_full(
        f"http://127.0.0.1:{port}/v1", ["--feed", str(bench.feed(n)), "--no-enrich"], "out9"
    )
    wall = time.monotonic() - started
    written = out.exists() and any(out.rglob("*.md"))
    return [
        Result(
            "9 closed port N=500",
            n,
            0,
            wall,
            None,
            0,
            0,
            0,
            run.rss_mb,
            "exit 3 within 30 s, nothing written",
            run.code == 3 and wall <= 30 and not written,
            f"(exit {run.code})",
        )
    ]
