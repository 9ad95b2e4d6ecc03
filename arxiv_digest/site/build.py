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
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from arxiv_digest.errors import InputError, StorageError
from arxiv_digest.site import days as days_module
from arxiv_digest.site import reuse, search
from arxiv_digest.site.pages import GroupPage, calendar, page_href
from arxiv_digest.storage import day_dirs, why

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
    days = _json_files(output)
    dest_parent = dest.resolve().parent
    try:
        dest_parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest_parent))
    except OSError as exc:
        raise StorageError(f"cannot write {dest_parent}: {why(exc)}") from None
    indexer = _indexer(work, dest if before.usable else None, say)
    try:
        if before.usable:
            reuse.link_tree(dest, work)
        removed = reuse.remove_stale(work, {_page_path(p) for _, paths in days for p in paths})
        _copy_static(work)
        _copy_feeds(output, work)
        plan = _plan(work, days, before if before.usable else reuse.Manifest(), indexer)
        results = _render(days, plan, indexer, {path[:7] for path in removed})
        skipped = [line for r in results for line in r.skipped]
        for line in skipped:
            say(f"skipped {line}")
        written = {path for r in results for path in r.written}
        if skipped:  # pages linked to what is not there: render again what changes
            days = [(r.date, [p.source for p in r.pages]) for r in results if r.pages]
            plan = _plan(work, days, _manifest(results), indexer)
            gone = reuse.remove_stale(work, {_page_path(p) for _, paths in days for p in paths})
            if indexer is not None:
                indexer.wait()
            results = _render(days, plan, None, set())
            written |= {path for r in results for path in r.written}
            for month in sorted({path[:7] for r in results for path in r.written} |
                                {path[:7] for path in gone}):
                if indexer is not None:
                    indexer.again(month)
        pages = [page for r in results for page in r.pages]
        dated = [(r.date, r.pages) for r in results]
        env = days_module.environment(plan.search)
        days_module.write(work / "index.html", env.get_template("index.html").render(
            root="", days=dated, months=calendar([date for date, _ in dated])))
        days_module.write(work / "starred.html", env.get_template("starred.html").render(root=""))
        months = sorted({page.date[:7] for page in pages}, reverse=True)
        if indexer is None:
            searched = "none: Pagefind not installed"
        elif not pages:
            searched = "no digests to search"
        else:
            searched = indexer.finish(months)
        reuse.write_manifest(work / MARKER, _manifest(results))
        os.chmod(work, 0o755)  # mkdtemp makes 0700; Pages and local servers need to read it
        _swap(work, dest)
    except OSError as exc:
        raise StorageError(f"cannot write the site in {dest_parent}: {why(exc)}") from None
    finally:
        if indexer is not None:
            indexer.close()
        shutil.rmtree(work, ignore_errors=True)
    papers = sum(page.new + page.replaced for page in pages)
    return BuildReport(len(pages), papers, len(written), skipped, searched,
                       time.monotonic() - started)


def _json_files(output: Path) -> list[tuple[str, list[Path]]]:
    """Each day's JSON files, newest day first: the pages the site will have if all are readable."""
    days = []
    for day in day_dirs(output):
        paths = sorted(day.glob("*.json"))
        if paths:
            days.append((day.name, paths))
    return days


def _page_path(json_path: Path) -> str:
    return f"{json_path.parent.name}/{json_path.stem}.html"


def _json_path(page: GroupPage) -> str:
    return f"{page.source.parent.name}/{page.source.name}"


def _manifest(results: list[days_module.DayResult]) -> reuse.Manifest:
    """What the next build reuses: each page's stamp, each readable JSON file's record."""
    return reuse.Manifest(reuse.code_version(),
                          {href: stamp for r in results for href, stamp in r.stamps.items()},
                          {_json_path(page): page.record() for r in results for page in r.pages})


def _plan(work: Path, days: list[tuple[str, list[Path]]], before: reuse.Manifest,
          indexer: search.Indexer | None) -> days_module.Plan:
    group_dates: dict[str, list[str]] = {}
    for date, paths in days:
        for path in paths:
            group_dates.setdefault(path.stem, []).append(date)
    known = {page_href(path.parent.name, path.stem) for _, paths in days for path in paths}
    return days_module.Plan(work, known, group_dates, [date for date, _ in days], before.pages,
                            before.files, indexer is not None)


def _render(
    days: list[tuple[str, list[Path]]], plan: days_module.Plan, indexer: search.Indexer | None,
    changed: set[str],
) -> list[days_module.DayResult]:
    """Every day, spread over the cores (a day per task, in order, newest first); each month is
    handed to the indexer once its last day is written, so Pagefind runs beside the rendering."""
    workers = min(len(days), _cores())
    results: list[days_module.DayResult] = []
    month = None
    with contextlib.ExitStack() as stack:
        if workers > 1:
            pool = stack.enter_context(ProcessPoolExecutor(
                workers, initializer=days_module.start, initargs=(plan,)))
            # on a failure (Pagefind's, say) the days not yet begun are dropped, not rendered first
            stack.callback(pool.shutdown, cancel_futures=True)
            done = pool.map(days_module.render_day, *zip(*days, strict=True))
        else:
            days_module.start(plan)
            done = (days_module.render_day(date, paths) for date, paths in days)
        for result in done:
            if indexer is not None and month is not None and result.date[:7] != month:
                indexer.add(month, month in changed)
            month = result.date[:7]
            if result.written:
                changed.add(month)
            if indexer is not None:
                indexer.poll()
            results.append(result)
    if indexer is not None and month is not None:
        indexer.add(month, month in changed)
    return results


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _indexer(work: Path, old: Path | None, say: Callable[[str], None]) -> search.Indexer | None:
    binary = search.pagefind_binary()
    if binary is None:
        say("search left out: Pagefind is not installed (pip install 'arxiv-digest[site]')")
        return None
    if "extended" not in binary.name:
        say("Pagefind without its extended build: Chinese text is not split into words")
    return search.Indexer(binary, work, old, _cores())


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
