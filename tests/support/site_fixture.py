"""A small output folder for the web reader's tests: real arXiv feeds from tests/fixtures, each
paper given tags, a 简介 and a score the way a summarize run would, over three days."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from arxiv_digest.models import Digest, Entry, FirstSeen, Group
from arxiv_digest.render.markdown import render_digest
from arxiv_digest.site import search
from arxiv_digest.site.build import BuildReport, build_site
from arxiv_digest.sources.feed import parse_feed
from arxiv_digest.storage import write_digest

RSS = Path(__file__).resolve().parents[1] / "fixtures" / "rss"
FEEDS = {  # group name → (title, feed file)
    "quant": ("量子物理", "rss2_quant-ph_2025-04-28_RSSFeeds.jl.xml"),
    "ai": ("人工智能", "rss2_cs.AI_2026-04-27_TRIMMED3_distill.xml"),
    "cl": ("自然语言处理", "rss2_cs.CL_2026-04-27_TRIMMED3_distill.xml"),
    "lg": ("机器学习", "rss2_cs.LG+cs.AI+cs.CL+stat.ML_2026-09-24_TRIMMED4_laya-reader.xml"),
}
TAGS = ["量子计算", "纠缠", "误差校正", "量子传感", "机器学习"]
# a phrase only one paper's 简介 holds, for the search across days
NEEDLE = "蜂鸟算法"
REAL_PAGEFIND = search.pagefind_binary  # as installed, whatever a test patches in later


def summary_for(index: int, group: str, title: str) -> str:
    words = f"本文研究{title[:30]}，提出了新方法并在实验中验证。"
    if group == "cl" and index == 0:
        words += f"作者称之为{NEEDLE}。"
    return words


def make_output(output: Path, *, failed: bool = True) -> list[Digest]:
    digests = []
    for name, (title, file) in FEEDS.items():
        listing = parse_feed((RSS / file).read_bytes())
        entries = []
        for i, paper in enumerate(listing.papers):
            if failed and name == "quant" and i == 2:
                entries.append(Entry(paper=paper, status="failed", error="timeout"))
                continue
            first_seen = None
            if name == "lg" and i == 0:
                first_seen = FirstSeen(date="2026-04-27", group="cl", section="new", number=1)
            entries.append(Entry(
                paper=paper, status="ok", tags=[TAGS[i % len(TAGS)], TAGS[(i * 3 + 1) % 5]],
                summary=summary_for(i, name, paper.title),
                score=(i * 37) % 101 if name == "quant" else None,
                reason="匹配: entanglement" if name == "quant" and i % 2 == 0 else None,
                first_seen=first_seen,
            ))
        group = Group(name=name, title=title, categories=listing.categories,
                      interests="entanglement" if name == "quant" else "")
        digest = Digest(date=listing.date, group=group, entries=entries)
        write_digest(output, digest, render_digest(digest))
        digests.append(digest)
    return digests


@dataclass
class ReaderSite:
    output: Path
    site: Path
    report: BuildReport


def build_reader_site(folder: Path) -> ReaderSite:
    """The output folder above built into a site with search (when Pagefind is installed): done
    once a session (tests/conftest.py), since Pagefind takes seconds; a test that changes it
    works on a copy."""
    make_output(folder / "output")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "pagefind_binary", REAL_PAGEFIND)
        report = build_site(folder / "output", folder / "_site")
    return ReaderSite(folder / "output", folder / "_site", report)
