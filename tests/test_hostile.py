"""Nothing gets in: hostile config, feeds and answers, each built here and run for real."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.errors import InputError
from arxiv_digest.sources.feed import parse_feed
from tests.conftest import LLM_KEY, MULTI, QUANT_PH
from tests.support.anchors import anchors, without_anchors
from tests.support.fake_llm import FakeLLM
from tests.support.feedgen import render_feed, synthetic_items

runner = CliRunner()
DAY = dt.date(2025, 4, 28)
# GitHub's renderer: CommonMark, raw HTML, tables, strikethrough and autolinked bare URLs
GITHUB = MarkdownIt("gfm-like", {"html": True})
MULTI_DAY = Path("output") / "2026-09-24"
MULTI_NAME = "cs.LG+cs.AI+cs.CL+stat.ML"


NO_NET = ["--no-llm", "--no-enrich"]


def config(folder: Path, text: str) -> None:
    (folder / "arxiv-digest.toml").write_text(text)


def group_toml(name: str) -> str:
    return f'[[groups]]\nname = "{name}"\ntitle = "x"\ncategories = ["quant-ph"]\n'


# -- names that become paths ------------------------------------------------------------------
@pytest.mark.parametrize("name", ["../../README", "/srv/x", ".hidden", "a/b", "a..b", "空"])
def test_group_names_that_would_leave_the_output_folder_are_refused(isolated: Path, name: str):
    (isolated / "README.md").write_text("mine")
    config(isolated, group_toml(name))
    result = runner.invoke(app, ["summarize", "--feed", str(QUANT_PH), *NO_NET, "-g", name])
    assert result.exit_code == 2
    assert repr(name) in result.stderr and "must match" in result.stderr
    assert (isolated / "README.md").read_text() == "mine"
    assert not (isolated / "output").exists()


def test_two_groups_with_one_name_are_refused(isolated: Path):
    config(isolated, group_toml("q") + group_toml("q"))
    result = runner.invoke(app, ["summarize", "--feed", str(QUANT_PH), *NO_NET, "-g", "q"])
    assert result.exit_code == 2 and "two groups are named 'q'" in result.stderr


# -- the config file --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("concurency = 4\n", "unknown key 'concurency' (did you mean concurrency?)"),
        (group_toml("q") + "exclued = []\n", "'exclued' in group 1 (did you mean exclude?)"),
        ('api_key = "sk-x"\n', "never goes in this file"),
    ],
)  # fmt: skip
def test_unknown_keys_are_errors_naming_the_closest(isolated: Path, text: str, message: str):
    config(isolated, text)
    result = runner.invoke(app, ["summarize", "--feed", str(QUANT_PH), *NO_NET])
    assert result.exit_code == 2
    assert message in result.stderr


def test_api_key_with_a_trailing_newline_works(llm: FakeLLM, isolated: Path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", LLM_KEY + "\n")
    result = runner.invoke(app, ["summarize", "--feed", str(MULTI), "--no-enrich"])
    assert result.exit_code == 0, result.stderr
    assert len(llm.calls) == 4


def test_api_key_with_an_invisible_character_is_named_by_position(llm, isolated, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-ab\u200bcdef")
    result = runner.invoke(app, ["summarize", "--feed", str(MULTI), "--no-enrich"])
    assert result.exit_code == 2
    assert "OPENAI_API_KEY contains a non-printable character at position 6" in result.stderr
    assert "cdef" not in result.stderr and not llm.calls


# -- feed items -------------------------------------------------------------------------------
def hostile_feed(folder: Path, bad: dict[int, dict[str, object]], n: int = 10) -> Path:
    items = synthetic_items(n, ["cs.SD"], seed=5)
    for index, fields in bad.items():
        for key, value in fields.items():
            setattr(items[index], key, value)
    path = folder / "hostile.xml"
    path.write_bytes(render_feed(["cs.SD"], DAY, items))
    return path


def test_items_with_markup_in_id_or_category_or_no_title_are_skipped_with_a_warning(
    isolated: Path,
):
    feed = hostile_feed(
        isolated,
        {
            0: {"categories": ["cs.SD", "&lt;img src=x onerror=alert(1)&gt;"]},
            1: {"categories": ["![p](http://evil.example/c.png)"]},
            2: {"id": "2504.0001[x](javascript:alert(1))"},
            3: {"title": ""},
        },
    )
    result = runner.invoke(app, ["summarize", "--feed", str(feed), *NO_NET, "-c", "cs.SD"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("warning: skipped") == 4
    assert "has no title" in result.stderr and "category that is not arXiv's" in result.stderr
    md = (isolated / "output" / "2025-04-28" / "cs.SD.md").read_text()
    assert md.count("#### [") == 6
    for needle in ("<img", "onerror", "javascript", "evil.example", "#### [new 001] \n"):
        assert needle not in md
    assert len(anchors(md)) == 6  # our own anchors, the only HTML, on valid arXiv ids
    tokens = GITHUB.parse(without_anchors(md))
    kinds = {c.type for t in tokens if t.type == "inline" for c in t.children or []}
    assert "image" not in kinds and "html_inline" not in kinds


def test_a_feed_made_mostly_of_bad_items_is_refused(isolated: Path):
    feed = hostile_feed(isolated, {i: {"categories": ["&lt;b&gt;"]} for i in range(6)})
    result = runner.invoke(app, ["summarize", "--feed", str(feed), *NO_NET, "-c", "cs.SD"])
    assert result.exit_code == 2
    assert "6 of 10 items are not arXiv papers" in result.stderr
    assert not (isolated / "output").exists()


def test_an_overlong_abstract_is_cut_with_a_warning(isolated: Path):
    feed = hostile_feed(isolated, {0: {"abstract": "word " * 400_000}})  # 2 MB
    result = runner.invoke(app, ["summarize", "--feed", str(feed), *NO_NET, "-c", "cs.SD"])
    assert result.exit_code == 0
    assert "cut the abstract to 6000 characters" in result.stderr
    data = json.loads((isolated / "output" / "2025-04-28" / "cs.SD.json").read_text())
    assert max(len(p["abstract"]) for p in data["papers"]) <= 6002
    assert (isolated / "output" / "2025-04-28" / "cs.SD.md").stat().st_size < 100_000


def test_a_feed_over_the_size_cap_is_refused_before_parsing():
    with pytest.raises(InputError, match="is not a daily listing"):
        parse_feed(b"<rss>" + b" " * (33 * 2**20), source="big.xml")


def test_entity_bomb_is_refused_and_external_entities_are_never_read(isolated: Path):
    data = QUANT_PH.read_bytes()
    head, rest = data.split(b"?>", 1)
    levels = '<!ENTITY a0 "aaaaaaaaaa">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 9)
    )
    bomb = head + f"?><!DOCTYPE rss [{levels}]>".encode() + rest.replace(
        b"<title>quant-ph", b"<title>&a8;quant-ph", 1
    )
    started = time.monotonic()
    with pytest.raises(InputError, match="malformed feed XML"):
        parse_feed(bomb)
    assert time.monotonic() - started < 10
    secret = isolated / "secret.txt"
    secret.write_text("TOPSECRET")
    first_title = b"<item>\n      <title>"
    assert first_title in rest
    xxe = (
        head
        + f'?><!DOCTYPE rss [<!ENTITY x SYSTEM "file://{secret}">]>'.encode()
        + rest.replace(first_title, first_title + b"&x;", 1)
    )
    try:
        listing = parse_feed(xxe)
    except InputError:
        return  # refused outright is fine too
    assert all("TOPSECRET" not in p.title for p in listing.papers)


# -- what the model says ----------------------------------------------------------------------
def multi_md(folder: Path) -> str:
    return (folder / MULTI_DAY / f"{MULTI_NAME}.md").read_text()


def test_a_url_from_the_model_is_never_a_link(llm: FakeLLM, isolated: Path):
    llm.fault = lambda call: "url"
    result = runner.invoke(app, ["summarize", "--feed", str(MULTI), "--no-enrich"])
    assert result.exit_code == 0, result.stderr
    md = multi_md(isolated)
    assert "`https://evil.example/login`" in md and "`www.evil.example`" in md
    assert "见`www.x.cn`" in md
    for token in GITHUB.parse(md):
        if token.type == "inline" and ("简介" in token.content or "标签" in token.content):
            kinds = {c.type for c in token.children or []}
            assert "link_open" not in kinds, token.content


def test_control_and_bidi_characters_never_reach_the_files(llm: FakeLLM, isolated: Path):
    llm.fault = lambda call: "controls"
    assert runner.invoke(app, ["summarize", "--feed", str(MULTI), "--no-enrich"]).exit_code == 0
    for path in (isolated / MULTI_DAY).iterdir():
        text = path.read_text()
        assert not any(c in text for c in "\x00\u202e\u200b"), path
        assert "\\u0000" not in text and "\\u202e" not in text
    assert "测试标签" in multi_md(isolated)


def test_a_deeply_nested_answer_fails_only_its_paper(llm: FakeLLM, isolated: Path):
    llm.script = ["nested_brackets", "nested_brackets"]
    result = runner.invoke(
        app, ["summarize", "--feed", str(MULTI), "--no-enrich", "--concurrency", "1"]
    )
    assert result.exit_code == 1, result.stderr
    assert "Traceback" not in result.stderr
    data = json.loads((isolated / MULTI_DAY / f"{MULTI_NAME}.json").read_text())
    assert [p["status"] for p in data["papers"]].count("ok") == 3
