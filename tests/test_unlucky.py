"""Nothing is lost: full disks, unwritable folders, damaged caches, signals and two runs at once,
each done for real (a small tmpfs, real subprocesses, real signals)."""

from __future__ import annotations

import contextlib
import os
import re
import resource
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arxiv_digest.cli import Terminated, app
from arxiv_digest.errors import StorageError
from arxiv_digest.storage import write_files
from arxiv_digest.summarize.cache import SummaryCache
from tests.conftest import MULTI, QUANT_PH
from tests.support.fake_llm import FakeLLM
from tests.support.http_server import Reply
from tests.test_faults import feed_file, summarize_args

runner = CliRunner()
DAY = Path("output") / "2026-09-24"
NAME = "cs.LG+cs.AI+cs.CL+stat.ML"


def summarize(*args: str):
    return runner.invoke(app, ["summarize", "--feed", str(MULTI), "--no-enrich", *args])


def one_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.stderr + result.stdout
    return lines[-1]


@contextlib.contextmanager
def small_disk(path: Path, size: str) -> Iterator[bool]:
    """A real tmpfs of ``size`` at ``path`` where the machine lets us mount one (as root here
    and in CI); else False, and the caller limits file size with RLIMIT_FSIZE instead."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = (
        os.geteuid() == 0
        and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
            capture_output=True,
        ).returncode
        == 0
    )
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(path)], check=False)


def run_cli(args: list[str], *, fsize: int | None = None, **popen) -> subprocess.CompletedProcess:
    def limit() -> None:
        if fsize is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a kill
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    popen.setdefault("env", dict(os.environ))
    return subprocess.run(
        [sys.executable, "-m", "arxiv_digest", *args],
        capture_output=True,
        text=True,
        preexec_fn=limit,
        **popen,
    )


# -- the output folder ------------------------------------------------------------------------
def fill(folder: Path) -> None:
    """Write until the device says it is full."""
    with contextlib.suppress(OSError), (folder / "filler").open("wb") as handle:
        while True:
            handle.write(b"x" * 4096)
            handle.flush()


def test_disk_full_exits_4_naming_the_file_and_keeps_the_old_day(isolated: Path):
    disk = isolated / "disk"
    with small_disk(disk, "256k") as mounted:
        out = disk / "output"
        args = ["summarize", "--feed", str(MULTI), "--no-llm", "--no-enrich", "-o", str(out)]
        first = run_cli(args)
        assert first.returncode == 0, first.stderr
        day = out / "2026-09-24"
        before = {p.name: p.read_bytes() for p in day.iterdir()}
        if mounted:
            fill(disk)  # ENOSPC from here on
            again = run_cli([*args, "--force"])
        else:  # no tmpfs to be had: the same failure at the write layer, as EFBIG
            again = run_cli([*args, "--force"], fsize=4096)
        assert again.returncode == 4, again.stderr
        assert "Traceback" not in again.stderr
        last = again.stderr.strip().splitlines()[-1]
        assert last.startswith(f"error: cannot write {day}/")
        if mounted:
            assert last.endswith("no space left on the device")
        assert {p.name: p.read_bytes() for p in day.iterdir()} == before  # old files intact
        assert not list(disk.rglob("*.tmp"))


def test_output_that_cannot_be_a_folder_exits_4(isolated: Path):
    (isolated / "output").write_text("a file where the folder should be")
    result = runner.invoke(
        app, ["summarize", "--feed", str(QUANT_PH), "--no-llm", "--no-enrich"]
    )
    assert result.exit_code == 4
    assert one_line(result).startswith("error: cannot write output/2025-04-28/quant-ph.")


def test_md_and_json_are_replaced_together_or_not_at_all(isolated: Path, monkeypatch):
    md, js = isolated / "d.md", isolated / "d.json"
    md.write_text("old md")
    js.write_text("old json")
    real_fsync = os.fsync
    calls = []

    def fsync_then_signal(fd: int) -> None:
        calls.append(fd)
        real_fsync(fd)
        if len(calls) == 2:  # both temps written: SIGTERM arrives before the renames
            raise Terminated

    monkeypatch.setattr(os, "fsync", fsync_then_signal)
    with pytest.raises(Terminated):
        write_files([(js, "new json"), (md, "new md")])
    assert (md.read_text(), js.read_text()) == ("old md", "old json")
    assert sorted(p.name for p in isolated.iterdir()) == ["d.json", "d.md"]  # no temps left


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640)])
def test_files_get_the_umask_mode(isolated: Path, umask: int, mode: int):
    previous = os.umask(umask)
    try:
        result = runner.invoke(
        app, ["summarize", "--feed", str(QUANT_PH), "--no-llm", "--no-enrich"]
    )
    finally:
        os.umask(previous)
    assert result.exit_code == 0
    for path in (isolated / "output").rglob("*.*"):
        assert path.stat().st_mode & 0o777 == mode, path


def test_redirect_loop_exits_3_in_one_line(server, isolated: Path, monkeypatch):
    server.route("/rss/quant-ph", Reply(302, headers={"Location": "/rss/quant-ph"}))
    monkeypatch.setenv("ARXIV_DIGEST_RSS_URL", server.url + "/rss")
    result = runner.invoke(app, ["summarize", "-c", "quant-ph", "--no-llm", "--no-enrich"])
    assert result.exit_code == 3
    assert "redirect loop" in one_line(result)


# -- the cache --------------------------------------------------------------------------------
def test_a_cache_that_is_not_a_database_is_moved_aside_and_rebuilt(llm: FakeLLM, isolated: Path):
    cache = isolated / "cache.sqlite3"  # SQLite's header, then damage (a file not SQLite's is
    cache.write_bytes(b"SQLite format 3\x00" + b"this is not sqlite" * 100)  # refused: test_files)
    result = summarize()
    assert result.exit_code == 0, result.stderr
    assert "was not a database; moved it to" in result.stderr
    aside = list(isolated.glob("cache.sqlite3.corrupt-*"))
    assert len(aside) == 1 and b"this is not sqlite" in aside[0].read_bytes()
    with sqlite3.connect(cache) as db:
        assert db.execute("SELECT COUNT(*) FROM summaries").fetchone()[0] == 4


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """The folder and its files read-only: a read-only bind mount as root, permissions else."""
    subprocess.run(["mount", "--bind", str(folder), str(folder)], check=False)
    remounted = subprocess.run(
        ["mount", "-o", "remount,ro,bind", str(folder)], capture_output=True
    ).returncode == 0
    if not remounted:  # not root: plain permissions do it
        for path in folder.iterdir():
            path.chmod(0o444)
        folder.chmod(0o555)
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
        folder.chmod(0o755)


def test_a_read_only_cache_exits_4(llm: FakeLLM, isolated: Path, monkeypatch):
    assert summarize().exit_code == 0
    folder = isolated / "ro"
    folder.mkdir()
    cache = folder / "cache.sqlite3"
    with sqlite3.connect(isolated / "cache.sqlite3") as db, sqlite3.connect(cache) as copy:
        db.backup(copy)
    monkeypatch.setenv("ARXIV_DIGEST_CACHE", str(cache))
    monkeypatch.setenv("ARXIV_DIGEST_LOCK_WAIT", "0")
    with read_only(folder):
        result = summarize("--force", "--date", "2026-09-25")
    assert result.exit_code == 4, result.stderr
    line = one_line(result)
    assert str(folder) in line and "error:" in line


def test_a_cache_locked_by_another_program_is_storage_error(isolated: Path):
    path = isolated / "locked.sqlite3"
    SummaryCache(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        cache = SummaryCache(path, busy_timeout=0.2)
        with pytest.raises(StorageError, match="another process holds it locked"):
            cache.record_failure("k", "2501.00001", "why")
    finally:
        holder.execute("ROLLBACK")
        holder.close()


# -- signals ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)]
)
def test_a_signal_stops_the_run_keeps_the_cache_and_says_how_far(
    llm: FakeLLM, isolated: Path, sig: int, code: int
):
    llm.latency = 0.1
    feed = feed_file(isolated, 60)
    command = [sys.executable, "-m", "arxiv_digest", *summarize_args(feed, "--concurrency", "2")]
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    deadline = time.monotonic() + 30
    while len(llm.answered()) < 10 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == code, stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("interrupted: ") and last.endswith("; run again to finish")
    done = int(last.split()[1])
    assert 0 < done < 60 and "of 60 summarized and cached" in last
    with sqlite3.connect(isolated / "cache.sqlite3") as db:  # what it says is what was kept
        assert db.execute("SELECT COUNT(*) FROM summaries").fetchone()[0] == done
    assert not (isolated / "output").exists() and not list(isolated.rglob("*.tmp"))
    calls = len(llm.calls)
    again = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ))
    assert again.returncode == 0, again.stderr
    assert f"cached {done}, asked {60 - done}" in again.stderr
    assert len(llm.calls) - calls == 60 - done


# -- two runs at once -------------------------------------------------------------------------
def test_two_runs_at_once_never_ask_twice(llm: FakeLLM, isolated: Path):
    llm.latency = 0.05
    feed = feed_file(isolated, 40)
    command = [sys.executable, "-m", "arxiv_digest", *summarize_args(feed)]
    env = dict(os.environ)
    first = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env)
    time.sleep(0.3)
    second = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env)
    err1, err2 = first.communicate(timeout=60)[1], second.communicate(timeout=60)[1]
    assert (first.returncode, second.returncode) == (0, 0), err1 + err2
    assert len(llm.calls) == 40  # not 80
    waited = err2 if "waiting" in err2 else err1
    assert f"for another run (pid {first.pid if waited is err2 else second.pid})" in waited


def test_a_second_run_gives_up_after_the_wait_naming_the_holder(llm: FakeLLM, isolated: Path):
    llm.latency = 0.2
    feed = feed_file(isolated, 20)
    command = [sys.executable, "-m", "arxiv_digest", *summarize_args(feed, "--concurrency", "1")]
    first = subprocess.Popen(command, stderr=subprocess.DEVNULL, env=dict(os.environ))
    deadline = time.monotonic() + 20
    while not llm.calls and time.monotonic() < deadline:
        time.sleep(0.05)
    second = run_cli(summarize_args(feed), env={**os.environ, "ARXIV_DIGEST_LOCK_WAIT": "0.5"})
    first.kill()
    first.wait()
    assert second.returncode == 4
    last = second.stderr.strip().splitlines()[-1]
    assert f"another run (pid {first.pid}) is in progress" in last


def test_a_read_only_cache_costs_a_no_llm_digest_only_its_seeds(
    isolated: Path, server, monkeypatch
):
    """--no-llm never needs the cache; the seed table and the index of earlier days in it are
    extras: without them the digest is still written, with a warning, never a traceback."""
    (isolated / "arxiv-digest.toml").write_text(
        '[[groups]]\nname = "q"\ntitle = "量子"\ncategories = ["quant-ph"]\n'
        'interests = "Rydberg atoms"\nseeds = ["hep-ex/0307015"]\n'
    )
    api = (Path(__file__).parent / "fixtures" / "api" /
           "api_idlist-hep-ex0307015_2021-03-25_dialect-map-io.xml").read_bytes()  # fmt: skip
    server.route("/api/query", Reply(body=api))
    monkeypatch.setenv("ARXIV_DIGEST_API_URL", server.url + "/api/query")
    folder = isolated / "ro"
    folder.mkdir()
    sqlite3.connect(folder / "cache.sqlite3").close()  # an empty database, read-only below
    monkeypatch.setenv("ARXIV_DIGEST_CACHE", str(folder / "cache.sqlite3"))
    with read_only(folder):
        result = runner.invoke(app, ["summarize", "--feed", str(QUANT_PH), "-g", "q", "--no-llm"])
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "ranking without seeds" in result.stderr
    md = (isolated / "output" / "2025-04-28" / "q.md").read_text()
    assert re.search(r"\]\(#2504.18074\) — \d+ 分，匹配: Rydberg atoms", md)  # interests still rank
