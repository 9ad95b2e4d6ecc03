"""The stage between selection and rendering: relevance to a group's interests and seed papers
(rank.py), unless the model judged it (llm_score), and where a replaced paper was first
published (history.py). Both are extras: when their state cannot be read, the digest goes on
without them and says so."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from types import TracebackType

from arxiv_digest.config import Settings
from arxiv_digest.errors import ApiError, StorageError
from arxiv_digest.history import History
from arxiv_digest.models import Entry, Group, Paper, Seed
from arxiv_digest.rank import fts5_available, rank
from arxiv_digest.sources.api import ExportApi
from arxiv_digest.sources.http import HttpFetcher
from arxiv_digest.sources.seeds import load_seeds


class Annotator:
    """One run's annotations; a context manager so the history index is closed also when a
    digest cannot be written (exit 4)."""

    def __init__(
        self,
        settings: Settings,
        http: Callable[[], HttpFetcher],
        say: Callable[[str], None],
        no_enrich: bool = False,
    ) -> None:
        self.settings = settings
        self._http = http  # made on first use: most runs need no seed lookup
        self._say = say
        self._no_enrich = no_enrich
        self.history: History | None = None

    def __enter__(self) -> Annotator:
        try:
            self.history = History(self.settings.cache, self.settings.output)
        except (sqlite3.Error, OSError, StorageError) as exc:
            self._say(f"warning: cannot read the index of earlier digests ({exc}); no 首次收录")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.history is not None:
            self.history.close()

    def annotate(
        self, group: Group, papers: list[Paper], entries: list[Entry], date: dt.date,
        day: list[Paper],
    ) -> list[Entry]:  # fmt: skip
        """`papers` are the group's selected papers (in `entries`' order); `day` is the whole
        listing, which counts for word rarity."""
        relevance = {}
        # lexical scores, also as the fallback for papers the model did not judge
        lexical = group.ranks and any(e.score is None for e in entries)
        if lexical and fts5_available():
            relevance = rank(papers, group.interests, self._seeds(group), day)
        elif lexical:
            self._say("warning: this Python's SQLite has no FTS5; papers are not ranked")
        annotated = []
        for entry in entries:
            # a group with title_zh = false shows no 中文标题 (the answer may still carry one)
            update: dict[str, object] = {} if group.title_zh else {"title_zh": None}
            if entry.score is None and (found := relevance.get(entry.paper.id)) is not None:
                update.update(score=found.score, reason=found.reason or None)
            if self.history is not None and entry.paper.section == "replaced":
                update["first_seen"] = self.history.first_seen(entry.paper, date)
            annotated.append(entry.model_copy(update=update))
        if group.sort == "score":  # numbering follows: new first, then by score
            annotated.sort(key=lambda e: (e.paper.section != "new", -(e.score or 0)))
        return annotated

    def _seeds(self, group: Group) -> list[Seed]:
        def api() -> ExportApi:
            if self._no_enrich:
                raise ApiError("--no-enrich: the export API is not asked")
            return ExportApi(self._http(), self.settings.api_url)

        def warn(text: str) -> None:
            self._say(f"warning: {text}")

        try:
            return load_seeds(group.seeds, self.settings.cache, api, warn)
        except (sqlite3.Error, OSError, StorageError) as exc:  # like the history index
            warn(f"cannot use the seed table in {self.settings.cache} ({exc}); "
                 f"ranking without seeds {', '.join(group.seeds)} this time")  # fmt: skip
            return []
