"""Providers as they are in late 2026: DeepSeek's retired names and thinking by default, OpenAI's
shutdown dates, a proxy refusing every paper alike; each through the real SDK over HTTP."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from arxiv_digest.cli import app
from arxiv_digest.errors import SetupError
from arxiv_digest.summarize import providers
from tests.conftest import LLM_KEY, MULTI, QUANT_PH
from tests.support.fake_llm import FakeLLM

runner = CliRunner()
MULTI_JSON = Path("output") / "2026-09-24" / "cs.LG+cs.AI+cs.CL+stat.ML.json"
RETIRED_400 = (  # DeepSeek's answer to deepseek-chat since 2026-07-24, word for word
    "The supported API model names are deepseek-v4-pro or deepseek-v4-flash, but you passed "
    "deepseek-chat."
)


def summarize(*args: str, feed: Path = MULTI, env: dict[str, str] | None = None):
    return runner.invoke(app, ["summarize", "--feed", str(feed), "--no-enrich", *args], env=env)


def deepseek(llm: FakeLLM, models: list[str] | None = None) -> FakeLLM:
    """DeepSeek's API as it answers now: its list, its 400 for other names, thinking unless
    the request disables it (600 tokens of reasoning: past our 512 bound)."""
    llm.models = models or ["deepseek-v4-flash", "deepseek-v4-pro"]
    llm.strict_models = True
    llm.thinks_by_default = 600
    return llm


def one_error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_no_model_set_picks_a_served_model_and_switches_thinking_off(llm: FakeLLM, isolated):
    deepseek(llm)
    result = summarize()
    assert result.exit_code == 0, result.stderr
    assert {c.body["model"] for c in llm.calls} == {"deepseek-v4-flash"}
    assert all(c.body["thinking"] == {"type": "disabled"} for c in llm.calls)
    assert len(llm.calls) == 4  # one request per paper: no answer cut, none asked twice
    assert "model deepseek-v4-flash (the endpoint serves it" in result.stderr
    assert llm.model_lists == 1
    again = summarize("--force")  # the list is kept for the day, the summaries for good
    assert again.exit_code == 0 and llm.model_lists == 1 and len(llm.calls) == 4


def test_extra_body_wins_over_the_thinking_switch(llm: FakeLLM, isolated):
    deepseek(llm)
    (isolated / "arxiv-digest.toml").write_text('[extra_body]\nthinking = {type = "enabled"}\n')
    result = summarize("--model", "deepseek-v4-flash")
    assert all(c.body["thinking"] == {"type": "enabled"} for c in llm.calls)
    assert result.exit_code == 0  # cut at 512, asked again with room to think
    assert "answers hit max_tokens=512" in result.stderr


def test_a_refused_field_of_the_users_extra_body_stops_the_run_naming_it(llm: FakeLLM, isolated):
    """The switch is not ours to drop: the user is told which [extra_body] key to remove."""
    llm.refuse_fields = ("enable_thinking",)
    (isolated / "arxiv-digest.toml").write_text("[extra_body]\nenable_thinking = false\n")
    result = summarize("--concurrency", "1")
    assert result.exit_code == SetupError.exit_code
    assert "remove enable_thinking from [extra_body]" in one_error_line(result)
    assert len(llm.calls) == 1


def test_qwen3_is_asked_not_to_think_and_a_refused_switch_is_dropped_once(llm: FakeLLM, isolated):
    llm.refuse_fields = ("enable_thinking",)  # a server that knows no such field
    result = summarize("--model", "qwen3-8b", "--concurrency", "1")
    assert result.exit_code == 0, result.stderr
    first, *rest = llm.calls
    assert first.body["enable_thinking"] is False and first.status == 400
    assert [("enable_thinking" in c.body) for c in rest] == [False] * 4
    assert "the endpoint refused a parameter: enable_thinking dropped" in result.stderr


def qwen3_local(llm: FakeLLM) -> FakeLLM:
    """vLLM, SGLang or llama.cpp's server with a Qwen3 model: the chat template thinks unless
    told through chat_template_kwargs (600 tokens: past our 512 bound)."""
    llm.models = ["Qwen/Qwen3-8B"]
    llm.template_thinks = 600
    return llm


def test_qwen3_on_a_local_server_is_told_through_its_chat_template(llm: FakeLLM, isolated):
    qwen3_local(llm)
    result = summarize()
    assert result.exit_code == 0, result.stderr
    assert all(c.body["chat_template_kwargs"] == {"enable_thinking": False} for c in llm.calls)
    assert all(c.body["enable_thinking"] is False for c in llm.calls)  # a proxy to DashScope
    assert not any("reasoning_effort" in c.body for c in llm.calls)  # vLLM may refuse "none"
    assert len(llm.calls) == 4  # one request per paper: no answer cut, none asked twice
    assert "hit max_tokens" not in result.stderr


@pytest.mark.parametrize(
    ("extra_body", "sent"),
    [  # the user's [extra_body] wins, key by key inside chat_template_kwargs
        ("chat_template_kwargs = {enable_thinking = true}", {"enable_thinking": True}),
        ("enable_thinking = true", {"enable_thinking": True}),  # meant for every server
        ("chat_template_kwargs = {custom = 1}", {"enable_thinking": False, "custom": 1}),
    ],
)
def test_extra_body_wins_over_the_template_switch(llm: FakeLLM, isolated, extra_body, sent):
    qwen3_local(llm)
    (isolated / "arxiv-digest.toml").write_text(f"[extra_body]\n{extra_body}\n")
    result = summarize()
    assert result.exit_code == 0, result.stderr
    assert all(c.body["chat_template_kwargs"] == sent for c in llm.calls)
    thinks = sent["enable_thinking"]
    assert ("answers hit max_tokens=512" in result.stderr) is thinks  # cut, asked again


def test_a_refused_chat_template_kwargs_is_dropped_and_enable_thinking_kept(
    llm: FakeLLM, isolated
):
    llm.refuse_fields = ("chat_template_kwargs",)  # a proxy to a strict upstream, as new-api's
    result = summarize("--model", "qwen3-8b", "--concurrency", "1")
    assert result.exit_code == 0, result.stderr
    first, *rest = llm.calls
    assert first.status == 400 and "chat_template_kwargs" in first.body
    assert [("chat_template_kwargs" in c.body) for c in rest] == [False] * 4
    assert all(c.body["enable_thinking"] is False and c.status == 200 for c in rest)
    assert "the endpoint refused a parameter: chat_template_kwargs dropped" in result.stderr


def test_pinned_retired_model_is_a_setup_error_before_any_request(llm: FakeLLM, isolated):
    deepseek(llm)
    result = summarize("--model", "deepseek-chat", feed=QUANT_PH)
    assert result.exit_code == 2
    line = one_error_line(result)
    assert "deepseek-chat: DeepSeek retired it on 2026-07-24" in line
    assert "it serves: deepseek-v4-flash, deepseek-v4-pro" in line
    assert "set ARXIV_DIGEST_MODEL=deepseek-v4-flash" in line
    assert llm.calls == [] and not (isolated / "output").exists()


def test_retired_name_400_is_a_setup_error_when_no_list_is_offered(llm: FakeLLM, isolated):
    deepseek(llm)
    llm.models, llm.strict_models = None, False  # /models answers 404
    llm.fault = lambda call: None if call.index < 0 else "deepseek_retired_400"
    result = summarize("--model", "deepseek-chat", feed=QUANT_PH)  # 81 papers
    assert result.exit_code == 2
    line = one_error_line(result)
    assert f"HTTP 400 {RETIRED_400}" in line
    assert "set ARXIV_DIGEST_MODEL=deepseek-v4-flash (deepseek-chat is retired)" in line
    assert len(llm.calls) <= 4  # the first wave, not 81
    assert not (isolated / "output").exists()


def test_served_names_are_read_from_the_refusal():
    assert providers.served_names(RETIRED_400) == (
        ["deepseek-v4-pro", "deepseek-v4-flash"],
        "deepseek-chat",
    )
    later = "The supported API model names are deepseek-flash, deepseek-v4-pro, but you passed x."
    assert providers.served_names(later) == (["deepseek-flash", "deepseek-v4-pro"], "x")


def test_no_model_set_and_none_known_served_exits_2_listing_them(llm: FakeLLM, isolated):
    llm.models = ["my-proxy-model", "another"]
    result = summarize()
    assert result.exit_code == 2
    line = one_error_line(result)
    assert "no model set" in line and "it serves: my-proxy-model, another" in line
    assert llm.calls == []


def test_a_shutdown_date_within_60_days_warns_on_every_run(llm: FakeLLM, isolated, tmp_path):
    soon = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=48)).isoformat()
    llm.models = [{"id": "gpt-4o-mini", "shutdown_date": soon}, "gpt-6-luna"]
    summary = tmp_path / "summary.md"
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    for _ in range(2):  # the second run asks nothing: the warning still shows
        result = summarize("--model", "gpt-4o-mini", env=env)
        assert result.exit_code == 0, result.stderr
        warning = (
            f"model gpt-4o-mini shuts down on {soon} (in 48 days); the provider suggests "
            "gpt-6-luna: set ARXIV_DIGEST_MODEL=gpt-6-luna"
        )
        assert warning in result.stderr
    text = summary.read_text()
    assert text.count(f"shuts down on {soon} (in 48 days)") == 2
    assert text.count("LLM: ") == 2 and "model gpt-4o-mini" in text, text
    assert len(llm.calls) == 4


def test_no_model_set_prefers_one_without_a_shutdown_date(llm: FakeLLM, isolated):
    soon = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=10)).isoformat()
    llm.models = [{"id": "gpt-4o-mini", "shutdown_date": soon}, "gpt-4.1-mini"]
    result = summarize()
    assert result.exit_code == 0, result.stderr
    assert {c.body["model"] for c in llm.calls} == {"gpt-4.1-mini"}
    assert "shuts down" not in result.stderr


def test_the_same_unknown_refusal_for_the_whole_first_wave_is_a_setup_error(
    llm: FakeLLM, isolated
):
    """LiteLLM with a master key answers a wrong client key 400 "No connected db."."""
    llm.fault = lambda call: None if call.index < 0 else "litellm_no_db_400"
    result = summarize(feed=QUANT_PH)  # 81 papers
    assert result.exit_code == 2
    line = one_error_line(result)
    assert "answered HTTP 400 No connected db. to each of the first" in line
    assert "check OPENAI_API_KEY, OPENAI_BASE_URL and ARXIV_DIGEST_MODEL" in line
    assert len(llm.calls) <= 4
    assert not (isolated / "output").exists()
    assert LLM_KEY not in result.stderr


def test_a_refusal_that_differs_per_paper_stays_per_paper(llm: FakeLLM, isolated):
    llm.fault = lambda call: None if call.index < 0 else "400_per_paper"
    result = summarize("--concurrency", "2")
    assert result.exit_code == 1
    papers = json.loads((isolated / MULTI_JSON).read_text())["papers"]
    assert [p["status"] for p in papers] == ["failed"] * 4
    assert len(llm.calls) == 4


def test_doctor_names_the_model_and_why_and_warns_of_a_shutdown(llm: FakeLLM, isolated):
    soon = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=30)).isoformat()
    llm.models = [{"id": "gpt-4o-mini", "shutdown_date": soon}]
    result = runner.invoke(app, ["doctor"], env={"ARXIV_DIGEST_RSS_URL": "http://127.0.0.1:9"})
    lines = result.stdout.splitlines()
    assert "✓ model gpt-4o-mini (the server serves one model) is offered" in lines, lines
    assert (
        f"⚠ model gpt-4o-mini shuts down on {soon} (in 30 days); the provider suggests "
        "gpt-6-luna, not served here; set ARXIV_DIGEST_MODEL to a model without a shutdown date"
    ) in lines


# -- the table, by host (no network: the list is given) ----------------------------------------
def choice_for(base_url: str, ids: list[str], monkeypatch, model: str | None = None):
    from arxiv_digest.config import load_settings
    from arxiv_digest.summarize.model_choice import Listed, Listing, choose

    monkeypatch.setenv("OPENAI_BASE_URL", base_url)
    if model:
        monkeypatch.setenv("ARXIV_DIGEST_MODEL", model)
    settings = load_settings()
    return settings, choose(settings, Listing([Listed(i) for i in ids]), dt.date(2026, 11, 27))


def test_deepseek_host_picks_its_current_model_then_its_preferences(monkeypatch):
    url = "https://api.deepseek.com/v1"
    _, now = choice_for(url, ["deepseek-flash", "deepseek-v4-pro"], monkeypatch)
    assert (now.model, now.why) == (
        "deepseek-flash", "DeepSeek's usual, served; ARXIV_DIGEST_MODEL to change"
    )  # fmt: skip
    _, before = choice_for(url, ["deepseek-v4-pro", "deepseek-v4-flash"], monkeypatch)
    assert before.model == "deepseek-v4-flash"
    assert before.why == (
        "DeepSeek's usual deepseek-flash is not served; the next in its preferences"
    )
    with pytest.raises(SetupError, match=r"DeepSeek's known models .* it serves: deepseek-v4-pro"):
        choice_for(url, ["deepseek-v4-pro"], monkeypatch)


def test_request_shape_follows_the_host_and_the_users_settings(monkeypatch):
    from arxiv_digest.summarize.shape import request_shape

    settings, choice = choice_for("https://api.deepseek.com/v1", ["deepseek-flash"], monkeypatch)
    settings.model = choice.model
    assert request_shape(settings).thinking_off == {"thinking": {"type": "disabled"}}
    settings, choice = choice_for("https://api.openai.com/v1", ["gpt-6-luna"], monkeypatch)
    settings.model = choice.model
    shape = request_shape(settings)
    assert (shape.token_param, shape.thinking_off) == (
        "max_completion_tokens", {"reasoning_effort": "none"}
    )  # fmt: skip
    monkeypatch.setenv("ARXIV_DIGEST_TOKEN_PARAM", "max_tokens")
    settings, _ = choice_for("https://api.openai.com/v1", ["gpt-6-luna"], monkeypatch)
    assert request_shape(settings).token_param == "max_tokens"  # the user's setting wins
    settings, _ = choice_for(
        "https://dashscope.aliyuncs.com/compatible-mode/v1", [], monkeypatch, "qwen3-235b-a22b"
    )
    assert request_shape(settings).thinking_off == {"enable_thinking": False}  # DashScope's
    settings.model = "qwen3-235b-a22b-thinking-2507"  # thinking-only: never sent the switch
    assert request_shape(settings).thinking_off == {}
    settings, _ = choice_for("http://127.0.0.1:8000/v1", [], monkeypatch, "qwen3-235b-a22b")
    assert request_shape(settings).thinking_off == {  # vLLM's, SGLang's, llama.cpp's too
        "enable_thinking": False, "chat_template_kwargs": {"enable_thinking": False}
    }  # fmt: skip


def test_a_model_id_from_the_list_prints_on_one_line(llm: FakeLLM, isolated):
    llm.models = ["evil\n::error::injected"]  # a one-model server's id, as it lists it
    result = summarize()
    assert result.exit_code == 0, result.stderr
    assert {c.body["model"] for c in llm.calls} == {"evil\n::error::injected"}  # sent as listed
    assert not any(line.startswith("::") for line in result.stderr.splitlines())
    # defused where a line could start: after a space (where a log viewer may wrap it)
    assert "model evil : :error::injected (the server serves one model)" in result.stderr


@pytest.mark.parametrize("model", ["qwen3:8b", "llama3.1:8b", "hf.co/unsloth/Qwen3-8B-GGUF:Q4_K_M"])
def test_ollama_is_told_through_reasoning_effort(llm: FakeLLM, isolated, model):
    """Ollama thinks with every model that can, and on /v1 reads only reasoning_effort ("none":
    off); a model that cannot think accepts "none" (only a true switch is refused)."""
    llm.models = [model]
    result = summarize()
    assert result.exit_code == 0, result.stderr
    assert len(llm.calls) == 4
    assert all(c.body["model"] == model for c in llm.calls)
    assert all(c.body["reasoning_effort"] == "none" for c in llm.calls)


def test_ollama_is_known_by_its_port_and_its_cloud_host():
    from arxiv_digest.summarize.provider_facts import thinking_params

    for url in ("http://localhost:11434/v1", "http://gpu-box:11434/v1", "https://ollama.com/v1"):
        assert thinking_params(url, "qwen3.5")["reasoning_effort"] == "none", url
        assert thinking_params(url, "gemma3")["reasoning_effort"] == "none", url
    assert "reasoning_effort" not in thinking_params("http://localhost:8000/v1", "gemma3")
    assert "reasoning_effort" not in thinking_params("http://localhost:8000/v1", "Qwen/Qwen3-8B")
