from __future__ import annotations

from pathlib import Path

import pytest

from arxiv_digest.config import load_settings
from arxiv_digest.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_example_config_loads():
    settings = load_settings(ROOT / "arxiv-digest.toml")
    assert [g.name for g in settings.groups] == ["audio", "cv"]
    assert settings.groups[0].categories == ["cs.SD", "eess.AS"]


def test_empty_environment_values_are_ignored(monkeypatch):
    # GitHub Actions passes unset repository variables as empty strings
    for name in ("ARXIV_DIGEST_MODEL", "ARXIV_DIGEST_CONCURRENCY", "ARXIV_DIGEST_RPM"):
        monkeypatch.setenv(name, "")
    monkeypatch.setenv("OPENAI_BASE_URL", "")
    settings = load_settings()
    assert (settings.model, settings.concurrency, settings.rpm) == ("gpt-6-luna", "auto", None)
    assert settings.base_url is None


def test_api_key_is_secret(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-value")
    settings = load_settings()
    assert "sk-secret-value" not in repr(settings) + str(settings.model_dump())


@pytest.mark.parametrize(
    ("text", "message"),
    [("model = ", "not valid TOML"), ("concurrency = 0", "concurrency")],
)
def test_bad_config_is_a_config_error(isolated: Path, text: str, message: str):
    (isolated / "arxiv-digest.toml").write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_settings()


def test_missing_config_file():
    with pytest.raises(ConfigError, match="not found"):
        load_settings(Path("nope.toml"))


GROUP = '[[groups]]\nname = "audio"\ntitle = "音频"\ncategories = ["cs.SD"]\n'


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        (GROUP + "interests = 5", {},
         'arxiv-digest.toml, [[groups]] group "audio": interests is 5 (a whole number); '
         "expected text in quotes"),
        ('concurrency = "fast"', {},
         "arxiv-digest.toml: concurrency is 'fast'; expected 'auto' or a whole number"),
        ("", {"ARXIV_DIGEST_CONCURRENCY": "fast"},
         "environment variable ARXIV_DIGEST_CONCURRENCY: concurrency is 'fast'; "
         "expected 'auto' or a whole number"),
        ("", {"ARXIV_DIGEST_TIMEOUT": "abc"},
         "environment variable ARXIV_DIGEST_TIMEOUT: timeout is 'abc'; expected a number"),
        (GROUP.replace('title = "音频"\n', ""), {},
         'arxiv-digest.toml, [[groups]] group "audio": title is missing (required)'),
        (GROUP + "top = 99", {},
         'arxiv-digest.toml, [[groups]] group "audio": top is 99 (a whole number); '
         "expected at most 50"),
        (GROUP.replace('["cs.SD"]', '["cs.SD"，"eess.AS"]'), {},
         "arxiv-digest.toml: not valid TOML: Unclosed array (at line 4, column 22) — line 4 has "
         "a full-width '，' where TOML needs ','"),
        ("groups = 3", {}, "arxiv-digest.toml: groups is 3 (a whole number); expected a list"),
    ],
)  # fmt: skip
def test_setting_errors_say_where_what_and_what_is_expected(
    isolated: Path, monkeypatch: pytest.MonkeyPatch, text: str, env: dict[str, str], message: str
):
    (isolated / "arxiv-digest.toml").write_text(text)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value).startswith(message)
    assert "Input should" not in str(caught.value)


def test_full_width_text_inside_strings_is_fine(isolated: Path):
    (isolated / "arxiv-digest.toml").write_text(GROUP.replace("音频", "音频，语音") + 'x = "，"')
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "full-width" not in str(caught.value)
