"""The 首次收录 index follows the output's content, not its files' modification times."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from arxiv_digest import history
from arxiv_digest.models import Digest, Entry, Group, Paper
from arxiv_digest.sources.feed import parse_feed
from arxiv_digest.storage import write_digest
from tests.conftest import QUANT_PH

PAPERS = parse_feed(QUANT_PH.read_bytes()).papers[:6]
GROUP = Group(name="q", title="量子物理", categories=["quant-ph"])


def _day(output: Path, day: dt.date, papers: list[Paper]) -> Path:
    entries = [Entry(paper=p, status="skipped") for p in papers]
    digest = Digest(date=day, group=GROUP, entries=entries)
    return write_digest(output, digest, "# x\n")[1]


def test_a_fresh_checkout_reads_no_digest_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    output, cache = tmp_path / "output", tmp_path / "cache.sqlite3"
    first = _day(output, dt.date(2025, 4, 21), PAPERS[:3])
    _day(output, dt.date(2025, 4, 22), PAPERS[3:])
    reads: list[Path] = []
    real = history.parse_digest
    monkeypatch.setattr(
        history, "parse_digest", lambda data, path: reads.append(path) or real(data, path)
    )
    history.History(cache, output).close()
    assert len(reads) == 2
    later = first.stat().st_mtime + 3600
    for path in output.glob("*/*.json"):  # what a new checkout does to every file
        os.utime(path, (later, later))
    index = history.History(cache, output)
    assert len(reads) == 2  # same size and hash: nothing parsed again
    seen = index.first_seen(PAPERS[0], dt.date(2025, 4, 28))
    assert seen is not None and seen.date == dt.date(2025, 4, 21) and seen.number == 1
    index.close()
    _day(output, dt.date(2025, 4, 21), PAPERS[1:3])  # the day rewritten without the first paper
    index = history.History(cache, output)
    assert len(reads) == 3
    assert index.first_seen(PAPERS[0], dt.date(2025, 4, 28)) is None
    index.close()


def test_a_special_file_named_like_a_digest_is_not_read(tmp_path: Path):
    output = tmp_path / "output"
    _day(output, dt.date(2025, 4, 21), PAPERS[:1])
    os.mkfifo(output / "2025-04-21" / "fifo.json")  # opening it to read would block
    index = history.History(tmp_path / "cache.sqlite3", output)
    assert index.first_seen(PAPERS[0], dt.date(2025, 4, 28)) is not None
    index.close()
