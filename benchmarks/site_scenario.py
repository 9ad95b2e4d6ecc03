"""The web reader's cost: a year of digests built into a site, a day page's weight in a browser,
and what a search loads.

A year = 250 weekdays × 5 groups × 200 papers, made from the real papers of
tests/fixtures/rss (TeX and all; ids renumbered so each is unique) with tags, a 简介 and a score
per paper as a summarize run writes them. Then `arxiv-digest site` is timed in a process of its
own (wall; CPU with its workers and Pagefind; the largest process's memory), and Debian's
chromium loads the largest day page and runs one search, counting every byte the page asks for
(raw, and gzip-compressed as GitHub Pages serves it).

    python benchmarks/site_scenario.py              # a year (about 5 GB of temp space)
    python benchmarks/site_scenario.py --days 20    # a quick look
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gzip
import http.server
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from arxiv_digest.models import Digest, Entry, Group
from arxiv_digest.sources.feed import parse_feed

ROOT = Path(__file__).resolve().parents[1]
RSS = ROOT / "tests" / "fixtures" / "rss"
GROUPS = ["quant", "audio", "vision", "robots", "language"]
TAGS = ["量子计算", "语音增强", "目标检测", "强化学习", "大语言模型", "扩散模型", "纠缠", "机器人"]


def real_papers() -> list:
    papers = []
    for feed in sorted(RSS.glob("rss2_*.xml")):
        papers += parse_feed(feed.read_bytes()).papers
    return papers


def make_year(output: Path, days: int, groups: int, per_group: int, first: int = 0) -> int:
    papers = real_papers()
    day = dt.date(2025, 1, 6) + dt.timedelta(weeks=first // 5, days=first % 5)
    count = 0
    for d in range(first, first + days):
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        folder = output / day.isoformat()
        folder.mkdir(parents=True)
        for g, name in enumerate(GROUPS[:groups]):
            entries = []
            for i in range(per_group):
                source = papers[(d * 7 + g * 31 + i) % len(papers)]
                number = (d % 40) * 2500 + g * 500 + i
                paper = source.model_copy(update={"id": f"{2501 + d // 40}.{number:05d}"})
                entries.append(Entry(
                    paper=paper, status="ok",
                    tags=[TAGS[(i + g) % len(TAGS)], TAGS[(i * 3 + d) % len(TAGS)]],
                    summary=f"本文针对{TAGS[i % len(TAGS)]}问题提出新方法，在公开数据集上"
                            f"取得更好结果，并分析了{TAGS[(i + 1) % len(TAGS)]}的局限。",
                    score=(i * 37 + d) % 101, reason="匹配: entanglement, speech",
                ))
            group = Group(name=name, title=f"分组{g}", categories=["quant-ph"], interests="x")
            digest = Digest(date=day, group=group, entries=entries)
            (folder / f"{name}.json").write_text(
                json.dumps(digest.to_json(), ensure_ascii=False), encoding="utf-8")
            count += per_group
        day += dt.timedelta(days=1)
    return count


# the build in a process of its own, which then says the largest resident set among itself and
# its children (the render workers and Pagefind), in kB
BUILD = """
import resource, sys
from arxiv_digest.cli import app
try:
    app(["site", "--output", sys.argv[1], "--dest", sys.argv[2]])
except SystemExit as exc:
    if exc.code:
        raise
