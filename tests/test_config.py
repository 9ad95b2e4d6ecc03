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
    assert (settings.model, settings.concurrency, settings.rpm) == ("gpt-4o-mini", "auto", None)
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
