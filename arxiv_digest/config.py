"""Settings: CLI flag > environment (or .env) > arxiv-digest.toml > built-in default."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from arxiv_digest.categories import CATEGORY_NAMES
from arxiv_digest.errors import ConfigError
from arxiv_digest.models import Group

DEFAULT_CONFIG = Path("arxiv-digest.toml")


def default_cache_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "arxiv-digest" / "summaries.sqlite3"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ARXIV_DIGEST_",
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,  # unset Actions variables arrive as ""
        extra="ignore",
        populate_by_name=True,
    )

    # the openai SDK's own variables, so an existing setup just works
    api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "api_key")
    )
    base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "base_url")
    )
    model: str = "gpt-4o-mini"
    concurrency: int = Field(default=8, ge=1, le=512)
    rpm: int | None = Field(default=None, ge=1)
    tpm: int | None = Field(default=None, ge=1)
    batch_size: int = Field(default=1, ge=1, le=20)
    max_tokens: int = Field(default=512, ge=16)
    temperature: float | None = 0.3
    timeout: float = Field(default=60.0, gt=0)
    max_attempts: int = Field(default=5, ge=1)
    max_retry_seconds: float = Field(default=300.0, gt=0)
    retry_backoff: float = Field(default=1.0, gt=0)  # first backoff step, seconds
    summary_min_chars: int = 40
    summary_max_chars: int = 200
    price_input: float | None = None  # per million prompt tokens
    price_output: float | None = None  # per million completion tokens
    cache: Path = Field(default_factory=default_cache_path)
    prompts_dir: Path | None = None

    rss_url: str = "https://rss.arxiv.org/rss"
    api_url: str = "https://export.arxiv.org/api/query"
    output: Path = Path("output")

    groups: list[Group] = []
    category_names: dict[str, str] = {}

    @field_validator("rpm", "tpm", mode="before")
    @classmethod
    def _zero_is_off(cls, value: Any) -> Any:
        return None if value in (0, "0", "") else value

    @property
    def names(self) -> dict[str, str]:
        return {**CATEGORY_NAMES, **self.category_names}

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            TomlConfigSettingsSource(settings_cls),
        )


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Settings with CLI overrides (None means "not given") on top of env and the TOML file."""
    path = config if config is not None else (DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None)
    if config is not None and not config.exists():
        raise ConfigError(f"config file not found: {config}")
    if path is not None:
        try:
            tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc

    class _Settings(Settings):
        model_config = SettingsConfigDict(toml_file=path)

    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        return _Settings(**given)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ConfigError(f"bad setting {where}: {first['msg']}") from exc
