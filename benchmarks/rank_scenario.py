"""Scenario 10: relevance (rank.py) for 2,000 papers against a group's interests and seeds."""

from __future__ import annotations

import time

from harness import ROOT, Bench, Result

INTERESTS = (
    "quantum error correction, Rydberg atoms; lattice gauge theory\n"
    "variational quantum algorithms, quantum walks"
)


def scenario_10(bench: Bench) -> list[Result]:
    from arxiv_digest.models import Seed
    from arxiv_digest.rank import rank
    from arxiv_digest.sources.feed import parse_feed

    real = parse_feed((ROOT / "tests/fixtures/rss/rss2_quant-ph_2025-04-28_RSSFeeds.jl.xml")
                      .read_bytes()).papers  # fmt: skip
    # real abstracts (TeX, long words, real vocabulary), repeated to a big day's size
    papers = [
        p.model_copy(update={"id": f"2504.{10000 + k * len(real) + i:05d}"})
        for k in range(-(-2000 // len(real)))
        for i, p in enumerate(real)
    ][:2000]
    seeds = [Seed(id=p.id, title=p.title, abstract=p.abstract) for p in real[:2]]
    start_cpu, start = time.process_time(), time.perf_counter()
    ranked = rank(papers, INTERESTS, seeds)
    cpu, wall = time.process_time() - start_cpu, time.perf_counter() - start
    matched = sum(1 for r in ranked.values() if r.score)
    return [
        Result(
            "10 rank 2000 (5 phrases, 2 seeds)",
            len(papers),
            0,
            wall,
            None,
            0,
            0,
            0,
            0,
            "< 1 s CPU",
            cpu < 1.0,
            f"({cpu:.2f} s CPU; {matched} papers with a score above 0)",
        )
    ]
