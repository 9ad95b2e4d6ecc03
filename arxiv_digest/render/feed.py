"""output/feeds/<group>.atom: a group's last two weeks as Atom 1.0, for feed readers.

Made from the digests' JSON on disk, so a rerun, a healed day or a catch-up run writes the same
feed (nothing in it depends on the clock). Feed readers run no MathJax: TeX is written as
Unicode text here, not as GitHub's math.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

from arxiv_digest.models import Digest, Entry
from arxiv_digest.render.escape import one_line
from arxiv_digest.render.links import Links, abs_url
from arxiv_digest.render.tex import to_plain
from arxiv_digest.storage import atomic_write, check_output, recent_digests, safe_name

FEED_DAYS = 14
MAX_ENTRIES = 500
SECTION_NAMES = {"new": "最新发布", "replaced": "更新"}


def feed_path(output: Path, group: str) -> Path:
    return output / "feeds" / f"{group}.atom"


def write_feeds(output: Path, written_now: list[Digest], links: Links) -> list[Path]:
    """The feeds of the groups just written, from their digests on disk of the FEED_DAYS days
    up to the newest one (only their own files are read)."""
    if not written_now:
        return []
    newest = max(d.date for d in written_now)
    written = []
    for group in dict.fromkeys(d.group.name for d in written_now):
        if not safe_name(group):
            continue
        mine: list[Digest] = []
        papers: set[str] = set()
        for digest in recent_digests(output, newest, FEED_DAYS - 1, group=group):
            mine.append(digest)
            papers.update(e.paper.id for e in digest.entries)
            if len(papers) >= MAX_ENTRIES:
                break  # a feed holds no more: older days are not read
        if mine:
            path = feed_path(output, group)
            check_output(output, path.parent)  # like a day's folder: never written through a link
            atomic_write(path, render_feed(mine, links))
            written.append(path)
    return written


def render_feed(digests: list[Digest], links: Links) -> str:
    from feedgen.feed import FeedGenerator  # only runs that write a feed pay for its import

    digests = sorted(digests, key=lambda d: d.date, reverse=True)
    newest = digests[0]
    group = newest.group
    # one entry per paper: its newest appearance; first seen = the oldest in the window
    latest: dict[str, tuple[Digest, Entry]] = {}
    first: dict[str, dt.date] = {}
    for digest in digests:
        for entry in digest.entries:
            latest.setdefault(entry.paper.id, (digest, entry))
            first[entry.paper.id] = digest.date
    chosen = list(latest.values())[:MAX_ENTRIES]

    feed = FeedGenerator()
    feed.id(links.feed(group.name) or f"urn:arxiv-digest:{group.name}")
    feed.title(f"{group.title} {'; '.join(group.categories)} · arXiv 每日中文速递")
    feed.subtitle(f"arXiv {'; '.join(group.categories)}：中文标题、标签与简介，最近 {FEED_DAYS} 天")
    feed.language("zh-CN")
    feed.author({"name": "arxiv-digest"})
    feed.updated(_moment(newest.date))
    listing = f"https://arxiv.org/list/{group.categories[0]}/new"
    feed.link(href=links.digest(newest.date, group.name) or listing, rel="alternate")
    if self_url := links.feed(group.name):
        feed.link(href=self_url, rel="self")
    for digest, entry in chosen:  # newest day first, the digest's order within a day
        item = feed.add_entry(order="append")
        paper = entry.paper
        item.id(abs_url(paper.id))
        title = to_plain(paper.title)
        item.title(f"{one_line(entry.title_zh)} ｜ {title}" if entry.title_zh else title)
        item.updated(_moment(digest.date))
        item.published(_moment(first[paper.id]))
        item.link(href=links.paper(digest.date, group.name, paper.id), rel="alternate")
        authors = [to_plain(a) for a in paper.authors]
        item.author([{"name": a} for a in authors[:20]] or [{"name": "arXiv"}])
        for tag in entry.tags:
            item.category(term=one_line(tag))
        item.content(entry_html(digest, entry, authors), type="html")
    return feed.atom_str(pretty=True).decode("utf-8")


def entry_html(digest: Digest, entry: Entry, authors: list[str]) -> str:
    """简介, 标签, score and reason, links; every text escaped (the model's and arXiv's). The
    abstract only where there is no 简介 (--no-llm, a failed paper): the feed stays small."""
    paper = entry.paper
    esc = html.escape
    parts = [f"<p><b>{SECTION_NAMES[paper.section]}</b> · {esc(digest.date.isoformat())} · "
             f"{esc('; '.join(paper.categories))}</p>"]  # fmt: skip
    if entry.summary:
        parts.append(f"<p><b>简介：</b>{esc(one_line(entry.summary))}</p>")
    if entry.tags:
        parts.append(f"<p><b>标签：</b>{esc('; '.join(one_line(t) for t in entry.tags))}</p>")
    if entry.score:  # (0: nothing matched; as the ⭐ list, say nothing)
        reason = f"，{esc(one_line(entry.reason))}" if entry.reason else ""
        parts.append(f"<p><b>相关度：</b>{entry.score} 分{reason}</p>")
    parts.append(f"<p><b>作者：</b>{esc('; '.join(authors))}</p>")
    if not entry.summary:
        parts.append(f"<p><b>摘要：</b>{esc(to_plain(paper.abstract))}</p>")
    parts.append(
        f'<p><a href="{esc(abs_url(paper.id))}">arXiv</a> · '
        f'<a href="{esc(paper.pdf_url)}">PDF</a></p>'
    )
    return "\n".join(parts)


def _moment(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
