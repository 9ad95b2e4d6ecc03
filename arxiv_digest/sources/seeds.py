"""The papers a group's ``seeds`` name, looked up once through the export API and kept.

They sit in the summary cache's database file, in a table of their own: a seed is asked for
once, ever, and a run with arXiv unreachable ranks with the seeds it already knows.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

from arxiv_digest.errors import ApiError
from arxiv_digest.models import Seed
from arxiv_digest.sources.api import ExportApi
from arxiv_digest.storage import check_db_file

SCHEMA = "CREATE TABLE IF NOT EXISTS seeds (id TEXT PRIMARY KEY, title TEXT, abstract TEXT)"


def load_seeds(
    ids: Sequence[str], path: Path, api: Callable[[], ExportApi], warn: Callable[[str], None]
) -> list[Seed]:
    """The seeds in ``ids``: from the table, the missing ones from the API (then stored)."""
    if not ids:
        return []
    check_db_file(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # closing(): a connection's own "with" commits but leaves it open
    with contextlib.closing(sqlite3.connect(path, timeout=10)) as db, db:
        db.execute(SCHEMA)
        marks = ",".join("?" * len(ids))
        rows = db.execute(f"SELECT id, title, abstract FROM seeds WHERE id IN ({marks})", ids)
        known = {row[0]: Seed(id=row[0], title=row[1], abstract=row[2]) for row in rows}
        missing = [i for i in ids if i not in known]
        try:
            found = api().lookup(missing) if missing else {}
        except ApiError as exc:
            warn(f"{exc}; ranking without seeds {', '.join(missing)} this time")
            missing, found = [], {}
        for seed_id in missing:
            fields = found.get(seed_id, {})
            if "title" not in fields:
                warn(f"seed {seed_id}: the export API does not know this paper")
                continue
            seed = Seed(id=seed_id, title=fields["title"], abstract=fields.get("abstract", ""))
            db.execute("INSERT OR REPLACE INTO seeds VALUES (?, ?, ?)",
                       (seed.id, seed.title, seed.abstract))  # fmt: skip
            known[seed_id] = seed
    return [known[i] for i in ids if i in known]
