"""The fork that works every weekday: the Actions step as a script against the fakes, self-healing
days, progress in a log, the install, and the small things a first day runs into."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from arxiv_digest.cli import app
from tests.conftest import LLM_KEY, MULTI, QUANT_PH, ROOT
from tests.support.fake_llm import FakeLLM
from tests.support.feedgen import render_feed, synthetic_items
from tests.support.http_server import Reply, ScriptedServer
from tests.test_faults import feed_file, summarize_args

runner = CliRunner()
BIN = Path(sys.executable).parent
MULTI_NAME = "cs.LG+cs.AI+cs.CL+stat.ML"
SCRIPT = ROOT / ".github" / "scripts" / "summarize.sh"
TWO_GROUPS = """
[[groups]]
name = "quantum"
title = "量子物理"
categories = ["quant-ph"]

[[groups]]
name = "audio"
title = "音频"
categories = ["cs.SD"]
"""


def actions_env(folder: Path, server: ScriptedServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env['PATH']}",
        ARXIV_DIGEST_CONCURRENCY="1",  # the scripted failure hits one paper
        ARXIV_DIGEST_RSS_URL=server.url + "/rss",
        ARXIV_DIGEST_API_URL=server.url + "/api/query",
        GITHUB_ACTIONS="true",
        GITHUB_STEP_SUMMARY=str(folder / "summary.md"),
        GITHUB_OUTPUT=str(folder / "github_output"),
        GITHUB_SERVER_URL="https://github.com",
        GITHUB_REPOSITORY="someone/arxiv-digest",
        GITHUB_REF_NAME="main",
    )
    return env


def run_step(folder: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(SCRIPT)], cwd=folder, env=env, capture_output=True, text=True, timeout=120
    )


def test_actions_step_one_group_down_the_other_written_job_summary_and_exit(
    llm: FakeLLM, server: ScriptedServer, isolated: Path
):
    (isolated / "arxiv-digest.toml").write_text(TWO_GROUPS)
    server.route("/rss/quant-ph", Reply(body=QUANT_PH.read_bytes()))
    server.route("/rss/cs.SD", Reply(404, b"not found", content_type="text/plain"))
    llm.script = ["english", "english"]  # one paper fails twice
    llm.fault = lambda call: None
    step = run_step(isolated, actions_env(isolated, server))
    assert step.returncode == 0, step.stderr  # the step never fails; the job's last step does
    assert (isolated / "github_output").read_text() == "code=3\n"
    assert "::error title=arxiv-digest::arXiv or the LLM endpoint" in step.stdout
    assert (isolated / "output" / "2025-04-28" / "quantum.md").is_file()  # written regardless
    summary = (isolated / "summary.md").read_text()
    assert "## arxiv-digest: ❌ arXiv or the LLM endpoint could not be reached" in summary
    assert (
        "| 2025-04-28 | 量子物理 (quantum) | 50 | 31 | 80 | 1 | [quantum.md]"
        "(https://github.com/someone/arxiv-digest/blob/main/output/2025-04-28/quantum.md) |"
    ) in summary
    assert "- ❌ audio: could not download" in summary and "HTTP 404" in summary
    assert "**Failed papers**" in summary and "answer rejected" in summary
    assert "LLM: papers 81, cached 0, asked 81, failed 1" in summary
    assert LLM_KEY not in summary + step.stdout + step.stderr


def test_actions_step_turns_exit_1_into_a_warning(
    llm: FakeLLM, server: ScriptedServer, isolated: Path
):
    (isolated / "arxiv-digest.toml").write_text(TWO_GROUPS.split("\n\n")[0])  # quantum only
    server.route("/rss/quant-ph", Reply(body=QUANT_PH.read_bytes()))
    llm.script = ["english", "english"]
    step = run_step(isolated, actions_env(isolated, server))
    assert step.returncode == 0
    assert (isolated / "github_output").read_text() == "code=1\n"
    assert "::warning title=arxiv-digest::some papers failed" in step.stdout
    assert "⚠️ written; some papers failed" in (isolated / "summary.md").read_text()


def test_a_day_with_failures_is_healed_by_the_next_days_run(llm: FakeLLM, isolated: Path):
    llm.script = ["english", "english"]  # the first paper asked fails on day 1
    first = runner.invoke(
        app, ["summarize", "--feed", str(MULTI), "--no-enrich", "--concurrency", "1"]
    )
    assert first.exit_code == 1
    day1 = isolated / "output" / "2026-09-24"
    day1_json, day1_md = day1 / f"{MULTI_NAME}.json", day1 / f"{MULTI_NAME}.md"
    failed = [p for p in json.loads(day1_json.read_text())["papers"]
              if p["status"] == "failed"]  # fmt: skip
    assert len(failed) == 1
    next_day = isolated / "next.xml"
    next_day.write_bytes(
        render_feed(["cs.SD"], dt.date(2026, 9, 25),
                    synthetic_items(5, ["cs.SD"], day=dt.date(2026, 9, 25)))
    )  # fmt: skip
    calls = len(llm.calls)
    second = runner.invoke(app, ["summarize", "--feed", str(next_day), "--no-enrich"])
    assert second.exit_code == 0, second.stderr
    assert len(llm.calls) - calls == 5 + 1  # the new day and the one paper that had failed
    assert "2026-09-24: 1 papers that had failed now summarized; day rewritten" in second.stderr
    papers = json.loads(day1_json.read_text())["papers"]
    assert all(p["status"] == "ok" and "error" not in p for p in papers)
    assert "生成失败" not in day1_md.read_text()
    index = (isolated / "output" / "README.md").read_text()
    assert "2026-09-24" in index and "2026-09-25" in index


def test_progress_lines_in_a_log(llm: FakeLLM, isolated: Path):
    result = runner.invoke(app, summarize_args(feed_file(isolated, 60)))
    assert result.exit_code == 0
    lines = [line for line in result.stderr.splitlines() if line.startswith("summarized ")]
    assert 5 <= len(lines) <= 11  # about every 10 %
    assert lines[-1].startswith("summarized 60/60, 0 failed")


def test_bundled_prompts_are_the_repositorys():
    for name in ("system.md", "summary.md", "score.md"):
        assert (ROOT / "arxiv_digest" / "prompts" / name).read_text() == (
            ROOT / "prompts" / name
        ).read_text()


def test_non_editable_install_run_elsewhere_uses_the_bundled_prompts(
    llm: FakeLLM, isolated: Path, monkeypatch
):
    source = isolated / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "arxiv_digest", source / "arxiv_digest",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    site = isolated / "site"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--target", str(site), str(source)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    assert (site / "arxiv_digest" / "prompts" / "summary.md").is_file()
    elsewhere = isolated / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.delenv("ARXIV_DIGEST_PROMPTS_DIR")
    env = {**os.environ, "PYTHONPATH": str(site)}
    where = subprocess.run(
        [sys.executable, "-c", "import arxiv_digest; print(arxiv_digest.__file__)"],
        cwd=elsewhere, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert where.stdout.startswith(str(site))
    run = subprocess.run(
        [sys.executable, "-m", "arxiv_digest", "summarize", "--feed", str(MULTI), "--no-enrich"],
        cwd=elsewhere, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    system = llm.calls[0].body["messages"][0]["content"]
    assert system == (ROOT / "prompts" / "system.md").read_text().strip()


# -- the command line on a first day ----------------------------------------------------------
def test_version_and_short_help():
    assert runner.invoke(app, ["--version"]).stdout.startswith("arxiv-digest 0.")
    assert "Usage" in runner.invoke(app, ["-h"]).stdout
    assert "--no-llm" in runner.invoke(app, ["summarize", "-h"]).stdout


def test_a_category_in_the_wrong_case_suggests_the_right_one(isolated: Path):
    result = runner.invoke(app, ["summarize", "-c", "cs.sd", "--no-llm"])
    assert result.exit_code == 2 and "did you mean cs.SD?" in result.stderr


def test_categories_with_no_match_says_so_and_exits_1():
    result = runner.invoke(app, ["categories", "zzz"])
    assert result.exit_code == 1 and "no arXiv category starts with 'zzz'" in result.stderr
    assert "cs.SD" in runner.invoke(app, ["categories", "CS.S"]).stdout


def test_render_names_the_missing_group(isolated: Path):
    assert runner.invoke(
        app, ["summarize", "--feed", str(QUANT_PH), "--no-llm", "--no-enrich"]
    ).exit_code == 0
    result = runner.invoke(app, ["render", "2025-04-28", "-g", "nope"])
    assert result.exit_code == 2
    assert "no digest for group nope" in result.stderr and "(there: quant-ph)" in result.stderr
