"""The published file end to end: golden Markdown, its structure, the index, publication rules."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.models import Digest, Group
from arxiv_digest.render.index import render_index
from arxiv_digest.sources.feed import parse_feed
from tests.conftest import MULTI, QUANT_PH
from tests.support.anchors import without_anchors
from tests.support.feedgen import Item, render_feed
from tests.support.http_server import Reply

runner = CliRunner()
MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
GOLDEN = Path(__file__).parent / "golden"
COMMENTS = (
    b'<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">'
    b"<entry><id>http://arxiv.org/abs/2609.26811v1</id><title>x</title>"
    b"<arxiv:comment>12 pages, 3 figures; code at https://github.com/x/y</arxiv:comment>"
    b"</entry></feed>"
)


def run(*args: str):
    return runner.invoke(app, ["summarize", *args])


def test_golden_digest_from_real_feed(llm, server, isolated: Path, monkeypatch):
    server.route("/api/query", Reply(body=COMMENTS))
    monkeypatch.setenv("ARXIV_DIGEST_API_URL", server.url + "/api/query")
    llm.script = ["ok", "ok", "ok", "english", "english"]  # the last paper fails for good
    result = run("--feed", str(MULTI), "--concurrency", "1")
    assert result.exit_code == 1
    name = "cs.LG+cs.AI+cs.CL+stat.ML"
    produced = (isolated / "output" / "2026-09-24" / f"{name}.md").read_text()
    golden = GOLDEN / f"{name}.md"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(produced)
    assert produced == golden.read_text()
    data = json.loads((isolated / "output" / "2026-09-24" / f"{name}.json").read_text())
    assert set(data) >= {"date", "group", "title", "categories", "papers", "stats"}
    keys = {"id", "version", "section", "announce_type", "title", "authors", "categories",
            "comment", "abstract", "pdf_url", "tags", "summary", "status"}  # fmt: skip
    assert all(keys <= set(p) for p in data["papers"])
    assert [p["status"] for p in data["papers"]] == ["ok", "ok", "ok", "failed"]


def test_golden_digest_of_a_real_tex_heavy_day(llm, server, isolated: Path, monkeypatch):
    """A real quant-ph day with everything on: TeX typeset, ⭐ 今日推荐 for interests, and
    首次收录 for two replaced papers a previous day (built from the same papers) had as new."""
    server.route("/api/query", Reply(body=COMMENTS))
    monkeypatch.setenv("ARXIV_DIGEST_API_URL", server.url + "/api/query")
    (isolated / "arxiv-digest.toml").write_text(
        '[[groups]]\nname = "quant-ph"\ntitle = "量子物理"\ncategories = ["quant-ph"]\n'
        'interests = "Rydberg atoms, lattice gauge theory, quantum walks"\n'
    )
    papers = parse_feed(QUANT_PH.read_bytes()).papers
    returning = [p for p in papers if p.section == "replaced"][:2]
    earlier = [
        Item(id=p.id, version=1, type="new", title=p.title, authors=p.authors,
             abstract=p.abstract if k == 0 else "An earlier abstract.", categories=p.categories)
        for k, p in enumerate(returning)
    ]  # fmt: skip
    day1 = isolated / "day1.xml"
    day1.write_bytes(render_feed(["quant-ph"], dt.date(2025, 4, 25), earlier))
    assert run("--feed", str(day1), "-g", "quant-ph").exit_code == 0
    asked = len(llm.calls)
    assert run("--feed", str(QUANT_PH), "-g", "quant-ph", "--concurrency", "4").exit_code == 0
    assert len(llm.calls) - asked == len(papers) - 1  # the unchanged returning paper: cached
    produced = (isolated / "output" / "2025-04-28" / "quant-ph.md").read_text()
    golden = GOLDEN / "quant-ph.md"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(produced)
    assert produced == golden.read_text()
    assert "- **⭐ 今日推荐**" in produced and produced.count("- **首次收录: 2025-04-25") == 2


BLOCK_FIELDS = ["分类", "标签", "简介", "链接"]
QUOTE_FIELDS = ["作者", "备注", "摘要"]


def structure(markdown: str) -> dict[str, list[tuple[int, list[str], list[str]]]]:
    """Per section: (number, list fields, quote fields) of each block, read by markdown-it."""
    tokens = MD.parse(without_anchors(markdown))
    sections: dict[str, list[tuple[int, list[str], list[str]]]] = {}
    current = ""
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "heading_open" and token.tag == "h2":
            current = tokens[i + 1].content
            sections[current] = []
        if token.type == "heading_open" and token.tag == "h4":
            match = re.match(r"\[(new|replaced) (\d{3})\] ", tokens[i + 1].content)
            assert match, tokens[i + 1].content
            fields: list[str] = []
            quote: list[str] = []
            i += 3
            while tokens[i].type != "hr":
                if tokens[i].type == "inline":
                    label = re.match(r"\*\*([^:*]+):", tokens[i].content)
                    inside_quote = any(t.type == "blockquote_open" for t in tokens[i - 3 : i])
                    (quote if inside_quote or quote else fields).append(label.group(1))
                i += 1
            sections[current].append((int(match.group(2)), fields, quote))
        i += 1
    return sections


def counts(markdown: str) -> dict[str, int]:
    return {
        k: int(v) for k, v in re.findall(r"^- \*\*(最新发布|更新) (\d+) 篇\*\*$", markdown, re.M)
    }


def test_structure_of_a_full_day(llm, isolated: Path):
    llm.fault = lambda call: "english" if "Entanglement" in call.title else None
    result = run("--feed", str(QUANT_PH), "--no-enrich")
    assert result.exit_code == 1  # 5 titles say "Entanglement": they fail for good
    markdown = (isolated / "output" / "2025-04-28" / "quant-ph.md").read_text()
    sections = structure(markdown)
    assert list(sections) == ["最新发布", "更新"]
    assert counts(markdown) == {"最新发布": 50, "更新": 31}
    for name, blocks in sections.items():
        assert len(blocks) == counts(markdown)[name]
        assert [number for number, _, _ in blocks] == list(range(1, len(blocks) + 1))
        for _, fields, quote in blocks:
            # a failed paper has no answer: no 中文标题 and no 标签
            expected = ["中文标题", *BLOCK_FIELDS] if "标签" in fields else ["分类", "简介", "链接"]
            assert fields == expected
            assert quote == ["作者", "摘要"]
    assert markdown.count("（生成失败，下次运行时重试）") == 5


def test_stale_feed_is_not_republished_unless_forced(isolated: Path):
    assert run("--feed", str(QUANT_PH), "--no-llm", "--no-enrich").exit_code == 0
    stale = isolated / "stale.xml"  # arXiv serving yesterday's issue under today's date
    stale.write_bytes(QUANT_PH.read_bytes().replace(b"28 Apr 2025", b"29 Apr 2025"))
    result = run("--feed", str(stale), "--no-llm", "--no-enrich")
    assert result.exit_code == 0 and "already published on 2025-04-28" in result.stderr
    assert not (isolated / "output" / "2025-04-29").exists()
    forced = run("--feed", str(stale), "--no-llm", "--no-enrich", "--force")
    assert forced.exit_code == 0
    assert (isolated / "output" / "2025-04-29" / "quant-ph.md").is_file()


def test_same_day_rerun_rewrites_and_index_has_no_duplicates(isolated: Path):
    for _ in range(2):
        assert run("--feed", str(QUANT_PH), "--no-llm", "--no-enrich").exit_code == 0
    assert run("--feed", str(MULTI), "--no-llm", "--no-enrich").exit_code == 0
    index = (isolated / "output" / "README.md").read_text()
    days = re.findall(r"^- \*\*(\d{4}-\d{2}-\d{2})\*\*", index, re.M)
    assert days == ["2026-09-24", "2025-04-28"]  # newest first, once each
    for target in re.findall(r"\]\(([^)]+\.md)\)", index):
        assert (isolated / "output" / target).is_file(), target


@pytest.mark.parametrize("name", ["my feed", "q](evil)", "a_b*c*", "x<y>#z", "(paren) ok"])
def test_the_index_links_a_file_by_its_name_whatever_characters_it_holds(tmp_path: Path, name):
    """A feed or a day's digest put in the output folder by hand, its name with spaces or
    Markdown's own characters: its link in output/README.md still leads to it, and only it."""
    output = tmp_path / "output"
    (output / "feeds").mkdir(parents=True)
    (output / "feeds" / f"{name}.atom").write_text("<feed/>")
    day = output / "2026-09-24"
    day.mkdir()
    group = Group(name=name, title="手放", categories=["cs.CL"])
    digest = Digest(date=dt.date(2026, 9, 24), group=group, entries=[])
    (day / f"{name}.json").write_text(json.dumps(digest.to_json()))
    (day / f"{name}.md").write_text("# 手放\n")
    links = [
        urlsplit(str(token.attrs["href"]))  # a "#" or "?" left as it is would cut the path
        for line in MD.parse(render_index(output))
        if line.type == "inline"
        for token in line.children or []
        if token.type == "link_open"
    ]
    assert [unquote(link.path) for link in links] == [f"feeds/{name}.atom", f"2026-09-24/{name}.md"]
    assert not any(link.scheme or link.query or link.fragment for link in links)


