"""Reusing the last build: a day's page does not change once its JSON stops changing, so a
rebuild renders only new and changed pages and hard-links the rest from the site it replaces.
The manifest (the marker file in the site's root) records each JSON file's hash and what each
page was rendered from; a change to the reader's own code renders everything again."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from arxiv_digest import __version__

FORMAT = 1
MARKER = ".arxiv-digest-site"


@dataclass
class Manifest:
    version: str = ""
    pages: dict[str, str] = field(default_factory=dict)  # page → stamp of what it was made from
    files: dict[str, dict[str, object]] = field(default_factory=dict)  # JSON file → its record

    @property
    def usable(self) -> bool:
        return bool(self.version) and self.version == code_version()


def code_version() -> str:
    """Changes whenever the package's version or the reader's templates, styles or code do."""
    digest = hashlib.sha1(__version__.encode())
    package = resources.files("arxiv_digest.site")
    for name in ("pages.py", "tex.py", "days.py", "build.py", "reuse.py"):
        digest.update((package / name).read_bytes())
    for folder in ("templates",):
        for item in sorted((package / folder).iterdir(), key=lambda p: p.name):
            if item.is_file():
                digest.update(item.read_bytes())
    return f"{FORMAT}-{digest.hexdigest()[:16]}"


def stamp(key: str, context: dict[str, object]) -> str:
    blob = json.dumps([key, context], ensure_ascii=False, sort_keys=True)
    return hashlib.sha1(blob.encode()).hexdigest()


def read_manifest(dest: Path) -> Manifest:
    try:
        data = json.loads((dest / MARKER).read_text(encoding="utf-8"))
        return Manifest(str(data["version"]), dict(data["pages"]), dict(data["files"]))
    except (OSError, ValueError, KeyError, TypeError):
        return Manifest()  # an older marker, or none: everything is rendered


def write_manifest(path: Path, manifest: Manifest) -> None:
    data = {"version": manifest.version, "pages": manifest.pages, "files": manifest.files}
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def link_tree(old: Path, work: Path) -> None:
    """The last build's day pages, as hard links (a copy where links are refused)."""
    for day in old.iterdir():
        if not (day.is_dir() and len(day.name) == 10 and day.name[4] == "-"):
            continue  # assets, feeds and the search index are written anew
        (work / day.name).mkdir(exist_ok=True)
        for page in day.glob("*.html"):
            try:
                os.link(page, work / day.name / page.name)
            except OSError:
                shutil.copy2(page, work / day.name / page.name)


def remove_stale(work: Path, hrefs: set[str]) -> set[str]:
    """Pages whose digest is gone, and day folders left empty; the pages removed."""
    removed: set[str] = set()
    for day in work.iterdir():
        if not (day.is_dir() and len(day.name) == 10 and day.name[4] == "-"):
            continue
        for page in day.glob("*.html"):
            if page.name != "index.html" and f"{day.name}/{page.name}" not in hrefs:
                page.unlink()
                removed.add(f"{day.name}/{page.name}")
        if [p.name for p in day.iterdir()] in ([], ["index.html"]):
            with contextlib.suppress(OSError):
                shutil.rmtree(day)
    return removed
