"""The stage between selection and rendering: relevance to a group's interests and seed papers
(rank.py), unless the model judged it (llm_score), and where a replaced paper was first
published (history.py). Both are extras: when their state cannot be read, the digest goes on
without them and says so."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from types import TracebackType
from typing import Any

from arxiv_digest.config import Settings
from arxiv_digest.errors import ApiError, StorageError
from arxiv_digest.history import History
from arxiv_digest.models import Entry, Group, Paper, Seed
from arxiv_digest.rank import MAX_PHRASES, fts5_available, phrases, rank, revised
from arxiv_digest.rank.embeddings import EmbeddingError, semantic
from arxiv_digest.rank.translate import (
    TranslationError,
    cached,
    keep,
    needs_translation,
    translate,
)
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
        no_llm: bool = False,
    ) -> None:
        self.settings = settings
        self._http = http  # made on first use: most runs need no seed lookup
        self._say = say
        self._no_enrich = no_enrich
        self._no_llm = no_llm
        self.history: History | None = None
        self.searched: dict[str, list[str]] = {}  # group → the phrases searched, when translated
        self.notes: dict[str, str] = {}  # group → what its summary line adds about relevance

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
            interests = self._interests(group)
            close = self._semantic(group, papers, interests) if interests else None
            relevance = rank(papers, "\n".join(interests), self._seeds(group), day,
                             aliases=self.settings.aliases, semantic=close)  # fmt: skip
            matched = any(r.reason.startswith("匹配") for r in relevance.values())
            if group.interests.strip() and not matched:
                self.notes[group.name] = "; its interests matched no paper today"
        elif lexical:
            self._say("warning: this Python's SQLite has no FTS5; papers are not ranked")
        annotated = []
        for entry in entries:
            # a group with title_zh = false shows no 中文标题 (the answer may still carry one)
            update: dict[str, object] = {} if group.title_zh else {"title_zh": None}
            if entry.score is None and (found := relevance.get(entry.paper.id)) is not None:
                update.update(score=found.score, reason=found.reason or None)
            if entry.paper.section == "replaced":
                update.update(revised(update.get("score", entry.score),
                                      update.get("reason", entry.reason), group.replaced_weight))
            if self.history is not None and entry.paper.section == "replaced":
                update["first_seen"] = self.history.first_seen(entry.paper, date)
            annotated.append(entry.model_copy(update=update))
        if group.sort == "score":  # numbering follows: new first, then by score
            annotated.sort(key=lambda e: (e.paper.section != "new", -(e.score or 0)))
        return annotated

    def _interests(self, group: Group) -> list[str]:
        """The phrases to search: Chinese ones translated (once, then cached), the summary
        line and the JSON told what was searched; a setting that cannot be used says so."""
        wanted = phrases(group.interests)
        if len(wanted) > MAX_PHRASES:
            self._say(f"warning: group {group.name}: interests has {len(wanted)} phrases; only "
                      f"the first {MAX_PHRASES} are searched")  # fmt: skip
            wanted = wanted[:MAX_PHRASES]
        chinese = needs_translation(wanted)
        if not chinese:
            return wanted
        english = [p for p in wanted if p not in chinese]
        model = self.settings.model or ""
        translated = cached(self.settings.cache, model, chinese)
        if translated is None:
            translated = self._translate(group, chinese)
        if translated:
            self.searched[group.name] = english + translated
            self.notes[group.name] = "; interests searched as: " + ", ".join(translated)
        return english + translated

    def _semantic(
        self, group: Group, papers: list[Paper], interests: list[str]
    ) -> dict[str, float] | None:
        """Embedding closeness when `embedding_model` is set; lexical only (with a warning)
        when it cannot be had."""
        model = self.settings.embedding_model
        if not model:
            return None
        why = "--no-llm is set" if self._no_llm else ""
        if not why and self.settings.api_key is None:
            why = "no API key"
        if not why:
            try:
                return semantic(self.settings.cache, self._client, model, papers, interests,
                                self._say)  # fmt: skip
            except EmbeddingError as exc:
                why = str(exc)
            except (sqlite3.Error, OSError) as exc:
                why = f"cannot use the vector table in {self.settings.cache}: {exc}"
        self._say(f"warning: group {group.name}: embedding_model {model} not used ({why}); "
                  "relevance is lexical only")  # fmt: skip
        return None

    def _client(self) -> Any:
        import openai

        return openai.OpenAI(
            api_key=self.settings.api_key.get_secret_value(),  # type: ignore[union-attr]
            base_url=self.settings.base_url,
            timeout=self.settings.timeout,
            max_retries=2,
        )

    def _translate(self, group: Group, chinese: list[str]) -> list[str]:
        why = "--no-llm is set" if self._no_llm else ""
        if not why and self.settings.api_key is None:
            why = "no API key"
        if not why:
            client = self._client()
            try:
                found = translate(client, self.settings.model or "", chinese,
                                  self.settings.extra_body)  # fmt: skip
            except TranslationError as exc:
                why = str(exc)
            else:
                keep(self.settings.cache, self.settings.model or "", chinese, found)
                return found
            finally:
                client.close()
        self._say(f"warning: group {group.name}: interests {', '.join(chinese)} are Chinese and "
                  f"could not be translated for the search ({why}); write `interests` in "
                  "English to rank by them")  # fmt: skip
        return []

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
