"""Which pushes went out: a table in the cache database, so a rerun or the catch-up run sends
nothing twice and a failed push is tried again by the next run. URLs are stored as hashes:
the database never holds a token."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from arxiv_digest.storage import check_db_file

SCHEMA = """
CREATE TABLE IF NOT EXISTS pushes (
    grp TEXT NOT NULL,
    day TEXT NOT NULL,
    target TEXT NOT NULL,
    status TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    tries INTEGER NOT NULL DEFAULT 0,
    updated REAL NOT NULL,
    PRIMARY KEY (grp, day, target)
);
"""


def target(url: str) -> str:
    """A URL's identity: its hash, without a Feishu signing secret (a new secret is the same
    bot)."""
    parts = urlsplit(url)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "secret"])
    return hashlib.sha256(urlunsplit(parts._replace(query=query)).encode()).hexdigest()[:24]


class Ledger:
    """sqlite3 errors reach the caller, which warns and sends nothing (rather than twice)."""

    def __init__(self, path: Path) -> None:
        check_db_file(path)  # no symlink, FIFO or other program's file (storage's rules)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None, timeout=10.0)
        try:
            self.db.executescript(SCHEMA)
        except sqlite3.Error:
            self.db.close()
            raise

    def sent(self, group: str, day: dt.date, url: str) -> bool:
        row = self.db.execute(
            "SELECT status FROM pushes WHERE grp = ? AND day = ? AND target = ?",
            (group, day.isoformat(), target(url)),
        ).fetchone()
        return row is not None and row[0] == "sent"

    def record(self, group: str, day: dt.date, url: str, ok: bool, detail: str = "") -> None:
        self.db.execute(
            "INSERT INTO pushes (grp, day, target, status, detail, tries, updated)"
            " VALUES (?, ?, ?, ?, ?, 1, ?) ON CONFLICT (grp, day, target) DO UPDATE SET"
            " status = excluded.status, detail = excluded.detail, tries = tries + 1,"
            " updated = excluded.updated",
            (group, day.isoformat(), target(url), "sent" if ok else "failed", detail,
             time.time()),
        )  # fmt: skip

    def owed(self, days: float) -> list[tuple[str, dt.date]]:
        """(group, day) of the days whose push failed within the last ``days`` days and is
        still owed (to a URL since changed, too)."""
        rows = self.db.execute(
            "SELECT DISTINCT grp, day FROM pushes WHERE status = 'failed' AND updated >= ?"
            " ORDER BY day, grp",
            (time.time() - days * 86400,),
        ).fetchall()
        return [(g, dt.date.fromisoformat(d)) for g, d in rows]

    def close(self) -> None:
        self.db.close()
