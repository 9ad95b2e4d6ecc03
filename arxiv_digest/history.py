"""Which earlier digest in the output folder first had a paper: "首次收录" for replacements.

Reading every day's JSON on every run would grow with the archive, so an index of (paper, day,
group, section, number, abstract hash) sits in the summary cache's database file and is brought
up to date from the files whose content changed. A file is known by its size and a hash of its
bytes (SHA-1, the fastest here; nothing rests on it but noticing a change), not by its time: a
fresh checkout (GitHub Actions checks out every run) gives every file a new modification time,
and re-reading a year of digests cost 12-30 s a run, where hashing them costs well under a
second; on a machine that keeps its folder, an unchanged time and size skip even that. The
files stay the truth: lose the index and the next run rebuilds it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sqlite3
import stat
from pathlib import Path
from typing import get_args

from arxiv_digest.models import FirstSeen, Paper, Section
from arxiv_digest.storage import (
    NotADigest,
    check_db_file,
    day_dirs,
    parse_digest,
    read_digest_bytes,
    safe_name,
)

SECTIONS: tuple[Section, ...] = get_args(Section)  # "new", "replaced": the digest's order

SCHEMA = """
CREATE TABLE IF NOT EXISTS seen (
    id TEXT, date TEXT, grp TEXT, section TEXT, number INTEGER, abstract TEXT,
    PRIMARY KEY (id, date, grp)
);
DROP TABLE IF EXISTS seen_files;
CREATE TABLE IF NOT EXISTS seen_content (
    path TEXT PRIMARY KEY, size INTEGER, hash TEXT, mtime REAL
);
"""


def abstract_hash(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:16]


class History:
    def __init__(self, path: Path, output: Path) -> None:
        check_db_file(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=10)
        self.db.executescript(SCHEMA)
        self._sync(output)

    def _sync(self, output: Path) -> None:
        known = {
            path: (size, digest, mtime)
            for path, size, digest, mtime in self.db.execute("SELECT * FROM seen_content")
        }
        with self.db:
            for day in day_dirs(output):
                for path in day.glob("*.json"):
                    self._update(path, known.get(str(path)))

    def _update(self, path: Path, known: tuple[int, str, float] | None) -> None:
        try:
            info = os.lstat(path)
            if not stat.S_ISREG(info.st_mode):
                return  # a link or a special file is no digest of ours (and may block)
            if known and known[0] == info.st_size and known[2] == info.st_mtime:
                return  # untouched since it was indexed
            data = read_digest_bytes(path)  # capped; never a link swapped in meanwhile
        except (OSError, NotADigest):
            return
        digest = hashlib.sha1(data, usedforsecurity=False).hexdigest()
        if not (known and known[:2] == (len(data), digest)):
            self._index(path, data)  # (a file not ours is remembered too, read again once changed)
        self.db.execute(
            "INSERT OR REPLACE INTO seen_content VALUES (?, ?, ?, ?)",
            (str(path), len(data), digest, info.st_mtime),
        )

    def _index(self, path: Path, data: bytes) -> None:
        try:  # the bytes just hashed, not a second read (the file may have changed meanwhile)
            digest = parse_digest(data, path)  # ids, sections, date and group checked as on any day
        except (OSError, ValueError, KeyError, TypeError):
            return  # not a digest of ours; the day's own checks say so elsewhere
        date, group = digest.date.isoformat(), digest.group.name
        if not safe_name(group):
            return  # it becomes a link: only names that could be ours
        rows = [  # numbered as render/markdown.py numbers the blocks
            (entry.paper.id, date, group, section, number, abstract_hash(entry.paper.abstract))
            for section in SECTIONS
            for number, entry in enumerate(digest.section(section), start=1)
        ]
        self.db.execute("DELETE FROM seen WHERE date = ? AND grp = ?", (date, group))
        self.db.executemany("INSERT OR REPLACE INTO seen VALUES (?, ?, ?, ?, ?, ?)", rows)

    def first_seen(self, paper: Paper, before: dt.date) -> FirstSeen | None:
        row = self.db.execute(
            "SELECT date, grp, section, number, abstract FROM seen WHERE id = ? AND date < ? "
            "ORDER BY date, grp LIMIT 1",
            (paper.id, before.isoformat()),
        ).fetchone()
        if row is None:
            return None
        date, group, section, number, digest = row
        try:  # the index is a file anyone could edit: a row becomes a link only if it is ours
            return FirstSeen(
                date=dt.date.fromisoformat(date), group=group, section=section, number=number,
                abstract_changed=digest != abstract_hash(paper.abstract),
            )  # fmt: skip
        except (ValueError, TypeError):
            return None

    def close(self) -> None:
        self.db.close()
