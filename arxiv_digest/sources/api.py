"""arXiv's export API: the listing feed has no comments (备注), the API does.

arXiv's terms: at most one request every 3 seconds, ``id_list`` batches, a descriptive
User-Agent, and backing off on 429/503 as Retry-After says.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from typing import Any

import feedparser

from arxiv_digest.errors import ApiError
from arxiv_digest.models import Paper
from arxiv_digest.sources.http import HTTPFailure, HttpFetcher
from arxiv_digest.untrusted import (
    MAX_ABSTRACT_CHARS,
    MAX_COMMENT_CHARS,
    MAX_TITLE_CHARS,
    clean,
    clip,
)
from arxiv_digest.wire import MAX_API_BYTES

MAX_BATCH = 100
MIN_INTERVAL = 3.0

_ABS_ID = re.compile(r"/abs/(?P<id>.+?)(?:v(?P<version>\d+))?$")
_SPACES = re.compile(r"\s+")


# extra fields per arXiv id (without version): comment, doi, journal_ref, title, abstract
ApiMetadata = dict[str, dict[str, str]]


class ExportApi:
    """Looks papers up by id in batches, paced at least ``interval`` seconds apart."""

    def __init__(
        self,
        http: HttpFetcher,
        url: str,
        *,
        batch_size: int = MAX_BATCH,
        interval: float = MIN_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.http = http
        self.url = url
        self.batch_size = min(batch_size, MAX_BATCH)
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._last_request: float | None = None

    def lookup(self, ids: Iterable[str]) -> ApiMetadata:
        """Metadata for every id the API returned; ApiError at the first batch that fails."""
        unique = list(dict.fromkeys(ids))
        found: ApiMetadata = {}
        for start in range(0, len(unique), self.batch_size):
            batch = unique[start : start + self.batch_size]
            found.update(self._query(batch))
        return found

    def _query(self, batch: list[str]) -> ApiMetadata:
        self._pace()
        params = {"id_list": ",".join(batch), "max_results": str(len(batch)), "start": "0"}
        try:
            response = self.http.get(self.url, params=params, max_bytes=MAX_API_BYTES)
        except HTTPFailure as exc:
            raise ApiError(f"export API unavailable: {exc}") from exc
        finally:
            self._last_request = self._clock()
        if response.status_code != 200:
            raise ApiError(f"export API answered HTTP {response.status_code}")
        return parse_api_response(response.content)

    def _pace(self) -> None:
        if self._last_request is None:
            return
        wait = self.interval - (self._clock() - self._last_request)
        if wait > 0:
            self._sleep(wait)


def parse_api_response(data: bytes) -> ApiMetadata:
    """Both API layouts (pre- and post-2025 backend); ApiError for the error feed."""
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    if parsed.get("version") != "atom10":
        raise ApiError("export API did not return an Atom feed")
    found: ApiMetadata = {}
    for entry in parsed.entries:
        if entry.get("title") == "Error" and "/api/errors" in entry.get("id", ""):
            raise ApiError(f"export API error: {_one_line(entry.get('summary', ''))}")
        match = _ABS_ID.search(entry.get("id", ""))
        if not match:
            continue
        found[match["id"]] = _fields(entry)
    return found


def _fields(entry: Any) -> dict[str, str]:
    fields = {  # name: (value, longest kept)
        "comment": (entry.get("arxiv_comment"), MAX_COMMENT_CHARS),
        "doi": (entry.get("arxiv_doi"), MAX_COMMENT_CHARS),
        "journal_ref": (entry.get("arxiv_journal_ref"), MAX_COMMENT_CHARS),
        "title": (entry.get("title"), MAX_TITLE_CHARS),  # for seeds (rank.py)
        "abstract": (entry.get("summary"), MAX_ABSTRACT_CHARS),
    }
    kept, cut = {}, []
    for key, (value, limit) in fields.items():
        text = _one_line(clean(value)) if value else ""
        if text:  # cleaned once: the abstracts make this the bulk of a lookup's text
            kept[key], clipped = clip(text, limit)
            cut += [f"the {key} to {limit} characters"] * clipped
    if cut:
        kept["clipped"] = ", ".join(cut)
    return kept


def clipped(metadata: ApiMetadata) -> list[str]:
    """A line for each paper whose overlong API text was cut, for the run's warnings."""
    return [
        f"{key}: cut {extra['clipped']}" for key, extra in metadata.items() if "clipped" in extra
    ]


def _one_line(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def enrich(papers: list[Paper], metadata: ApiMetadata) -> list[Paper]:
    """Papers with comments filled in; the feed's own DOI/journal ref win when present."""
    enriched = []
    for paper in papers:
        extra = metadata.get(paper.id)
        if not extra:
            enriched.append(paper)
            continue
        update = {"comment": extra.get("comment")}
        if not paper.doi and extra.get("doi"):
            update["doi"] = extra["doi"]
        if not paper.journal_ref and extra.get("journal_ref"):
            update["journal_ref"] = extra["journal_ref"]
        enriched.append(paper.model_copy(update=update))
    return enriched
