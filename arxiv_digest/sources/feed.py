"""arXiv's listing feed (rss.arxiv.org): download it and turn it into Papers.

The format is arXiv's RSS 2.0 (and its Atom twin) introduced in 2024; the pre-2024 RSS 1.0
feed carries different data and is refused by name rather than misread.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import os
import re
from concurrent.futures import ProcessPoolExecutor
from typing import Any
from zoneinfo import ZoneInfo

import feedparser

from arxiv_digest.errors import FetchError, InputError
from arxiv_digest.models import ANNOUNCE_ORDER, Listing, Paper
from arxiv_digest.sources.http import HTTPFailure, HttpFetcher
from arxiv_digest.untrusted import (
    MAX_ABSTRACT_CHARS,
    MAX_AUTHOR_CHARS,
    MAX_AUTHORS,
    MAX_CATEGORIES,
    MAX_FEED_BYTES,
    MAX_TITLE_CHARS,
    clean,
    clip,
    valid_category,
    valid_day,
    valid_id,
)

EASTERN = ZoneInfo("America/New_York")

_DESCRIPTION = re.compile(
    r"^\s*arXiv:(?P<id>\S+?)v(?P<version>[0-9]+)\s+Announce Type:\s*(?P<type>\S+)\s*Abstract:\s*",
)
_GUID = re.compile(r"^(?:oai:arXiv\.org:)?(?P<id>.+?)v(?P<version>[0-9]+)$")
_FEED_TITLE = re.compile(r"^(?P<cats>.+?) updates on arXiv\.org$")


def feed_url(rss_url: str, categories: list[str]) -> str:
    return f"{rss_url.rstrip('/')}/{'+'.join(categories)}"


def fetch_feed(http: HttpFetcher, rss_url: str, categories: list[str]) -> bytes:
    """The raw feed; FetchError (exit 3) when arXiv can't be reached after retries."""
    url = feed_url(rss_url, categories)
    try:
        response = http.get(url)
    except HTTPFailure as exc:
        raise FetchError(f"could not download {url}: {exc}") from exc
    if response.status_code != 200:
        raise FetchError(f"could not download {url}: HTTP {response.status_code}")
    return response.content


def parse_feed(data: bytes, source: str = "feed") -> Listing:
    """Parse one listing feed; InputError (exit 2) for anything that is not one.

    Items that are not arXiv papers (no id or title, an id or category outside arXiv's syntax) are
    skipped and named in ``Listing.skipped``; a feed made mostly of them is refused.
    """
    if len(data) > MAX_FEED_BYTES:
        raise InputError(
            f"{source}: {len(data) / 2**20:.0f} MB is not a daily listing "
            f"(the limit is {MAX_FEED_BYTES // 2**20} MB)"
        )
    halves = _split_items(data) if (os.cpu_count() or 1) > 1 else None
    if halves is None:
        parsed, items = _parse_part(data, source)
    else:
        # feedparser costs ~1 ms an item; a big day's feed is parsed in two processes
        with ProcessPoolExecutor(max_workers=1) as pool:
            second = pool.submit(_papers_of, halves[1], source)
            parsed, items = _parse_part(halves[0], source)
            items += second.result()
    title = parsed.feed.get("title", "")
    match = _FEED_TITLE.match(title.strip())
    if not match:
        raise InputError(f"{source}: not an arXiv listing feed (title {title!r})")
    categories = [c.strip() for c in match["cats"].split(",") if c.strip()]
    papers = [paper for paper, _ in items if paper is not None]
    skipped = [note for paper, note in items if paper is None]
    if skipped and len(skipped) * 2 > len(items):
        raise InputError(
            f"{source}: {len(skipped)} of {len(items)} items are not arXiv papers "
            f"(first: {skipped[0]}); refusing the feed"
        )
    return Listing(
        categories=categories,
        date=_announce_date(parsed, source),
        papers=papers,
        skipped=skipped,
        clipped=[note for paper, note in items if paper is not None and note],
    )


PARALLEL_FROM = 600  # items; below this a second process costs more than it saves


