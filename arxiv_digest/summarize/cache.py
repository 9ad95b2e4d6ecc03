"""The persistent summary cache: SQLite in WAL mode, one row committed per paper.

Keyed by model + prompt fingerprint + title + abstract, so a rerun, a later day, or the same paper
coming back as a replacement with an unchanged abstract costs no call; a killed run keeps every
summary it finished.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from arxiv_digest.errors import StorageError
from arxiv_digest.models import Paper, Summary
from arxiv_digest.storage import check_db_file

SCHEMA = """
CREATE TABLE IF NOT EXISTS summaries (
    key TEXT PRIMARY KEY,
    paper_id TEXT NOT NULL,
    model TEXT NOT NULL,
    prompt TEXT NOT NULL,
    tags TEXT NOT NULL,
    summary TEXT NOT NULL,
    created REAL NOT NULL,
    score INTEGER,
    reason TEXT,
    title_zh TEXT
);
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    paper_id TEXT NOT NULL,
    model TEXT NOT NULL,
    outcome TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    latency REAL NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS failures (
    key TEXT PRIMARY KEY,
    paper_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    runs INTEGER NOT NULL,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS model_lists (
    base_url TEXT PRIMARY KEY,
    day TEXT NOT NULL,
    models TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS overviews (
    key TEXT PRIMARY KEY,
    overview TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS calls_created ON calls(created);
"""


def _add_judgement_columns(db: sqlite3.Connection) -> None:
    """A cache made before llm_score or title_zh existed gains the columns; its rows stay
    valid."""
    have = {row[1] for row in db.execute("PRAGMA table_info(summaries)")}
    for column, kind in (("score", "INTEGER"), ("reason", "TEXT"), ("title_zh", "TEXT")):
        if column not in have:
            db.execute(f"ALTER TABLE summaries ADD COLUMN {column} {kind}")


def cache_key(paper: Paper, model: str, prompt_fingerprint: str) -> str:
    material = json.dumps([model, prompt_fingerprint, paper.title, paper.abstract])
    return hashlib.sha256(material.encode()).hexdigest()


@dataclass(frozen=True)
class CacheStats:
    summaries: int
    calls: int
    failures: int
    prompt_tokens: int
    completion_tokens: int
    path: Path


class SummaryCache:
    """Every SQLite or OS error surfaces as StorageError (exit 4) naming the file.

    A database damaged past its header (a cut copy, a disk error) is moved aside with a warning
    and the cache rebuilt: it held nothing readable, and a daily job should not stop for it. A
    file that is no SQLite database at all is someone else's: refused, never moved.
    """

    def __init__(self, path: Path, busy_timeout: float = 10.0) -> None:
        self.path = path
        self.busy_timeout = busy_timeout  # how long to wait for another program's write lock
        self.moved_aside: Path | None = None
        existed = check_db_file(path)  # a link, a FIFO or another program's file: refused
        try:
            self.db = self._open()
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) or not existed:
                raise self._error(exc, "cannot open") from None
            # SQLite's own header, damaged after it (a disk error, a cut copy): moved aside
            self.moved_aside = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
            try:
                path.rename(self.moved_aside)
                for suffix in ("-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
                self.db = self._open()
            except (OSError, sqlite3.Error) as again:
                raise self._error(again, "cannot rebuild") from None
        except OSError as exc:
            raise StorageError(f"cannot open the summary cache {path}: {exc.strerror}") from None

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            db.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000)}")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(SCHEMA)
            _add_judgement_columns(db)
        except sqlite3.Error:
            db.close()
            raise
        return db

    def _error(self, exc: sqlite3.Error, doing: str) -> StorageError:
        text = str(exc)
        if "readonly" in text or "read-only" in text:
            hint = "it is read-only; make it writable or set ARXIV_DIGEST_CACHE"
        elif "locked" in text or "busy" in text:
            hint = "another process holds it locked; try again when it has finished"
        elif "malformed" in text or "not a database" in text:
            hint = f"it is damaged; move it aside (mv {self.path} {self.path}.bad) and run again"
        else:
            hint = text
        return StorageError(f"{doing} the summary cache {self.path}: {hint}")

    @contextlib.contextmanager
    def _guard(self, doing: str) -> Iterator[None]:
        """sqlite3 errors inside become this cache's StorageError."""
        try:
            yield
        except sqlite3.Error as exc:
            raise self._error(exc, doing) from None

    def get(self, key: str) -> Summary | None:
        with self._guard("cannot read"):
            row = self.db.execute(
                "SELECT tags, summary, score, reason, title_zh FROM summaries WHERE key = ?",
                (key,),
            ).fetchone()
        if row is None:
            return None
        return Summary(
            tags=json.loads(row[0]), summary=row[1], score=row[2], reason=row[3], title_zh=row[4]
        )

    def put(self, key: str, paper: Paper, model: str, prompt: str, summary: Summary) -> None:
        with self._guard("cannot write"), self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO summaries (key, paper_id, model, prompt, tags, summary,"
                " created, score, reason, title_zh) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    paper.id,
                    model,
                    prompt,
                    json.dumps(summary.tags, ensure_ascii=False),
                    summary.summary,
                    time.time(),
                    summary.score,
                    summary.reason,
                    summary.title_zh,
                ),
            )
            self.db.execute("DELETE FROM failures WHERE key = ?", (key,))

    def get_overview(self, key: str) -> str | None:
        with self._guard("cannot read"):
            row = self.db.execute("SELECT overview FROM overviews WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def put_overview(self, key: str, overview: str) -> None:
        with self._guard("cannot write"), self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO overviews VALUES (?, ?, ?)", (key, overview, time.time())
            )

    def record_call(
        self,
        key: str,
        paper_id: str,
        model: str,
        outcome: str,
        prompt_tokens: int,
        completion_tokens: int,
        latency: float,
    ) -> None:
        with self._guard("cannot write"):
            self.db.execute(
                "INSERT INTO calls (key, paper_id, model, outcome, prompt_tokens,"
                " completion_tokens, latency, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (key, paper_id, model, outcome, prompt_tokens, completion_tokens, latency,
                 time.time()),
            )  # fmt: skip

    def record_failure(self, key: str, paper_id: str, reason: str) -> None:
        with self._guard("cannot write"):
            self.db.execute(
                "INSERT INTO failures VALUES (?, ?, ?, 1, ?) ON CONFLICT(key) DO UPDATE SET "
                "reason = excluded.reason, runs = runs + 1, updated = excluded.updated",
                (key, paper_id, reason, time.time()),
            )

    def model_list(self, base_url: str, day: str) -> list[dict[str, str | None]] | None:
        """The endpoint's model list as fetched earlier the same day (None: ask again)."""
        with self._guard("cannot read"):
            row = self.db.execute(
                "SELECT models FROM model_lists WHERE base_url = ? AND day = ?", (base_url, day)
            ).fetchone()
        return None if row is None else list(json.loads(row[0]))

    def keep_model_list(self, base_url: str, day: str, models: list[dict[str, str | None]]) -> None:
        with self._guard("cannot write"):
            self.db.execute(
                "INSERT OR REPLACE INTO model_lists VALUES (?, ?, ?)",
                (base_url, day, json.dumps(models, ensure_ascii=False)),
            )

    def stats(self) -> CacheStats:
        with self._guard("cannot read"):
            return self._stats()

    def _stats(self) -> CacheStats:
        summaries = self.db.execute("SELECT COUNT(*) FROM summaries").fetchone()[0]
        calls, prompt, completion = self.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0)"
            " FROM calls"
        ).fetchone()
        failures = self.db.execute("SELECT COUNT(*) FROM failures").fetchone()[0]
        return CacheStats(summaries, calls, failures, prompt, completion, self.path)

    def failure_reasons(self) -> list[tuple[str, int]]:
        """Papers still failing, grouped by why, most common first."""
        with self._guard("cannot read"):
            rows = self.db.execute(
                "SELECT reason, COUNT(*) FROM failures GROUP BY reason"
                " ORDER BY COUNT(*) DESC, reason"
            ).fetchall()
        return [(str(reason), int(count)) for reason, count in rows]

    def close(self) -> None:
        self.db.close()

