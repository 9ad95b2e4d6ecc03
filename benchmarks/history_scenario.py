"""Scenario 11: the 首次收录 index (history.py) over a year of digests, freshly checked out.

GitHub Actions checks the repository out anew for every run, which gives every file in output/
a new modification time. The index must then cost next to nothing over an empty folder: it
knows a file by its size and a hash of its bytes, not by its time.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path

from harness import ROOT, Bench, Result

DAYS, PAPERS = 250, 500


def _year(output: Path) -> None:
    """250 weekdays of one group's digest, 500 real-sized papers each (real quant-ph text)."""
    from arxiv_digest.models import Digest, Entry, Group
    from arxiv_digest.sources.feed import parse_feed

    real = parse_feed((ROOT / "tests/fixtures/rss/rss2_quant-ph_2025-04-28_RSSFeeds.jl.xml")
                      .read_bytes()).papers  # fmt: skip
    group = Group(name="quant-ph", title="量子物理", categories=["quant-ph"])
    day = dt.date(2025, 1, 6)
    for d in range(DAYS):
        month = f"25{d // 21 + 1:02d}"
        entries = [
            Entry(
                paper=real[i % len(real)].model_copy(update={"id": f"{month}.{d * 500 + i:05d}"}),
                status="ok",
                tags=["量子"],
                summary="一篇论文的中文简介。" * 8,
            )
            for i in range(PAPERS)
        ]
        folder = output / day.isoformat()
        folder.mkdir(parents=True)
        digest = Digest(date=day, group=group, entries=entries)
        (folder / "quant-ph.json").write_text(json.dumps(digest.to_json(), ensure_ascii=False))
        day += dt.timedelta(days=3 if day.weekday() == 4 else 1)


def _open(cache: Path, output: Path) -> float:
    from arxiv_digest.history import History

    started = time.perf_counter()
    History(cache, output).close()
    return time.perf_counter() - started


def scenario_11(bench: Bench) -> list[Result]:
    root = bench.work / "history"
    output, empty = root / "output", root / "empty"
    empty.mkdir(parents=True)
    _year(output)
    size = sum(p.stat().st_size for p in output.glob("*/*.json")) / 2**20
    baseline = _open(root / "empty.sqlite3", empty)
    first = _open(root / "year.sqlite3", output)  # what every run paid when keyed by mtime
    later = time.time() + 60
    for path in output.glob("*/*.json"):  # a fresh checkout: every file a new mtime
        os.utime(path, (later, later))
    fresh = _open(root / "year.sqlite3", output)
    same = _open(root / "year.sqlite3", output)
    note = (
        f"(empty folder {baseline:.2f} s; fresh checkout {fresh:.2f} s; same folder again "
        f"{same:.2f} s; re-reading every file, as an mtime key did, {first:.1f} s; "
        f"{size:.0f} MB of JSON)"
    )
    name = f"11 首次收录 index, {DAYS} days x {PAPERS} papers, fresh checkout"
    met = fresh - baseline < 1.0
    return [Result(name, DAYS * PAPERS, 0, fresh, None, 0, 0, 0, 0, "< 1 s more", met, note)]
