"""Printed lines are read by GitHub Actions: text we did not write never becomes a command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.models import Entry
from arxiv_digest.pipeline import Outcome
from arxiv_digest.report import RunReport, job_summary, write_job_summary
from arxiv_digest.sources.feed import parse_feed
from arxiv_digest.untrusted import _INVISIBLE, clean, one_line, printable
from tests.conftest import API_ERROR, MULTI, QUANT_PH
from tests.support.fake_llm import Call, FakeLLM
from tests.support.fake_llm.answers import good_summary
from tests.support.http_server import Reply, ScriptedServer

runner = CliRunner()
GITHUB = MarkdownIt("gfm-like", {"html": True})  # GitHub's renderer: raw HTML, autolinks
# what the runner obeys: "::" first after leading whitespace, or "##[" anywhere in a line
INJECTED = "x\n::stop-commands::pwned\r\n  ::add-mask::secret\u2028::error::y ##[error]z"


def commands(text: str) -> list[str]:
    """Lines the runner would take as workflow commands (split wherever it could be split)."""
    lines = text.replace("\r", "\n").split("\n") + text.splitlines()
    return [line for line in lines if line.lstrip().startswith("::") or "##[" in line]


@pytest.mark.parametrize(
    "text",
    [INJECTED, "::error::x", "\u3000::error::x", "a\x85::warning::b", "std::vector ##[group]g"],
)
def test_printable_is_one_line_that_is_no_command(text: str):
    line = printable(text)
    assert "\n" not in line and "\r" not in line and line == " ".join(line.split())
    assert commands(line) == [] and commands("  " + line) == []
    assert commands(line.replace(" ", "\n")) == []  # wrapped at any space, still none


def test_no_invisible_character_is_printable() -> None:
    """clean() and one_line() skip their regex for printable text: sound only while this holds."""
    invisible = [c for c in map(chr, range(0x10000)) if _INVISIBLE.match(c)]
    assert len(invisible) > 60 and not any(c.isprintable() for c in invisible)


@given(st.text(st.characters(codec="utf-8")) | st.sampled_from(
    [" a", "a ", "a  b", "a\tb", "a\u00a0b", "a\u200bb", "a\u202eb", "\ufeffa", "a\u2028b"]))
def test_clean_and_one_line_are_their_regex_and_split(text: str) -> None:
    assert clean(text) == _INVISIBLE.sub("", text)
    assert one_line(text) == " ".join(_INVISIBLE.sub("", text).split())


class HostileTags(FakeLLM):
    """Tags with line breaks and commands in them: the long one is refused (its tag is echoed in
    the failure reason), the short one passes the checks."""

    def content(self, call: Call, mode: str) -> str:
        # one paper fails with the tag in its reason, the others keep theirs
        tags = ["中文" + INJECTED] if "Drift" in call.title else ["中\n::error::x"]
        return json.dumps({"tags": tags, "summary": good_summary(call.title)}, ensure_ascii=False)


@pytest.fixture
def hostile(monkeypatch: pytest.MonkeyPatch, llm: FakeLLM) -> Any:
    fake = HostileTags().start()
    monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
    yield fake
    fake.stop()


def test_a_tag_never_brings_a_command_to_stderr_json_or_cache_stats(hostile: FakeLLM):
    result = runner.invoke(app, ["summarize", "--feed", str(MULTI), "--no-enrich"])
    assert result.exit_code == 1, result.stderr
    assert "failed" in result.stderr and commands(result.stdout + result.stderr) == []
    data = json.loads(next(Path("output").glob("*/*.json")).read_text())
    failed = [p for p in data["papers"] if p["status"] == "failed"]
    kept = [p for p in data["papers"] if p["status"] == "ok"]
    assert failed and kept
    for paper in failed:
        assert paper["error"] == printable(paper["error"])
    for paper in kept:
        assert all(tag == " ".join(tag.split()) for tag in paper["tags"])  # no line break
    stats = runner.invoke(app, ["cache-stats"])
    assert "failing" in stats.stdout and commands(stats.stdout + stats.stderr) == []


def test_doctor_prints_no_command_from_model_ids_or_tags(
    hostile: FakeLLM, server: ScriptedServer, isolated: Path, monkeypatch
):
    server.route("/rss/quant-ph", Reply(body=QUANT_PH.read_bytes()))
    server.route("/api/query", Reply(body=b"not xml", status=500))
    monkeypatch.setenv("ARXIV_DIGEST_RSS_URL", server.url + "/rss")
    monkeypatch.setenv("ARXIV_DIGEST_API_URL", server.url + "/api/query")
    monkeypatch.setenv("ARXIV_DIGEST_MODEL", "m")
    hostile.models = [f"model{i}{INJECTED}" for i in range(3)]
    result = runner.invoke(app, ["doctor"])
    assert "model0" in result.stdout and "标签" in result.stdout
    assert commands(result.stdout + result.stderr) == []


def test_an_atom_error_served_as_the_feed_prints_no_command(
    server: ScriptedServer, monkeypatch
):
    body = API_ERROR.read_bytes().replace(
        b"incorrect id format for 1234.12345", INJECTED.encode().replace(b"\r", b"")
    )
    server.route("/rss/quant-ph", Reply(body=body))
    monkeypatch.setenv("ARXIV_DIGEST_RSS_URL", server.url + "/rss")
    result = runner.invoke(app, ["summarize", "-c", "quant-ph", "--no-llm", "--no-enrich"])
    assert result.exit_code == 2 and "arXiv API error" in result.stderr
    assert commands(result.stdout + result.stderr) == []


# -- the job summary: Markdown GitHub renders, under its 1 MiB limit ----------------------------
def failed_entries(count: int, reason: str) -> list[Entry]:
    paper = parse_feed(MULTI.read_bytes()).papers[0]
    return [
        Entry(paper=paper.model_copy(update={"id": f"2609.{i:05d}"}), status="failed",
              error=f"{reason} {i}")
        for i in range(count)
    ]  # fmt: skip


def test_the_job_summary_has_no_link_from_a_reason_and_stays_under_a_mebibyte():
    reason = 'answer rejected: 标签“见 https://evil.example/login www.evil.example a@evil.example'
    reason += " [x](https://evil.example) <img src=x> " + "长" * 45_000 + "”太长"
    outcome = Outcome(failed=failed_entries(50, reason))
    outcome.unreachable.append("audio: could not download https://evil.example/feed")
    report = RunReport(code=1, outcome=outcome, error="see https://evil.example/e",
                       advice=["see https://evil.example/advice"])  # fmt: skip
    text = job_summary(report, {})
    assert len(text.encode()) < 1_000_000
    assert "more failed papers" in text
    html = GITHUB.render(text)
    assert "evil.example" in html and "href" not in html and "<img" not in html


def test_the_job_summary_file_is_capped_even_with_an_earlier_step_in_it(isolated: Path):
    target = isolated / "summary.md"
    target.write_text("x" * 900_000)
    outcome = Outcome(failed=failed_entries(50, "长" * 20_000))
    write_job_summary(RunReport(code=1, outcome=outcome), {"GITHUB_STEP_SUMMARY": str(target)})
    assert target.stat().st_size < 2**20


# -- a reader that went away --------------------------------------------------------------------
def closed_pipe() -> int:
    read, write = os.pipe()
    os.close(read)  # every write to ``write`` now fails with EPIPE
    return write


def test_stderr_to_a_closed_reader_still_writes_the_digest(llm: FakeLLM, isolated: Path):
    write = closed_pipe()  # progress lines come before the digest is written
    try:
        run = subprocess.run(
            [sys.executable, "-m", "arxiv_digest", "summarize", "--feed", str(MULTI),
             "--no-enrich"],
            stderr=write, stdout=subprocess.DEVNULL, timeout=120, env=os.environ,
        )  # fmt: skip
    finally:
        os.close(write)
    assert run.returncode == 0
    assert (isolated / "output" / "2026-09-24" / "cs.LG+cs.AI+cs.CL+stat.ML.md").is_file()


def test_stdout_to_a_closed_reader_ends_quietly(isolated: Path):
    write = closed_pipe()
    try:
        run = subprocess.run([sys.executable, "-m", "arxiv_digest", "categories", "cs"],
                             stdout=write, stderr=subprocess.PIPE, timeout=60, env=os.environ)
    finally:
        os.close(write)
    assert run.returncode == 0 and b"Traceback" not in run.stderr
