"""The persistent summary cache: SQLite in WAL mode, one row committed per paper.

Keyed by model + prompt fingerprint + title + abstract, so a rerun, a later day, or the same paper
coming back as a replacement with an unchanged abstract costs no call; a killed run keeps every
summary it finished.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from arxiv_digest.errors import ConfigError
from arxiv_digest.models import Paper, Summary

SCHEMA = """
CREATE TABLE IF NOT EXISTS summaries (
    key TEXT PRIMARY KEY,
    paper_id TEXT NOT NULL,
    model TEXT NOT NULL,
    prompt TEXT NOT NULL,
    tags TEXT NOT NULL,
    summary TEXT NOT NULL,
    created REAL NOT NULL
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
CREATE INDEX IF NOT EXISTS calls_created ON calls(created);
"""


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
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA busy_timeout=10000")
            self.db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"cannot open the summary cache {path}: {exc}") from exc

    def get(self, key: str) -> Summary | None:
        row = self.db.execute(
            "SELECT tags, summary FROM summaries WHERE key = ?", (key,)
        ).fetchone()
        if row is None:
            return None
        return Summary(tags=json.loads(row[0]), summary=row[1])

    def put(self, key: str, paper: Paper, model: str, prompt: str, summary: Summary) -> None:
        with self.db:
            self.db.execute(
                "INSERT OR REPLACE INTO summaries VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    paper.id,
                    model,
                    prompt,
                    json.dumps(summary.tags, ensure_ascii=False),
                    summary.summary,
                    time.time(),
                ),
            )
            self.db.execute("DELETE FROM failures WHERE key = ?", (key,))

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
        self.db.execute(
            "INSERT INTO calls (key, paper_id, model, outcome, prompt_tokens, completion_tokens,"
            " latency, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (key, paper_id, model, outcome, prompt_tokens, completion_tokens, latency, time.time()),
        )

    def record_failure(self, key: str, paper_id: str, reason: str) -> None:
        self.db.execute(
            "INSERT INTO failures VALUES (?, ?, ?, 1, ?) ON CONFLICT(key) DO UPDATE SET "
            "reason = excluded.reason, runs = runs + 1, updated = excluded.updated",
            (key, paper_id, reason, time.time()),
        )

    def stats(self) -> CacheStats:
        summaries = self.db.execute("SELECT COUNT(*) FROM summaries").fetchone()[0]
        calls, prompt, completion = self.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0)"
            " FROM calls"
        ).fetchone()
        failures = self.db.execute("SELECT COUNT(*) FROM failures").fetchone()[0]
        return CacheStats(summaries, calls, failures, prompt, completion, self.path)

    def failure_reasons(self) -> list[tuple[str, int]]:
        """Papers still failing, grouped by why, most common first."""
        rows = self.db.execute(
            "SELECT reason, COUNT(*) FROM failures GROUP BY reason ORDER BY COUNT(*) DESC, reason"
        ).fetchall()
        return [(str(reason), int(count)) for reason, count in rows]

    def close(self) -> None:
        self.db.close()
