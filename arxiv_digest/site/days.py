"""One day of the site, the unit of work a build spreads over the cores: the day's digests read
(or the last build's record of an unchanged one taken), each group's page rendered unless the
last build's is still right, and the day's own index page. A worker holds one day at a time, so
a year of digests is never in memory at once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from arxiv_digest.site import reuse
from arxiv_digest.site.pages import GroupPage, recommended, sections_view
from arxiv_digest.storage import parse_digest, read_digest_bytes

PACKAGE = resources.files("arxiv_digest.site")


@dataclass
class Plan:
    """What a day's pages link to, fixed before any day is rendered. The pages the site will have
    are taken to be the output folder's JSON files (storage names a digest by its path, so a
    readable one is exactly that page); a file that turns out unreadable is corrected for after
    (build.py renders again what linked to it)."""

    work: Path
    known: set[str]  # every page's href
    group_dates: dict[str, list[str]]  # group → the days it has a page, newest first
    dates: list[str]  # the days, newest first
    stamps: dict[str, str] = field(default_factory=dict)  # the last build's pages
    records: dict[str, dict[str, object]] = field(default_factory=dict)  # and JSON files
    search: bool = False


@dataclass
class DayResult:
    date: str
    pages: list[GroupPage]  # without their digests: what the index and the manifest need
    stamps: dict[str, str]  # page href → what it was rendered from
    written: list[str]  # pages rendered, from the site's root
    skipped: list[str]  # files that are not readable digests, and why


def environment(search: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(PACKAGE / "templates")),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["search"] = search
    return env


_state: tuple[Plan, Environment] | None = None


def start(plan: Plan) -> None:
    """A worker's set-up (the pool's initializer): the plan and the templates, once."""
    global _state
    _state = (plan, environment(plan.search))


def render_day(date: str, paths: list[Path]) -> DayResult:
    assert _state is not None, "start(plan) first"
    plan, env = _state
    result = DayResult(date, [], {}, [], [])
    for path in paths:
        page = _read(path, plan, result.skipped)
        if page is not None:
            result.pages.append(page)
    folder = plan.work / date
    folder.mkdir(exist_ok=True)
    tpl = env.get_template("group.html")
    for page in result.pages:
        dates = plan.group_dates[page.name]
        at = dates.index(date)
        context = {
            "newer": dates[at - 1] if at > 0 else None,
            "older": dates[at + 1] if at + 1 < len(dates) else None,
            "siblings": [(p.name, p.title) for p in result.pages],
            "links": [link for link in page.links if link in plan.known],
        }
        stamp = result.stamps[page.href] = reuse.stamp(page.key, context)
        target = plan.work / page.path
        if plan.stamps.get(page.href) == stamp and target.is_file():
            continue
        write(target, tpl.render(
            root="../", page=page, date=date, siblings=result.pages,
            newer=context["newer"], older=context["older"],
            sections=sections_view(page, plan.known), top=recommended(page)))
        page.loaded = None
        result.written.append(page.path)
    at = plan.dates.index(date)
    write(folder / "index.html", env.get_template("day.html").render(
        root="../", date=date, pages=result.pages,
        newer=plan.dates[at - 1] if at > 0 else None,
        older=plan.dates[at + 1] if at + 1 < len(plan.dates) else None))
    for page in result.pages:
        page.loaded = None  # the parent needs the record, not the digest
    return result


def _read(path: Path, plan: Plan, skipped: list[str]) -> GroupPage | None:
    """The page of one JSON file; its record from the last build when its bytes are unchanged
    (the digest is then parsed only if the page has to be rendered again)."""
    try:
        data = read_digest_bytes(path)  # no link, FIFO or /dev/zero: storage's rules
        key = hashlib.sha1(data).hexdigest()
        record = plan.records.get(f"{path.parent.name}/{path.name}")
        if record is not None and record.get("key") == key:
            return GroupPage.from_record(path, record)
        digest = parse_digest(data, path)  # its date and group are its path's, or NotADigest
    except (OSError, ValueError, KeyError, TypeError) as exc:
        skipped.append(f"{path}: {str(exc).splitlines()[0][:120]}")
        return None
    return GroupPage.of(digest, path, key)


def write(path: Path, text: str) -> None:
    path.unlink(missing_ok=True)  # it may be a hard link into the last build: never write through
    path.write_text(text, encoding="utf-8", newline="\n")
