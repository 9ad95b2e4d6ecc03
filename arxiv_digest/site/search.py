"""The search index: Pagefind's extended build (it segments Chinese), from the optional extra
``arxiv-digest[site]``, which ships the binary in its wheel: nothing is downloaded at run time.
Without it the site is built all the same, without the search box."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from arxiv_digest.errors import StorageError

TIMEOUT = 900  # seconds for one month's index; a month takes a few


def pagefind_binary() -> Path | None:
    """The extended binary, else the plain one (no Chinese word segmentation), else None."""
    try:
        import pagefind_bin_extended

        return Path(pagefind_bin_extended.get_executable())
    except (ImportError, FileNotFoundError):
        pass
    try:
        import pagefind_bin  # type: ignore[import-not-found]

        return Path(pagefind_bin.get_executable())
    except (ImportError, FileNotFoundError):
        return None


class Indexer:
    """One Pagefind bundle per month (``pagefind/YYYY-MM/``), merged in the browser. A month is
    handed over as soon as its pages are written, and indexed while later months are still being
    rendered, up to ``parallel`` Pagefind processes at once (one runs on about one core); a month
    whose pages did not change keeps the last build's bundle. ``pagefind/months.json`` lists
    them, newest first."""

    def __init__(self, binary: Path, site: Path, old: Path | None, parallel: int) -> None:
        self.binary, self.site, self.old, self.parallel = binary, site, old, max(1, parallel)
        self.waiting: list[str] = []
        self.running: list[_Run] = []
        self.built: set[str] = set()

    def add(self, month: str, changed: bool) -> None:
        previous = self.old / "pagefind" / month if self.old is not None else None
        if not changed and previous is not None and _complete(previous):
            _link(previous, self.site / "pagefind" / month)
        else:
            self.waiting.append(month)
        self.poll()

    def again(self, month: str) -> None:
        """Index a month anew (its pages changed after it was handed over)."""
        self.wait()
        shutil.rmtree(self.site / "pagefind" / month, ignore_errors=True)
        self.waiting.append(month)
        self.poll()

    def poll(self) -> None:
        """Collect the finished runs (a failed one raises StorageError) and start waiting ones."""
        for run in list(self.running):
            if run.finished():
                self.running.remove(run)
                self.built.add(run.month)
        while self.waiting and len(self.running) < self.parallel:
            self.running.append(_Run(self.binary, self.site, self.waiting.pop(0)))

    def wait(self) -> None:
        while self.running or self.waiting:
            self.poll()
            if self.running:
                self.running[0].wait(0.05)

    def finish(self, months: list[str]) -> str:
        self.wait()
        folder = self.site / "pagefind"
        folder.mkdir(exist_ok=True)
        for bundle in folder.iterdir():
            if bundle.is_dir() and bundle.name not in months:
                shutil.rmtree(bundle)  # a month indexed before all its digests proved unreadable
        (folder / "months.json").write_text(json.dumps(months), encoding="utf-8")
        return f"pagefind ({len(self.built & set(months))} of {len(months)} monthly indexes built)"

    def close(self) -> None:
        """Stop what still runs (the build failed)."""
        for run in self.running:
            run.kill()
        self.running, self.waiting = [], []


def _complete(bundle: Path) -> bool:
    return (bundle / "pagefind-entry.json").is_file() and (bundle / "pagefind.js").is_file()


def _link(source: Path, target: Path) -> None:
    for path in source.rglob("*"):
        if path.is_file():
            (target / path.relative_to(source)).parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(path, target / path.relative_to(source))
            except OSError:
                shutil.copy2(path, target / path.relative_to(source))


class _Run:
    """One month's Pagefind process; its messages go to a temporary file (a pipe nobody reads
    while it runs could fill and stall it)."""

    def __init__(self, binary: Path, site: Path, month: str) -> None:
        self.month, self.binary = month, binary
        command = [str(binary), "--site", str(site), "--glob", f"{month}-*/*.html",
                   "--output-subdir", f"pagefind/{month}", "--quiet"]
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in finished() or kill())
        self.started = time.monotonic()
        try:
            self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)
        except OSError as exc:
            self.log.close()
            raise StorageError(f"search index: cannot run {binary}: {exc}") from None

    def finished(self) -> bool:
        code = self.process.poll()
        if code is None:
            if time.monotonic() - self.started > TIMEOUT:
                self.kill()
                raise StorageError(f"search index: {self.binary} took over {TIMEOUT} s")
            return False
        self.log.seek(0)
        text = self.log.read().decode("utf-8", "replace")
        self.log.close()
        if code != 0:
            lines = text.strip().splitlines() or ["no message"]
            raise StorageError(f"search index: Pagefind exited {code}: {lines[-1]}")
        return True

    def wait(self, seconds: float) -> None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(seconds)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        self.log.close()