def test_failed_run_overwrites_nothing(llm, isolated: Path):
    assert run("--feed", str(MULTI), "--no-enrich").exit_code == 0
    day = isolated / "output" / "2026-09-24"
    before = {p.name: p.read_bytes() for p in day.iterdir()}
    llm.fault = lambda call: "401"
    result = run("--feed", str(MULTI), "--no-enrich", "--model", "other-model")
    assert result.exit_code == 2
    assert {p.name: p.read_bytes() for p in day.iterdir()} == before
    assert not list(day.glob(".*.tmp"))


def test_render_command_rebuilds_markdown_from_json(isolated: Path):
    assert run("--feed", str(QUANT_PH), "--no-llm", "--no-enrich").exit_code == 0
    md = isolated / "output" / "2025-04-28" / "quant-ph.md"
    original = md.read_text()
    md.write_text("broken")
    result = runner.invoke(app, ["render", "2025-04-28"])
    assert result.exit_code == 0, result.stderr
    assert md.read_text() == original
    assert runner.invoke(app, ["render", "2030-01-01"]).exit_code == 2


def test_config_groups_run_together_with_one_pool(llm, server, isolated: Path, monkeypatch):
    server.route("/rss/quant-ph", Reply(body=QUANT_PH.read_bytes()))
    server.route("/rss/cs.LG+cs.AI+cs.CL+stat.ML", Reply(body=MULTI.read_bytes()))
    monkeypatch.setenv("ARXIV_DIGEST_RSS_URL", server.url + "/rss")
    (isolated / "arxiv-digest.toml").write_text(
        'model = "toml-model"\n\n'
        '[[groups]]\nname = "quantum"\ntitle = "量子"\ncategories = ["quant-ph"]\n\n'
        '[[groups]]\nname = "ml"\ntitle = "机器学习"\n'
        'categories = ["cs.LG", "cs.AI", "cs.CL", "stat.ML"]\n'
    )
    result = run("--no-enrich")
    assert result.exit_code == 0, result.stderr
    assert len(llm.calls) == 85 and {c.body["model"] for c in llm.calls} == {"toml-model"}
    assert "papers 85, cached 0, asked 85" in result.stderr  # one pool, one summary
    assert (isolated / "output" / "2025-04-28" / "quantum.md").is_file()
    assert (isolated / "output" / "2026-09-24" / "ml.md").is_file()
    monkeypatch.setenv("ARXIV_DIGEST_MODEL", "env-model")
    assert run("--no-enrich", "-g", "ml", "--force").exit_code == 0
    assert {c.body["model"] for c in llm.calls[85:]} == {"env-model"}  # env beats toml
    assert run("--no-enrich", "-g", "ml", "--force", "--model", "cli-model").exit_code == 0
    assert {c.body["model"] for c in llm.calls[89:]} == {"cli-model"}  # flag beats env
    assert run("-g", "nope", "--no-llm").exit_code == 2
