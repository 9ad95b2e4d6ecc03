"""`arxiv-digest site` without a browser: what it writes, what it refuses, what it skips."""

from __future__ import annotations

import gzip
import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.models import Entry
from arxiv_digest.site import search
from arxiv_digest.site.tex import tex_html
from tests.support.site_fixture import ReaderSite, make_output

STATIC = Path(__file__).resolve().parents[1] / "arxiv_digest" / "site" / "static"
REAL_PAGEFIND = search.pagefind_binary
KATEX_VERSION = "0.19.1"  # npm package katex, vendored by scripts/vendor-katex.sh


@pytest.fixture(autouse=True)
def no_search(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pagefind takes seconds a build; the browser tests build and search the index."""
    monkeypatch.setattr(search, "pagefind_binary", lambda: None)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_tex_becomes_spans_for_katex_and_text_mode_becomes_characters() -> None:
    source = r"Schr\"odinger's $\hat H\psi=E\psi$ costs $5 and $10 -- 25\% of \emph{all} <b>"
    html = str(tex_html(source))
    assert html == (
        'Schrödinger\'s <span class="tex">$\\hat H\\psi=E\\psi$</span> costs $5 and $10 – 25% '
        "of all &lt;b&gt;"
    ).replace("'", "&#39;")
    assert str(tex_html(r"\(a<b\) and $$x$$")) == (
        '<span class="tex">\\(a&lt;b\\)</span> and <span class="tex display">$$x$$</span>'
    )
    assert str(tex_html("a lone $ sign")) == "a lone $ sign"


def test_every_day_and_group_gets_a_page_and_the_index_links_them(tmp_path: Path) -> None:
    digests = make_output(tmp_path / "output")
    code, out = run("site", "--output", "output", "--dest", "_site")
    assert code == 0, out
    site = tmp_path / "_site"
    index = (site / "index.html").read_text(encoding="utf-8")
    for digest in digests:
        page = site / digest.date.isoformat() / f"{digest.group.name}.html"
        html = page.read_text(encoding="utf-8")
        ids = re.findall(r'<h3 id="([^"]+)"', html)
        assert ids == [e.paper.id for e in digest.entries]
        assert f'href="{digest.date.isoformat()}/{digest.group.name}.html"' in index
        assert "https://" not in re.sub(r'href="https://arxiv\.org/(abs|pdf)/[^"]+"', "", html)
    assert index.index("2026-09-24") < index.index("2026-04-27") < index.index("2025-04-28")
    assert "4 pages (4 rendered, the rest kept from the last build), 91 papers" in out


def test_the_feeds_are_published_with_the_site(tmp_path: Path) -> None:
    make_output(tmp_path / "output")
    (tmp_path / "output" / "feeds").mkdir()
    (tmp_path / "output" / "feeds" / "ai.atom").write_text("<feed/>", encoding="utf-8")
    assert run("site")[0] == 0
    assert (tmp_path / "_site" / "feeds" / "ai.atom").read_text(encoding="utf-8") == "<feed/>"


def test_hostile_text_is_escaped_and_absent_fields_are_left_out(tmp_path: Path) -> None:
    make_output(tmp_path / "output")
    path = tmp_path / "output" / "2026-04-27" / "ai.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["papers"][0]["title"] = '<script>alert(1)</script> "quoted"'
    data["papers"][0]["tags"] = ['"><img src=x onerror=alert(1)>']
    data["papers"][0]["summary"] = "<iframe>"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert run("site")[0] == 0
    html = (tmp_path / "_site" / "2026-04-27" / "ai.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html and "<iframe>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "今日概览" not in html and 'class="title-en"' not in html  # no overview, no 中文标题


def test_a_damaged_digest_is_skipped_and_named(tmp_path: Path) -> None:
    make_output(tmp_path / "output")
    (tmp_path / "output" / "2026-04-27" / "cl.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "output" / "2026-04-27" / "notes.json").write_text("[]", encoding="utf-8")
    code, out = run("site")
    assert code == 0
    assert "skipped output/2026-04-27/cl.json" in out and "notes.json" in out
    assert not (tmp_path / "_site" / "2026-04-27" / "cl.html").exists()
    ai = (tmp_path / "_site" / "2026-04-27" / "ai.html").read_text(encoding="utf-8")
    assert 'href="cl.html"' not in ai  # no link to the page that is not there: not as a sibling,
    lg = (tmp_path / "_site" / "2026-09-24" / "lg.html").read_text(encoding="utf-8")
    assert "cl.html" not in lg and "首次收录：2026-04-27 [new 001]" in lg  # nor as 首次收录


def test_a_folder_it_did_not_build_is_never_replaced(tmp_path: Path) -> None:
    make_output(tmp_path / "output")
    mine = tmp_path / "docs"
    mine.mkdir()
    (mine / "thesis.tex").write_text("keep me", encoding="utf-8")
    code, out = run("site", "--dest", "docs")
    assert code == 2 and "did not build" in out
    assert (mine / "thesis.tex").read_text(encoding="utf-8") == "keep me"
    assert run("site", "--dest", "output/site")[0] == 2
    assert run("site", "--dest", ".")[0] == 2
    assert run("site", "--output", "nowhere")[0] == 2
    # its own site is rebuilt in place, nothing of the old one left behind
    assert run("site")[0] == 0
    (tmp_path / "_site" / "stale.html").write_text("old", encoding="utf-8")
    assert run("site")[0] == 0
    assert not (tmp_path / "_site" / "stale.html").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("._site")] == []


def test_without_pagefind_the_site_is_built_without_search(tmp_path: Path) -> None:
    make_output(tmp_path / "output")
    code, out = run("site")
    assert code == 0 and "pip install 'arxiv-digest[site]'" in out
    html = (tmp_path / "_site" / "index.html").read_text(encoding="utf-8")
    assert 'data-search="on"' not in html and not (tmp_path / "_site" / "pagefind").exists()


def test_katex_is_vendored_whole_and_pinned() -> None:
    js = (STATIC / "katex" / "katex.min.js").read_text(encoding="utf-8")
    assert f'version:"{KATEX_VERSION}"' in js
    css = (STATIC / "katex" / "katex.min.css").read_text(encoding="utf-8")
    fonts = set(re.findall(r"url\((fonts/[^)]+\.woff2)\)", css))
    assert len(fonts) > 15
    assert all((STATIC / "katex" / f).is_file() for f in fonts)  # the first format browsers take
    assert (STATIC / "katex" / "LICENSE").is_file()


def test_a_rebuild_renders_only_what_changed(tmp_path: Path) -> None:
    make_output(tmp_path / "output")
    assert run("site")[0] == 0
    page = tmp_path / "_site" / "2026-04-27" / "ai.html"
    before = page.read_text(encoding="utf-8")
    code, out = run("site")
    assert code == 0 and "(0 rendered" in out
    assert page.read_text(encoding="utf-8") == before
    # one digest changes: its page alone is rendered again, and says what it now says
    path = tmp_path / "output" / "2026-04-27" / "ai.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["papers"][0]["summary"] = "重新生成的简介"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    code, out = run("site")
    assert code == 0 and "(1 rendered" in out
    assert "重新生成的简介" in page.read_text(encoding="utf-8")
    # a digest removed takes its page along; the pages that linked it are rendered again
    (tmp_path / "output" / "2026-04-27" / "cl.json").unlink()
    code, out = run("site")
    assert code == 0 and "(2 rendered" in out  # ai (its sibling) and lg (its 首次收录 link)
    assert not (tmp_path / "_site" / "2026-04-27" / "cl.html").exists()
    lg = (tmp_path / "_site" / "2026-09-24" / "lg.html").read_text(encoding="utf-8")
    assert "cl.html" not in lg and "首次收录：2026-04-27 [new 001]" in lg


@pytest.mark.skipif("title_zh" not in Entry.model_fields, reason="models without title_zh yet")
def test_title_zh_and_the_overview_are_shown_when_the_json_has_them(tmp_path: Path) -> None:
    make_output(tmp_path / "output")
    path = tmp_path / "output" / "2026-04-27" / "ai.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["papers"][0]["title_zh"] = "一个中文标题"
    data["overview"] = "今天的论文集中在<智能体>评测上。"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert run("site")[0] == 0
    html = (tmp_path / "_site" / "2026-04-27" / "ai.html").read_text(encoding="utf-8")
    heading = re.search(r"<h3 id=\"[^\"]+\">.*?</h3>\s*<p class=\"title-en\">", html, re.S)
    assert heading and "一个中文标题" in heading.group()
    assert "<h2>今日概览</h2><p>今天的论文集中在&lt;智能体&gt;评测上。</p>" in html


@pytest.mark.skipif(REAL_PAGEFIND() is None, reason="Pagefind not installed (arxiv-digest[site])")
def test_the_search_index_is_rebuilt_only_for_the_months_that_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reader_site: ReaderSite
) -> None:
    monkeypatch.setattr(search, "pagefind_binary", REAL_PAGEFIND)
    assert reader_site.report.search == "pagefind (3 of 3 monthly indexes built)"
    shutil.copytree(reader_site.output, tmp_path / "output")  # the session's site stays as built
    shutil.copytree(reader_site.site, tmp_path / "_site")
    months = json.loads((tmp_path / "_site" / "pagefind" / "months.json").read_text())
    assert months == ["2026-09", "2026-04", "2025-04"]
    kept = tmp_path / "_site" / "pagefind" / "2025-04" / "pagefind-entry.json"
    inode = kept.stat().st_ino
    path = tmp_path / "output" / "2026-09-24" / "lg.json"
    path.write_text(path.read_text(encoding="utf-8").replace("本文研究", "本研究"), "utf-8")
    code, out = run("site")
    assert code == 0 and "1 of 3 monthly indexes built" in out
    assert kept.stat().st_ino == inode  # the untouched month's index is the last build's


@pytest.mark.skipif(REAL_PAGEFIND() is None, reason="Pagefind not installed (arxiv-digest[site])")
def test_the_search_index_holds_what_a_reader_searches_for(reader_site: ReaderSite) -> None:
    """Titles, tags and 简介 are searched; the authors, abstract, comment, categories, score,
    reason and links are on the page but left out of the index (they cost indexing time)."""
    indexed = {}
    for fragment in (reader_site.site / "pagefind").glob("*/fragment/*.pf_fragment"):
        data = json.loads(gzip.decompress(fragment.read_bytes()).removeprefix(b"pagefind_dcd"))
        indexed[data["url"]] = data["content"].replace("\u200b", "")  # Pagefind's word breaks
    assert len(indexed) == 4
    content = indexed["/2025-04-28/quant.html"]
    papers = json.loads((reader_site.output / "2025-04-28" / "quant.json").read_text("utf-8"))
    plain = [p for p in papers["papers"] if p["status"] == "ok"
             and not re.search(r"[$\\{}~]", p["title"] + p["abstract"] + "".join(p["authors"]))]
    assert len(plain) > 5
    for paper in plain:
        assert paper["title"] in content and paper["summary"] in content
        assert all(tag in content for tag in paper["tags"])
        assert "; ".join(paper["authors"]) not in content
        assert paper["abstract"][:80] not in content and f"arXiv:{paper['id']}" not in content
        assert paper["categories"][0] not in content.replace(papers["categories"][0], "")
    assert "匹配" not in content and " 分 " not in content  # the score and its reason


def test_a_failing_pagefind_fails_the_build_and_keeps_the_last_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_output(tmp_path / "output")
    assert run("site")[0] == 0  # without search (no_search)
    before = (tmp_path / "_site" / "index.html").read_bytes()
    fake = tmp_path / "pagefind_extended"
    fake.write_text("#!/bin/sh\necho 'Error: disk on fire' >&2\nexit 3\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setattr(search, "pagefind_binary", lambda: fake)
    code, out = run("site")
    assert code == 4 and "Pagefind exited 3: Error: disk on fire" in out
    assert (tmp_path / "_site" / "index.html").read_bytes() == before  # the last site stays
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("._site")] == []