finally:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"maxrss {max(own, children)}")
"""


def timed_build(output: Path, dest: Path) -> dict[str, float]:
    """`arxiv-digest site`: wall seconds, CPU seconds (user + system, its worker processes and
    Pagefind's included) and the largest resident set of any of those processes."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", BUILD, str(output), str(dest)],
                          capture_output=True, text=True, check=True, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    rendered = re.search(r"\((\d+) rendered", done.stderr + done.stdout)
    largest = re.search(r"maxrss (\d+)", done.stdout)
    return {
        "wall s": wall,
        "CPU s (user + sys)": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
        "largest process MB": int(largest.group(1)) / 1024 if largest else -1,
        "pages rendered": float(rendered.group(1)) if rendered else -1,
    }


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def browse(site: Path, page: str, query: str) -> dict[str, object]:
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    loads: list[tuple[str, int, int]] = []  # url, raw bytes, gzip bytes
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium")
        tab = browser.new_page()

        def seen(response: object) -> None:
            body = response.body()  # type: ignore[attr-defined]
            loads.append((response.url, len(body), len(gzip.compress(body, 6))))  # type: ignore[attr-defined]

        tab.on("response", seen)
        started = time.perf_counter()
        tab.goto(base + page)
        tab.wait_for_function("document.querySelectorAll('.tex.typeset').length > 0")
        tab.wait_for_timeout(500)
        loaded = time.perf_counter() - started
        before = list(loads)
        tab.keyboard.press("/")
        started = time.perf_counter()
        tab.keyboard.type(query)
        tab.locator("#results a.r-hit").first.wait_for(timeout=60_000)
        searched = time.perf_counter() - started
        tab.wait_for_timeout(1000)
        browser.close()
    server.shutdown()
    after = loads[len(before):]
    return {
        "page": page, "load_s": loaded, "search_s": searched,
        "page_requests": len(before), "page_raw": sum(r for _, r, _ in before),
        "page_gzip": sum(g for _, _, g in before),
        "html_raw": before[0][1], "html_gzip": before[0][2],
        "search_requests": len(after), "search_raw": sum(r for _, r, _ in after),
        "search_gzip": sum(g for _, _, g in after),
        "search_files": sorted({u.rsplit("/", 2)[-2] for u, _, _ in after if "/pagefind/" in u}),
    }


def folder_size(path: Path) -> tuple[int, int]:
    files = [p for p in path.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=250)
    parser.add_argument("--groups", type=int, default=5)
    parser.add_argument("--papers", type=int, default=200)
    parser.add_argument("--query", default="语音增强 entanglement")
    parser.add_argument("--keep", type=Path, help="build here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="site-bench-") as tmp:
        root = args.keep or Path(tmp)
        output, dest = root / "output", root / "_site"
        began = time.perf_counter()
        papers = make_year(output, args.days, args.groups, args.papers)
        print(f"{args.days} days × {args.groups} groups × {args.papers} papers = {papers} papers "
              f"(made in {time.perf_counter() - began:.0f} s)")
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print("first build (nothing to reuse):")
        for what, value in timed_build(output, dest).items():
            print(f"  {what:22} {value:7.1f}")
        print(f"  load average now       {os.getloadavg()[0]:7.1f}")
        make_year(output, 1, args.groups, args.papers, first=args.days)
        print("the next day's build (one new day, the last build reused):")
        for what, value in timed_build(output, dest).items():
            print(f"  {what:22} {value:7.1f}")
        print(f"  load average now       {os.getloadavg()[0]:7.1f}")
        files, size = folder_size(dest)
        index_files, index_size = folder_size(dest / "pagefind")
        print(f"site: {files} files, {size / 1e6:.0f} MB; search index {index_files} files, "
              f"{index_size / 1e6:.0f} MB")
        biggest = max(dest.glob("*/*.html"), key=lambda p: p.stat().st_size)
        shown = browse(dest, f"{biggest.parent.name}/{biggest.name}", args.query)
        print(f"day page {shown['page']}: HTML {shown['html_raw'] / 1e3:.0f} kB "
              f"({shown['html_gzip'] / 1e3:.0f} kB gzip); everything before a search: "
              f"{shown['page_requests']} requests, {shown['page_raw'] / 1e3:.0f} kB "
              f"({shown['page_gzip'] / 1e3:.0f} kB gzip), loaded and typeset in "
              f"{shown['load_s']:.1f} s")
        print(f"search {args.query!r}: {shown['search_requests']} requests, "
              f"{shown['search_raw'] / 1e3:.0f} kB ({shown['search_gzip'] / 1e3:.0f} kB gzip), "
              f"first hit in {shown['search_s']:.1f} s; from {shown['search_files']}")


if __name__ == "__main__":
    main()
