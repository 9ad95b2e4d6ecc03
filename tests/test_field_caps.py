"""Every feed and API field has a cap, cut with a warning, and long fields cost linear time."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.sources.api import clipped, parse_api_response
from tests.conftest import FIXTURES
from tests.support.feedgen import render_feed, synthetic_items

runner = CliRunner()
DAY = dt.date(2025, 4, 28)
API = FIXTURES / "api" / "api_newbackend_cat-cs.CL_max3_2026-09-24_laya-reader.xml"


def test_overlong_feed_fields_are_cut_with_a_warning_in_linear_time(isolated: Path):
    """One 60,000-character author name took 319 s; a "$1"*3000 abstract 2.3 s."""
    items = synthetic_items(6, ["cs.SD"], seed=5)
    items[0].authors = ["Jos\\'e " * 10_000, "B"]  # 70,000 characters of TeX in one name
    items[1].authors = [f"Author {i}" for i in range(700)]
    items[2].categories = ["cs.SD", *(f"math.{a}{b}" for a in "AB" for b in "ABCDEFGHIJKLMNOPQRST")]
    items[3].abstract = "$1" * 3000
    items[4].title = "T " * 1000
    feed = isolated / "long.xml"
    feed.write_bytes(render_feed(["cs.SD"], DAY, items))
    started = time.perf_counter()
    result = runner.invoke(
        app, ["summarize", "--feed", str(feed), "--no-llm", "--no-enrich", "-c", "cs.SD"]
    )
    seconds = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    assert seconds < 10
    warned = result.stderr
    assert f"{items[0].id}: cut an author's name to 1000 characters" in warned
    assert f"{items[1].id}: cut the authors to the first 500 of 700" in warned
    assert f"{items[2].id}: cut the categories to the first 20 of 41" in warned
    assert f"{items[4].id}: cut the title to 1000 characters" in warned
    data = json.loads((isolated / "output" / "2025-04-28" / "cs.SD.json").read_text())
    papers = {p["id"]: p for p in data["papers"]}
    assert max(len(a) for a in papers[items[0].id]["authors"]) <= 1002
    assert len(papers[items[1].id]["authors"]) == 500
    assert len(papers[items[2].id]["categories"]) == 20


def test_overlong_api_fields_are_cut_and_named():
    text = API.read_text()
    long = "x " * 3000
    data = text.replace("<arxiv:comment>Published", f"<arxiv:comment>{long}Published", 1)
    metadata = parse_api_response(data.encode())
    (cut,) = [key for key, extra in metadata.items() if "clipped" in extra]
    assert len(metadata[cut]["comment"]) <= 1002
    assert clipped(metadata) == [f"{cut}: cut the comment to 1000 characters"]
