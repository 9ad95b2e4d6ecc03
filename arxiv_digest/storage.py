"""The output folder on disk: atomic writes, what was published when."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from pathlib import Path

from arxiv_digest.models import Digest

DAY_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def atomic_write(path: Path, text: str) -> None:
    """Temp file in the same folder, fsync, rename: readers see the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def day_dirs(output: Path) -> list[Path]:
    """Day folders, newest first."""
    if not output.is_dir():
        return []
    days = [p for p in output.iterdir() if p.is_dir() and DAY_DIR.match(p.name)]
    return sorted(days, key=lambda p: p.name, reverse=True)


def digest_paths(output: Path, date: dt.date, group: str) -> tuple[Path, Path]:
    folder = output / date.isoformat()
    return folder / f"{group}.md", folder / f"{group}.json"


def load_digest(path: Path) -> Digest:
    return Digest.from_json(json.loads(path.read_text(encoding="utf-8")))


def last_published(output: Path, group: str, before: dt.date) -> Digest | None:
    """The group's most recent digest from an earlier day, if any."""
    for day in day_dirs(output):
        if day.name >= before.isoformat():
            continue
        path = day / f"{group}.json"
        if path.is_file():
            try:
                return load_digest(path)
            except (OSError, ValueError, KeyError):
                continue
    return None


def write_digest(output: Path, digest: Digest, markdown: str) -> tuple[Path, Path]:
    md_path, json_path = digest_paths(output, digest.date, digest.group.name)
    payload = json.dumps(digest.to_json(), ensure_ascii=False, indent=2) + "\n"
    atomic_write(json_path, payload)
    atomic_write(md_path, markdown)
    return md_path, json_path
