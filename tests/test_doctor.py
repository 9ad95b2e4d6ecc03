"""`arxiv-digest doctor` against the fake arXiv and the fake OpenAI-compatible server."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arxiv_digest.cli import app
from tests.conftest import LLM_KEY, QUANT_PH
from tests.support.fake_llm import FakeLLM
from tests.support.http_server import Reply, ScriptedServer

runner = CliRunner()
API = Path(__file__).parent / "fixtures" / "api"
API_REPLY = API / "api_newbackend_cat-cs.CL_max3_2026-09-24_laya-reader.xml"
CONFIG = '[[groups]]\nname = "q"\ntitle = "量子物理"\ncategories = ["quant-ph"]\n'


@pytest.fixture
def arxiv(server: ScriptedServer, isolated: Path, monkeypatch) -> ScriptedServer:
    server.route("/rss/quant-ph", Reply(body=QUANT_PH.read_bytes()))
    server.route("/api/query", Reply(body=API_REPLY.read_bytes()))
    monkeypatch.setenv("ARXIV_DIGEST_RSS_URL", server.url + "/rss")
    monkeypatch.setenv("ARXIV_DIGEST_API_URL", server.url + "/api/query")
    (isolated / "arxiv-digest.toml").write_text(CONFIG)
    return server


def doctor() -> tuple[int, list[str]]:
    result = runner.invoke(app, ["doctor"])
    assert LLM_KEY not in result.stdout + result.stderr
    return result.exit_code, result.stdout.splitlines()


def test_a_healthy_setup_passes_every_check(llm: FakeLLM, arxiv: ScriptedServer):
    llm.models = ["gpt-4o-mini", "other"]
    code, lines = doctor()
    assert code == 0, lines
    assert [line[0] for line in lines[:-1]] == ["✓"] * (len(lines) - 1)
    text = "\n".join(lines)
    for expected in (
        "config arxiv-digest.toml: q (quant-ph)",
        "arXiv feed quant-ph: 81 papers announced 2025-04-28",
        "arXiv export API:",
        "OPENAI_API_KEY is set (21 characters, not shown)",
        "2 models offered",
        "model gpt-4o-mini (the endpoint serves it; ARXIV_DIGEST_MODEL to change) is offered",
        "JSON mode (response_format json_object) accepted",
        "one paper summarized (2504.17830v1): 标签 测试标签; 机器学习 | 简介 该论文属于测试任务",
    ):
        assert expected in text, expected
    assert lines[-1] == "all checks passed"
    assert len(llm.calls) == 1  # one paper's worth of tokens


def fails_with(lines: list[str], text: str) -> None:
    bad = [line for line in lines if line.startswith("✗")]
    assert len(bad) == 1 and text in bad[0], lines
    assert lines[-1] == "some checks failed: see the ✗ lines"


def test_no_key_says_where_it_goes_here(arxiv: ScriptedServer, monkeypatch):
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    code, lines = doctor()
    assert code == 1
    fails_with(lines, "OPENAI_API_KEY is not set — export OPENAI_API_KEY=… in this shell, or put")
    assert "repository secret" not in "\n".join(lines)  # no repository on this machine
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, lines = doctor()
    fails_with(lines, "OPENAI_API_KEY is not set — add it as a repository secret")


def test_the_placeholder_key_of_env_example_fails(
    llm: FakeLLM, arxiv: ScriptedServer, isolated: Path, monkeypatch
):
    example = (Path(__file__).parents[1] / ".env.example").read_text()
    (isolated / ".env").write_text(example)
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    code, lines = doctor()
    assert code == 1
    fails_with(lines, "OPENAI_API_KEY is a placeholder ('sk-...', as in .env.example), not a key")
    assert not llm.calls
    result = runner.invoke(app, ["summarize", "-c", "quant-ph"])
    assert result.exit_code == 2 and "is a placeholder" in result.stderr
    assert not llm.calls


def test_no_groups_fails(llm: FakeLLM, arxiv: ScriptedServer, isolated: Path):
    """The daily job runs summarize without -c: with no group it exits 2, so doctor fails."""
    (isolated / "arxiv-digest.toml").write_text('model = "gpt-4o-mini"\n')
    arxiv.route("/rss/cs.SD", Reply(body=QUANT_PH.read_bytes()))  # what doctor tries then
    code, lines = doctor()
    assert code == 1
    fails_with(lines, "config arxiv-digest.toml: no groups — add a [[groups]] table")


def test_key_refused(llm: FakeLLM, arxiv: ScriptedServer):
    llm.fault = lambda call: "401"
    code, lines = doctor()
    assert code == 1
    fails_with(lines, "answered HTTP 401 Incorrect API key provided: *** — check OPENAI_API_KEY")


def test_model_not_offered(llm: FakeLLM, arxiv: ScriptedServer, monkeypatch):
    monkeypatch.setenv("ARXIV_DIGEST_MODEL", "gpt-x")
    llm.models = ["gpt-4o-mini"]
    llm.fault = lambda call: "openai_model_404"
    code, lines = doctor()
    assert code == 1
    fails_with(lines, "HTTP 404 The model `gpt-x` does not exist")
    assert lines[-2].endswith("set ARXIV_DIGEST_MODEL to a model this endpoint serves "
                              "(offered: gpt-4o-mini)")  # fmt: skip


def test_a_one_model_server_answers_to_any_name(llm: FakeLLM, arxiv: ScriptedServer, monkeypatch):
    """llama.cpp's server lists its one model by file path and answers whatever name is asked."""
    monkeypatch.setenv("ARXIV_DIGEST_MODEL", "qwen")
    llm.models = ["/models/qwen2.5-7b-instruct-q4_k_m.gguf"]
    code, lines = doctor()
    assert code == 0, lines
    assert any(
        line == "✓ the server serves one model (/models/qwen2.5-7b-instruct-q4_k_m.gguf); it "
        "answers to the name qwen" for line in lines
    ), lines
    assert not any("not in the list" in line for line in lines)


def test_model_unknown_where_no_list_is_offered(llm: FakeLLM, arxiv: ScriptedServer):
    llm.fault = lambda call: "openai_model_404"  # no /v1/models; the request says it
    code, lines = doctor()
    assert code == 1
    assert any("lists no models" in line and line.startswith("✓") for line in lines)
    fails_with(lines, "HTTP 404 The model `gpt-6-luna` does not exist")


def test_endpoint_unreachable(arxiv: ScriptedServer, monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("OPENAI_API_KEY", LLM_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{port}/v1")
    code, lines = doctor()
    assert code == 1
    fails_with(lines, f"cannot reach the LLM endpoint http://127.0.0.1:{port}/v1")


def test_a_model_that_does_not_write_chinese(llm: FakeLLM, arxiv: ScriptedServer):
    llm.fault = lambda call: "english"
    code, lines = doctor()
    assert code == 1
    fails_with(lines, "the answer fails the checks: summary 必须用中文撰写")


def test_arxiv_unreachable_falls_back_to_a_sample_paper(llm: FakeLLM, arxiv: ScriptedServer):
    arxiv.route("/rss/quant-ph", Reply(404, b"gone", content_type="text/plain"))
    code, lines = doctor()
    assert code == 1
    fails_with(lines, "arXiv feed: could not download")
    assert any("one paper summarized (2509.08379v1)" in line for line in lines)
