"""`arxiv-digest site`: the web reader, static files built from the output folder's JSON.

The site is built in a new folder beside ``dest`` and swapped in when complete, so a failed build
leaves the last good site in place; ``dest`` is only ever replaced when it is empty or a site this
command built (it holds our marker file), never a folder of the user's."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from arxiv_digest.errors import InputError, StorageError
from arxiv_digest.site import reuse, search
from arxiv_digest.site.pages import Site, calendar, collect, recommended, sections_view
from arxiv_digest.storage import why

MARKER = reuse.MARKER
PACKAGE = resources.files("arxiv_digest.site")


@dataclass
class BuildReport:
    pages: int
    papers: int
    rendered: int  # pages written anew; the rest were kept from the last build
    skipped: list[str]
    search: str  # "pagefind", or why there is no search
    seconds: float


def build_site(
    output: Path, dest: Path, say: Callable[[str], None] = lambda _: None
) -> BuildReport:
    started = time.monotonic()
    if not output.is_dir():
        raise InputError(f"no output folder {output}: run arxiv-digest summarize first")
    _check_dest(dest, output)
    before = reuse.read_manifest(dest)
    site = collect(output, before.files)
    for line in site.skipped:
        say(f"skipped {line}")
    dest_parent = dest.resolve().parent
    try:
        dest_parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest_parent))
    except OSError as exc:
        raise StorageError(f"cannot write {dest_parent}: {why(exc)}") from None
    try:
        if before.usable:
            reuse.link_tree(dest, work)
        after = reuse.Manifest(version=reuse.code_version())
        papers, written = _write_pages(site, work, before if before.usable else None, after)
        rendered = len(written)
        written |= reuse.remove_stale(work, {page.path for page in site.pages})
        _copy_static(work)
        _copy_feeds(output, work)
        months = sorted({page.date[:7] for page in site.pages}, reverse=True)
        changed = {path[:7] for path in written}
        old = dest if before.usable else None
        searched = (search.index(work, months, changed, old, say) if site.pages
                    else "no digests to search")
        reuse.write_manifest(work / MARKER, after, site)
        os.chmod(work, 0o755)  # mkdtemp makes 0700; Pages and local servers need to read it
        _swap(work, dest)
    except OSError as exc:
        raise StorageError(f"cannot write the site in {dest_parent}: {why(exc)}") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return BuildReport(len(site.pages), papers, rendered, site.skipped, searched,
                       time.monotonic() - started)


def _check_dest(dest: Path, output: Path) -> None:
    if dest.exists() and not dest.is_dir():
        raise InputError(f"--dest {dest} is a file, not a folder")
    resolved, out = dest.resolve(), output.resolve()
    if resolved == out or out.is_relative_to(resolved) or resolved.is_relative_to(out):
        raise InputError(f"--dest {dest} must be outside the output folder {output}")
    if dest.is_dir() and any(dest.iterdir()) and not (dest / MARKER).exists():
        raise InputError(
            f"--dest {dest} holds files that arxiv-digest did not build; "
            "name an empty or new folder"
        )


def _swap(work: Path, dest: Path) -> None:
    """The new site in place of the old in two renames; the old one removed afterwards."""
    old = None
    if dest.exists():
        old = work.with_name(work.name + ".old")
        os.replace(dest, old)
    os.replace(work, dest)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(PACKAGE / "templates")),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _write_pages(
    site: Site, work: Path, before: reuse.Manifest | None, after: reuse.Manifest
) -> tuple[int, set[str]]:
    """Every page; a day's group page is rendered only when its JSON or what it links to
    (neighbouring days, the other groups, 首次收录 targets) changed since the last build."""
    env = environment()
    env.globals["search"] = search.pagefind_binary() is not None
    day_tpl, group_tpl = env.get_template("day.html"), env.get_template("group.html")
    known = {page.href for page in site.pages}
    days = site.days()
    dates = [date for date, _ in days]
    papers = 0
    written: set[str] = set()
    by_group: dict[str, list[str]] = {}
    for date, pages in days:
        for page in pages:
            by_group.setdefault(page.name, []).append(date)
    for position, (date, pages) in enumerate(days):
        folder = work / date
        folder.mkdir(exist_ok=True)
        newer = dates[position - 1] if position > 0 else None
        older = dates[position + 1] if position + 1 < len(dates) else None
        _write(folder / "index.html", day_tpl.render(
            root="../", date=date, pages=pages, newer=newer, older=older))
        for page in pages:
            group_dates = by_group[page.name]
            at = group_dates.index(date)
            context = {
                "newer": group_dates[at - 1] if at > 0 else None,
                "older": group_dates[at + 1] if at + 1 < len(group_dates) else None,
                "siblings": [(p.name, p.title) for p in pages],
                "links": [link for link in page.links if link in known],
            }
            stamp = reuse.stamp(page.key, context)
            after.pages[page.href] = stamp
            papers += page.new + page.replaced
            target = work / page.path
            if before is not None and before.pages.get(page.href) == stamp and target.is_file():
                continue
            _write(target, group_tpl.render(
                root="../", page=page, date=date, siblings=pages,
                newer=context["newer"], older=context["older"],
                sections=sections_view(page, known), top=recommended(page)))
            page.loaded = None  # a year of digests is not kept in memory
            written.add(page.path)
    _write(work / "index.html", env.get_template("index.html").render(
        root="", days=days, months=calendar(dates)))
    _write(work / "starred.html", env.get_template("starred.html").render(root=""))
    return papers, written


def _write(path: Path, text: str) -> None:
    path.unlink(missing_ok=True)  # it may be a hard link into the last build: never write through
    path.write_text(text, encoding="utf-8", newline="\n")


def _copy_feeds(output: Path, work: Path) -> None:
    """output/feeds/*.atom, where pushes and feed readers are sent when site_url is set."""
    feeds = sorted((output / "feeds").glob("*.atom")) if (output / "feeds").is_dir() else []
    if feeds:
        (work / "feeds").mkdir(exist_ok=True)
        for feed in feeds:
            shutil.copyfile(feed, work / "feeds" / feed.name)


def _copy_static(work: Path) -> None:
    assets = work / "assets"
    shutil.rmtree(assets, ignore_errors=True)
    with resources.as_file(PACKAGE / "static") as static:
        shutil.copytree(static, assets)
    with contextlib.suppress(FileNotFoundError):
        (assets / "README.md").unlink()
