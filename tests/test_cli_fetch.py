"""The summarize command's fetch stage end to end: --feed files and downloads from a real server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arxiv_digest.cli import app
from tests.conftest import API_ERROR, HTML, LEGACY, MULTI, QUANT_PH, empty_day
from tests.support.http_server import Reply

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, ["summarize", *args])


def test_feed_file_no_llm_writes_digest_and_index(isolated: Path):
    result = invoke("--feed", str(QUANT_PH), "--no-llm", "--no-enrich", "-o", "out")
    assert result.exit_code == 0, result.stderr
    day = isolated / "out" / "2025-04-28"
    md = (day / "quant-ph.md").read_text()
    data = json.loads((day / "quant-ph.json").read_text())
    assert md.startswith("# 量子物理 quant-ph\n")
    assert "- **最新发布 50 篇**" in md and "- **更新 31 篇**" in md
    assert md.count("#### [new ") == 50 and md.count("#### [replaced ") == 31
    assert "简介" not in md and "标签" not in md
    assert data["stats"]["skipped"] == 81 and {p["status"] for p in data["papers"]} == {"skipped"}
    assert (
        "[量子物理 quant-ph](2025-04-28/quant-ph.md)"
        in (isolated / "out" / "README.md").read_text()
    )


def test_empty_day_writes_nothing_and_exits_0(isolated: Path):
    feed = isolated / "empty.xml"
    feed.write_bytes(empty_day(QUANT_PH.read_bytes()))
    result = invoke("--feed", str(feed), "--no-llm", "-o", "out")
    assert result.exit_code == 0
    assert "no announcements for quant-ph" in result.stderr
    assert not (isolated / "out").exists()


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (LEGACY, "legacy arXiv RSS 1.0"),
        (HTML, "HTML page"),
        (API_ERROR, "arXiv API error"),
        (Path("missing.xml"), "cannot read feed"),
    ],
)
def test_bad_feed_exits_2_with_one_line(isolated: Path, path: Path, message: str):
    result = invoke("--feed", str(path), "--no-llm", "-o", "out")
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (isolated / "out").exists()


def test_unknown_category_exits_2(isolated: Path):
    result = invoke("-c", "cs.XX", "--no-llm", "-o", "out")
    assert result.exit_code == 2 and "unknown arXiv category cs.XX" in result.stderr


def test_downloads_group_feed_and_comments(server, isolated: Path, monkeypatch):
    server.route("/rss/cs.LG+cs.AI+cs.CL+stat.ML", Reply(body=MULTI.read_bytes()))
    server.route(
        "/api/query",
        Reply(
            body=b'<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">'
            b"<entry><id>http://arxiv.org/abs/2609.26811v1</id><title>x</title>"
            b"<arxiv:comment>12 pages, 3 figures</arxiv:comment></entry></feed>"
        ),
    )
    monkeypatch.setenv("ARXIV_DIGEST_RSS_URL", server.url + "/rss")
    monkeypatch.setenv("ARXIV_DIGEST_API_URL", server.url + "/api/query")
    result = invoke("-c", "cs.LG", "-c", "cs.AI", "-c", "cs.CL", "-c", "stat.ML", "--no-llm")
    assert result.exit_code == 0, result.stderr
    md = (isolated / "output" / "2026-09-24" / "cs.LG+cs.AI+cs.CL+stat.ML.md").read_text()
    assert "> **备注:** 12 pages, 3 figures" in md
    assert md.count("**备注:**") == 1
    ids = server.hits_for("/api/query")[0].query["id_list"][0].split(",")
    assert ids == ["2609.26811", "2609.26820", "2205.06398", "2009.13987"]


def test_feed_429_then_200_is_fetched_after_the_wait(server, isolated: Path, monkeypatch):
    server.route(
        "/rss/quant-ph",
        Reply(429, b"slow down", {"Retry-After": "1"}, "text/plain"),
        Reply(body=QUANT_PH.read_bytes()),
    )
    monkeypatch.setenv("ARXIV_DIGEST_RSS_URL", server.url + "/rss")
    result = invoke("-c", "quant-ph", "--no-llm", "--no-enrich")
    hits = server.hits_for("/rss/quant-ph")
    assert result.exit_code == 0, result.stderr
    assert len(hits) == 2 and hits[1].at - hits[0].at >= 1.0
    assert (isolated / "output" / "2025-04-28" / "quant-ph.md").is_file()


def test_api_503_every_batch_still_writes_digest_with_warning(server, isolated, monkeypatch):
    server.route("/rss/quant-ph", Reply(body=QUANT_PH.read_bytes()))
    server.route("/api/query", Reply(503, b"down", {"Retry-After": "0"}, "text/plain"))
    monkeypatch.setenv("ARXIV_DIGEST_RSS_URL", server.url + "/rss")
    monkeypatch.setenv("ARXIV_DIGEST_API_URL", server.url + "/api/query")
    result = invoke("-c", "quant-ph", "--no-llm")
    assert result.exit_code == 0, result.stderr
    assert "warning" in result.stderr and "without 备注" in result.stderr
    md = (isolated / "output" / "2025-04-28" / "quant-ph.md").read_text()
    assert md.count("#### [") == 81 and "**备注:**" not in md


def test_arxiv_down_exits_3_and_writes_nothing(server, isolated: Path, monkeypatch):
    server.route("/rss/quant-ph", Reply(503, b"down", {"Retry-After": "0"}, "text/plain"))
    monkeypatch.setenv("ARXIV_DIGEST_RSS_URL", server.url + "/rss")
    result = invoke("-c", "quant-ph", "--no-llm")
    assert result.exit_code == 3 and "could not download" in result.stderr
    assert not (isolated / "output").exists()


def test_keyword_group_from_config(isolated: Path):
    (isolated / "arxiv-digest.toml").write_text(
        '[[groups]]\nname = "qml"\ntitle = "量子机器学习"\ncategories = ["quant-ph"]\n'
        'include = ["machine learning", "reservoir computing"]\nexclude = ["annealing"]\n'
    )
    result = invoke("--feed", str(QUANT_PH), "-g", "qml", "--no-llm", "--no-enrich")
    assert result.exit_code == 0, result.stderr
    md = (isolated / "output" / "2025-04-28" / "qml.md").read_text()
    assert "- **关键词: machine learning, reservoir computing ｜ 排除: annealing**" in md
    assert 0 < md.count("#### [") < 81
