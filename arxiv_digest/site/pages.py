"""What the reader's pages show, gathered from the output folder's digests: one place that knows
the JSON's fields, so the templates only lay them out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from markupsafe import Markup

from arxiv_digest.models import Digest, Entry, Section
from arxiv_digest.render.markdown import FAILED_SUMMARY, SECTION_TITLES
from arxiv_digest.site.tex import tex_html
from arxiv_digest.storage import load_digest


@dataclass
class GroupPage:
    """One day's digest of one group: the page ``DATE/GROUP.html``. What the index needs is kept
    here; the digest itself is read only for a page that is rendered (an unchanged page of an
    earlier build is reused with what the build's manifest recorded)."""

    source: Path
    key: str  # hash of the JSON file's bytes
    date: str
    name: str
    title: str
    categories: list[str]
    new: int
    replaced: int
    links: list[str]  # the pages this one's 首次收录 lines point at
    loaded: Digest | None = None

    @classmethod
    def of(cls, digest: Digest, source: Path, key: str) -> GroupPage:
        links = sorted({page_href(e.first_seen.date.isoformat(), e.first_seen.group)
                        for e in digest.entries if e.first_seen is not None})
        return cls(source, key, digest.date.isoformat(), digest.group.name, digest.group.title,
                   list(digest.group.categories), len(digest.section("new")),
                   len(digest.section("replaced")), links, digest)

    @property
    def digest(self) -> Digest:
        if self.loaded is None:
            self.loaded = load_digest(self.source)
        return self.loaded

    @property
    def href(self) -> str:
        """From the site's root."""
        return page_href(self.date, self.name)

    @property
    def path(self) -> str:
        """The file, from the site's root (a group name may hold "+", which a URL escapes)."""
        return f"{self.date}/{self.name}.html"

    @property
    def overview(self) -> str | None:
        return getattr(self.digest, "overview", None) or None

    def count(self, section: Section) -> int:
        return self.new if section == "new" else self.replaced

    @classmethod
    def from_record(cls, source: Path, record: dict[str, object]) -> GroupPage:
        r = record
        return cls(source, str(r["key"]), str(r["date"]), str(r["name"]), str(r["title"]),
                   list(r["categories"]), int(r["new"]), int(r["replaced"]),  # type: ignore[arg-type, call-overload]
                   list(r["links"]))  # type: ignore[call-overload]

    def record(self) -> dict[str, object]:
        """What the manifest keeps, so a later build can list this page without reading it."""
        return {"key": self.key, "date": self.date, "name": self.name, "title": self.title,
                "categories": self.categories, "new": self.new, "replaced": self.replaced,
                "links": self.links}


def page_href(date: str, group: str) -> str:
    return f"{date}/{quote(group)}.html"


@dataclass(slots=True)
class PaperView:
    """The fields of one paper block, escaped where they hold TeX; attributes rather than a dict,
    since Jinja2 tries an attribute before an item (a dict pays for a failed getattr per field)."""

    id: str
    section: str
    number: int
    label: str
    title: Markup
    title_zh: str | None
    cats: str  # "; "-joined, as shown
    cats_attr: str  # " "-joined, for the filter's data attribute
    tags: list[str]
    tags_json: str
    summary: str | None
    failed: str | None
    score: int | None
    reason: str | None
    authors: Markup
    comment: Markup | None
    abstract: Markup
    abs_url: str
    pdf_url: str
    first_seen: dict[str, object] | None


def paper_view(entry: Entry, number: int, known: set[str]) -> PaperView:
    """One paper block; ``known`` holds the pages the site has, so a 首次收录 link never points
    at a page that is not there."""
    paper = entry.paper
    seen = entry.first_seen
    first_seen = None
    if seen is not None:
        href = page_href(seen.date.isoformat(), seen.group)
        first_seen = {
            "label": f"{seen.date.isoformat()} [{seen.section} {seen.number:03d}]",
            "href": f"{href}#{paper.id}" if href in known else None,
            "changed": seen.abstract_changed,
        }
    return PaperView(
        id=paper.id,
        section=paper.section,
        number=number,
        label=f"{paper.section} {number:03d}",
        title=tex_html(paper.title),
        title_zh=getattr(entry, "title_zh", None),
        cats="; ".join(paper.categories),
        cats_attr=" ".join(paper.categories),
        tags=entry.tags,
        tags_json=json.dumps(entry.tags, ensure_ascii=False),
        summary=entry.summary if entry.status == "ok" else None,
        failed=FAILED_SUMMARY if entry.status == "failed" else None,
        score=entry.score,
        reason=entry.reason,
        authors=tex_html("; ".join(paper.authors)),
        comment=tex_html(paper.comment) if paper.comment else None,
        abstract=tex_html(paper.abstract),
        abs_url=f"https://arxiv.org/abs/{paper.id}",
        pdf_url=paper.pdf_url,
        first_seen=first_seen,
    )


def sections_view(page: GroupPage, known: set[str]) -> list[dict[str, object]]:
    out = []
    for section, title in SECTION_TITLES.items():
        entries = page.digest.section(section)
        if entries:
            papers = [paper_view(e, n, known) for n, e in enumerate(entries, start=1)]
            out.append({"id": f"section-{section}", "title": title, "papers": papers})
    return out


def recommended(page: GroupPage) -> list[dict[str, object]]:
    """⭐ 今日推荐, as in the Markdown: the top scores, arXiv's order among equals."""
    top = page.digest.group.top
    numbered = [
        (entry, f"{section} {number:03d}")
        for section in SECTION_TITLES
        for number, entry in enumerate(page.digest.section(section), start=1)
        if entry.score
    ]
    numbered.sort(key=lambda item: -(item[0].score or 0))
    return [
        {"id": e.paper.id, "label": label, "title": tex_html(e.paper.title),
         "title_zh": getattr(e, "title_zh", None), "score": e.score, "reason": e.reason}
        for e, label in numbered[:top]
    ]


def calendar(dates: list[str]) -> list[dict[str, object]]:
    """Month grids (newest month first), Monday first, each cell a day number or None."""
    import calendar as cal
    import datetime as dt

    have = set(dates)
    months = sorted({d[:7] for d in dates}, reverse=True)
    out = []
    for month in months:
        year, mon = int(month[:4]), int(month[5:])
        weeks = []
        for week in cal.Calendar(firstweekday=0).monthdatescalendar(year, mon):
            row = []
            for day in week:
                iso = day.isoformat()
                if day.month != mon:
                    row.append(None)
                else:
                    row.append({"day": day.day, "date": iso, "has": iso in have})
            weeks.append(row)
        out.append({"label": f"{year} 年 {mon} 月", "weeks": weeks,
                    "id": f"m-{month}", "first": dt.date(year, mon, 1).isoformat()})
    return out