def _split_items(data: bytes) -> tuple[bytes, bytes] | None:
    """The feed as two well-formed feeds with half the items each, or None if not worth it."""
    if data.count(b"<item>") < PARALLEL_FROM:
        return None
    first = data.find(b"<item>")
    last = data.rfind(b"</item>") + len(b"</item>")
    head, tail = data[:first], data[last:]
    middle = data.find(b"<item>", first + (last - first) // 2)
    if middle < 0 or tail.strip()[:10] != b"</channel>":
        return None
    return head + data[first:middle] + tail, head + data[middle:last] + tail


def _parse_part(data: bytes, source: str) -> tuple[Any, list[Item]]:
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    _check_format(parsed, data, source)
    return parsed, [_paper(entry, source) for entry in parsed.entries]


def _papers_of(data: bytes, source: str) -> list[Item]:
    return _parse_part(data, source)[1]


def _check_format(parsed: Any, data: bytes, source: str) -> None:
    version = parsed.get("version", "")
    if version == "rss10":
        raise InputError(
            f"{source}: legacy arXiv RSS 1.0 feed (pre-2024 format) is not supported; "
            "use the current feed at rss.arxiv.org/rss/CATEGORY"
        )
    if version in ("rss20", "atom10"):
        error = parsed.get("bozo_exception")
        if parsed.get("bozo") and not isinstance(error, feedparser.CharacterEncodingOverride):
            raise InputError(f"{source}: malformed feed XML: {error}")
        entries = parsed.entries
        if version == "atom10" and entries and entries[0].get("title") == "Error":
            raise InputError(f"{source}: arXiv API error: {entries[0].get('summary', '').strip()}")
        return
    head = data[:2048].lower()
    if b"<html" in head or b"<!doctype html" in head:
        raise InputError(f"{source}: got an HTML page, not an arXiv feed")
    error = parsed.get("bozo_exception")
    detail = f" ({error})" if error else ""
    raise InputError(f"{source}: not an RSS or Atom feed{detail}")


def _announce_date(parsed: Any, source: str) -> dt.date:
    """The channel's pubDate is the announcement midnight in US Eastern."""
    raw = parsed.feed.get("published") or parsed.feed.get("updated")
    if raw:
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            try:
                when = dt.datetime.fromisoformat(raw)
            except ValueError:
                when = None
        if when is not None:
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt.UTC)
            try:
                day = when.astimezone(EASTERN).date()
            except (OverflowError, ValueError):  # year 1 or 9999 has no day on the other side
                day = dt.date.min
            if not valid_day(day):
                raise InputError(f"{source}: the feed's announcement date {raw[:40]!r} is not "
                                 "a day arXiv could have announced on")  # fmt: skip
            return day
    raise InputError(f"{source}: the feed has no announcement date (channel pubDate)")


Item = tuple[Paper | None, str]  # a paper and what was cut from it, or None and why it was skipped


def _paper(entry: Any, source: str) -> Item:
    """The item as a Paper, or None and a line naming the item and why it was skipped."""
    description = clean(entry.get("summary", ""))
    match = _DESCRIPTION.match(description)
    guid = _GUID.match(clean(entry.get("id", "")))
    ident = match or guid
    title = _one_line(clean(entry.get("title", "")))
    shown = repr(title[:60]) if title else "an item"
    if ident is None:
        return None, f"{shown} has no arXiv identifier"
    if not valid_id(ident["id"]):
        return None, f"{shown} has an id that is not arXiv's: {ident['id'][:60]!r}"
    if not title:
        return None, f"{ident['id']} has no title"
    announce_type = entry.get("arxiv_announce_type") or (match["type"] if match else None)
    if announce_type not in ANNOUNCE_ORDER:  # one odd item is skipped like any other bad one
        return None, f"{ident['id']} has an unknown announce type {str(announce_type)[:30]!r}"
    categories = [clean(tag["term"]).strip() for tag in entry.get("tags", []) if tag.get("term")]
    bad = [c for c in categories if not valid_category(c)]
    if bad or not categories:
        return None, f"{ident['id']} has a category that is not arXiv's: {(bad or [''])[0][:60]!r}"
    abstract = description[match.end() :] if match else description
    title, title_cut = clip(title, MAX_TITLE_CHARS)
    abstract, abstract_cut = clip(_one_line(abstract), MAX_ABSTRACT_CHARS)
    authors = split_authors(clean(entry.get("author", "")))
    named = [clip(name, MAX_AUTHOR_CHARS) for name in authors[:MAX_AUTHORS]]
    cut = (
        [f"the title to {MAX_TITLE_CHARS} characters"] * title_cut
        + [f"the abstract to {MAX_ABSTRACT_CHARS} characters"] * abstract_cut
        + [f"an author's name to {MAX_AUTHOR_CHARS} characters"] * any(c for _, c in named)
        + [f"the authors to the first {MAX_AUTHORS} of {len(authors)}"]
        * (len(authors) > MAX_AUTHORS)
        + [f"the categories to the first {MAX_CATEGORIES} of {len(categories)}"]
        * (len(categories) > MAX_CATEGORIES)
    )
    paper = Paper(
        id=ident["id"],
        version=int(ident["version"]),
        announce_type=announce_type,
        title=title,
        authors=[name for name, _ in named],
        categories=categories[:MAX_CATEGORIES],
        abstract=abstract,
        doi=clean(entry.get("arxiv_doi") or "") or None,
        journal_ref=clean(entry.get("arxiv_journal_reference") or "") or None,
    )
    return paper, f"{ident['id']}: cut {', '.join(cut)}" if cut else ""


def _one_line(text: str) -> str:
    return " ".join(text.split())


def split_authors(creator: str) -> list[str]:
    """Split dc:creator at commas outside parentheses (affiliations contain commas)."""
    if "(" not in creator:
        return [name for name in (_one_line(a) for a in creator.split(",")) if name]
    authors: list[str] = []
    depth = 0
    current: list[str] = []
    for char in creator:
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        if char == "," and depth == 0:
            authors.append("".join(current))
            current = []
        else:
            current.append(char)
    authors.append("".join(current))
    return [name for name in (_one_line(a) for a in authors) if name]
