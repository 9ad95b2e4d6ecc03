"""The search index: Pagefind's extended build (it segments Chinese), from the optional extra
``arxiv-digest[site]``, which ships the binary in its wheel: nothing is downloaded at run time.
Without it the site is built all the same, without the search box."""

from __future__ import annotations

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


def index(site: Path, say: Callable[[str], None]) -> str:
    binary = pagefind_binary()
    if binary is None:
        say("search left out: Pagefind is not installed (pip install 'arxiv-digest[site]')")
        return "none: Pagefind not installed"
    if "extended" not in binary.name:
        say("Pagefind without its extended build: Chinese text is not split into words")
    try:
        done = subprocess.run(
            [str(binary), "--site", str(site), "--quiet"],
            capture_output=True, text=True, timeout=900, check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise StorageError(f"search index: cannot run {binary}: {exc}") from None
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines() or ["no message"]
        raise StorageError(f"search index: Pagefind exited {done.returncode}: {lines[-1]}")
    return "pagefind"
