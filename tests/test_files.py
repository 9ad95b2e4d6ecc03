"""Files in output/ and beside the cache are not all ours: hand-made, damaged, links, FIFOs."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.storage import SQLITE_HEADER
from tests.conftest import MULTI
from tests.support.fake_llm import FakeLLM

runner = CliRunner()
DAY = "2026-09-24"  # MULTI's announcement day
GROUP = "cs.LG+cs.AI+cs.CL+stat.ML"
EARLIER = Path("output") / "2026-09-23"


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """In a process of its own: a read that blocks would hang the test run, not just this test."""
    return subprocess.run(
        [sys.executable, "-m", "arxiv_digest", *args], capture_output=True, text=True,
        timeout=timeout, env=os.environ,
    )  # fmt: skip


def written_digest(isolated: Path) -> dict:
    result = runner.invoke(app, ["summarize", "--feed", str(MULTI), "--no-llm", "--no-enrich"])
    assert result.exit_code == 0, result.stderr
    return json.loads((isolated / "output" / DAY / f"{GROUP}.json").read_text())


def hostile_files(folder: Path, good: dict) -> list[str]:
    """Each kind of file that is not our digest, with a .md beside it (the index links those)."""
    folder.mkdir(parents=True, exist_ok=True)
    fifo = folder.parent.parent / "fifo"
    os.mkfifo(fifo)
    files = {
        "list.json": "[]",
        "types.json": json.dumps({**good, "date": 5, "papers": "x"}),
        "stats.json": json.dumps({**good, "group": "stats", "date": "2026-09-23", "stats": "x"}),
        "deep.json": "[" * 100_000,
        "utf16.json": json.dumps(good).encode("utf-16").decode("latin-1"),
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="latin-1")
    (folder / "fifo.json").symlink_to(fifo)
    (folder / "zero.json").symlink_to("/dev/zero")
    (folder / f"{GROUP}.json").symlink_to("/dev/zero")  # last_published reads this one by name
    names = [*files, "fifo.json", "zero.json", f"{GROUP}.json"]
    for name in names:
        (folder / name).with_suffix(".md").write_text("x")
    return names


def test_damaged_or_hand_made_json_is_skipped_with_a_warning_everywhere(
    llm: FakeLLM, isolated: Path
):
    good = written_digest(isolated)
    shutil.rmtree(isolated / "output" / DAY)
    names = hostile_files(isolated / EARLIER, good)
    started = time.monotonic()
    run = cli("summarize", "--feed", str(MULTI), "--no-enrich")  # heals, ranks, indexes
    assert run.returncode == 0, run.stderr
    assert time.monotonic() - started < 30
    assert "Traceback" not in run.stderr
    for name in names:
        assert f"{EARLIER / name}" in run.stderr, name
    index = (isolated / "output" / "README.md").read_text()
    assert DAY in index and "2026-09-23" not in index  # stats.json: not a count, not listed
    again = cli("index")
    assert again.returncode == 0 and "Traceback" not in again.stderr
    render = cli("render", "2026-09-23")
    assert render.returncode == 2 and "Traceback" not in render.stderr
    assert all(name in render.stderr for name in names)


def test_render_skips_a_bad_file_and_renders_the_good_ones(isolated: Path):
    written_digest(isolated)
    day = isolated / "output" / DAY
    (day / "list.json").write_text("[1]")
    (day / f"{GROUP}.md").write_text("old")
    result = runner.invoke(app, ["render", DAY])
    assert result.exit_code == 2
    assert "list.json holds a JSON list, not a digest" in result.stderr
    assert (day / f"{GROUP}.md").read_text().startswith("# ")


def test_a_forged_digest_never_makes_healing_overwrite_another_day(llm: FakeLLM, isolated: Path):
    good = written_digest(isolated)
    shutil.rmtree(isolated / "output" / DAY)
    victim = isolated / EARLIER / "victim.json"
    victim.parent.mkdir(parents=True)
    victim.write_text("mine")
    forged = {**good, "date": "2026-09-23", "group": "victim"}
    forged["papers"] = [{**p, "status": "failed", "error": "x"} for p in good["papers"]]
    (isolated / "output" / "2026-09-22").mkdir()
    (isolated / "output" / "2026-09-22" / "forged.json").write_text(json.dumps(forged))
    result = runner.invoke(app, ["summarize", "--feed", str(MULTI), "--no-enrich"])
    assert result.exit_code == 0, result.stderr
    assert victim.read_text() == "mine"
    assert "forged.json says it is 2026-09-23 'victim', not what its path says" in result.stderr


@pytest.mark.parametrize(
    ("date", "group"),
    [("2026-09-01", "x](https://evil.example/login) [y"), ("not a date", "g"),
     ("2026-09-01", "../../etc"), ("2026-09-01", None)],
)  # fmt: skip
def test_a_hostile_row_in_the_history_index_makes_no_link(isolated: Path, date, group):
    written_digest(isolated)
    replaced = next(p for p in json.loads(
        (isolated / "output" / DAY / f"{GROUP}.json").read_text())["papers"]
        if p["section"] == "replaced")  # fmt: skip
    with sqlite3.connect(isolated / "cache.sqlite3") as db:
        row = (replaced["id"], date, group)
        db.execute("INSERT INTO seen VALUES (?, ?, ?, 'new', 1, 'h')", row)
    result = runner.invoke(app, ["summarize", "--feed", str(MULTI), "--no-llm", "--no-enrich",
                                 "--force"])  # fmt: skip
    assert result.exit_code == 0, result.stderr
    markdown = (isolated / "output" / DAY / f"{GROUP}.md").read_text()
    assert "evil.example" not in markdown and "etc" not in markdown and "首次收录" not in markdown


# -- links: the lock, the cache, the output folder --------------------------------------------
def test_a_lock_that_is_a_symlink_is_refused_and_its_target_untouched(isolated: Path, llm):
    victim = isolated / "victim.txt"
    victim.write_text("precious")
    (isolated / "cache.sqlite3.lock").symlink_to(victim)
    result = runner.invoke(app, ["summarize", "--feed", str(MULTI), "--no-enrich"])
    assert result.exit_code == 4
    assert "cache.sqlite3.lock is a symbolic link" in result.stderr
    assert victim.read_text() == "precious" and not (isolated / "output").exists()


@pytest.mark.parametrize("kind", ["toml", "symlink", "wal-symlink", "fifo"])
def test_a_cache_that_is_not_ours_is_refused_never_moved(
    isolated: Path, llm: FakeLLM, monkeypatch, kind: str
):
    toml = isolated / "arxiv-digest.toml"
    toml.write_text('rpm = 0\n')
    cache = isolated / "cache.sqlite3"
    if kind == "toml":
        cache = toml
    elif kind == "symlink":
        cache.symlink_to(toml)
    elif kind == "wal-symlink":
        Path(f"{cache}-wal").symlink_to(isolated / "victim")
    else:
        os.mkfifo(cache)
    monkeypatch.setenv("ARXIV_DIGEST_CACHE", str(cache))
    result = runner.invoke(app, ["summarize", "--feed", str(MULTI), "--no-enrich"])
    assert result.exit_code == 4, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and str(cache) in result.stderr
    assert toml.read_text() == "rpm = 0\n" and not list(isolated.glob("*.corrupt-*"))
    assert not (isolated / "victim").exists() and llm.calls == []


def test_a_damaged_database_is_still_moved_aside(isolated: Path, llm: FakeLLM):
    cache = isolated / "cache.sqlite3"
    cache.write_bytes(SQLITE_HEADER + b"garbage" * 200)
    result = runner.invoke(app, ["summarize", "--feed", str(MULTI), "--no-enrich"])
    assert result.exit_code == 0, result.stderr
    assert "was not a database; moved it to" in result.stderr


@pytest.mark.parametrize("link", ["output", f"output/{DAY}", "output/feeds"])
def test_a_symlinked_output_or_day_folder_is_refused(isolated: Path, link: str):
    elsewhere = isolated / "elsewhere"
    elsewhere.mkdir()
    (isolated / link).parent.mkdir(parents=True, exist_ok=True)
    (isolated / link).symlink_to(elsewhere)
    result = runner.invoke(app, ["summarize", "--feed", str(MULTI), "--no-llm", "--no-enrich"])
    assert result.exit_code == 4
    assert "is a symbolic link" in result.stderr and list(elsewhere.iterdir()) == []


def test_a_feed_file_that_never_ends_is_refused_at_the_cap(isolated: Path):
    result = cli("summarize", "--feed", "/dev/zero", "-c", "cs.SD", "--no-llm", "--no-enrich")
    assert result.returncode == 2, result.stderr
    assert "feed /dev/zero is larger than 32 MB" in result.stderr
    assert "Traceback" not in result.stderr
