"""The search index: Pagefind's extended build (it segments Chinese), from the optional extra
``arxiv-digest[site]``, which ships the binary in its wheel: nothing is downloaded at run time.
Without it the site is built all the same, without the search box."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from arxiv_digest.errors import StorageError


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


def index(
    site: Path, months: list[str], changed: set[str], old: Path | None,
    say: Callable[[str], None],
) -> str:
    """One Pagefind bundle per month (``pagefind/YYYY-MM/``), merged in the browser: a day's build
    indexes only the months whose pages changed and keeps the other bundles of the last build.
    ``pagefind/months.json`` lists them, newest first."""
    binary = pagefind_binary()
    if binary is None:
        say("search left out: Pagefind is not installed (pip install 'arxiv-digest[site]')")
        return "none: Pagefind not installed"
    if "extended" not in binary.name:
        say("Pagefind without its extended build: Chinese text is not split into words")
    built = 0
    for month in months:
        previous = old / "pagefind" / month if old is not None else None
        if month not in changed and previous is not None and _complete(previous):
            _link(previous, site / "pagefind" / month)
            continue
        _run(binary, site, month)
        built += 1
    (site / "pagefind" / "months.json").write_text(json.dumps(months), encoding="utf-8")
    return f"pagefind ({built} of {len(months)} monthly indexes built)"


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


def _run(binary: Path, site: Path, month: str) -> None:
    command = [str(binary), "--site", str(site), "--glob", f"{month}-*/*.html",
               "--output-subdir", f"pagefind/{month}", "--quiet"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise StorageError(f"search index: cannot run {binary}: {exc}") from None
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines() or ["no message"]
        raise StorageError(f"search index: Pagefind exited {done.returncode}: {lines[-1]}")
