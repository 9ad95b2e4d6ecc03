"""Which earlier digest in the output folder first had a paper: "首次收录" for replacements.

Reading every day's JSON on every run would grow with the archive, so an index of (paper, day,
group, section, number, abstract hash) sits in the summary cache's database file and is brought
up to date from the files whose modification time changed. The files stay the truth: lose the
index and the next run rebuilds it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from pathlib import Path
from typing import get_args

from arxiv_digest.models import FirstSeen, Paper, Section
from arxiv_digest.storage import day_dirs, load_digest, safe_name

SECTIONS: tuple[Section, ...] = get_args(Section)  # "new", "replaced": the digest's order

SCHEMA = """
CREATE TABLE IF NOT EXISTS seen (
    id TEXT, date TEXT, grp TEXT, section TEXT, number INTEGER, abstract TEXT,
    PRIMARY KEY (id, date, grp)
);
CREATE TABLE IF NOT EXISTS seen_files (path TEXT PRIMARY KEY, mtime REAL);
"""


def abstract_hash(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:16]


class History:
    def __init__(self, path: Path, output: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=10)
        self.db.executescript(SCHEMA)
        self._sync(output)

    def _sync(self, output: Path) -> None:
        known = dict(self.db.execute("SELECT path, mtime FROM seen_files"))
        with self.db:
            for day in day_dirs(output):
                for path in day.glob("*.json"):
                    mtime = path.stat().st_mtime
                    if known.get(str(path)) != mtime:
                        self._index(path, mtime)

    def _index(self, path: Path, mtime: float) -> None:
        try:
            digest = load_digest(path)  # ids and sections checked as on any day we read
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
        self.db.execute("INSERT OR REPLACE INTO seen_files VALUES (?, ?)", (str(path), mtime))

    def first_seen(self, paper: Paper, before: dt.date) -> FirstSeen | None:
        row = self.db.execute(
            "SELECT date, grp, section, number, abstract FROM seen WHERE id = ? AND date < ? "
            "ORDER BY date, grp LIMIT 1",
            (paper.id, before.isoformat()),
        ).fetchone()
        if row is None:
            return None
        date, group, section, number, digest = row
        return FirstSeen(
            date=dt.date.fromisoformat(date), group=group, section=section, number=number,
            abstract_changed=digest != abstract_hash(paper.abstract),
        )  # fmt: skip

    def close(self) -> None:
        self.db.close()
