"""Settings: CLI flag > environment (or .env) > arxiv-digest.toml > built-in default."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from arxiv_digest.categories import CATEGORY_NAMES
from arxiv_digest.errors import ConfigError
from arxiv_digest.models import Group
from arxiv_digest.summarize.providers import default_model

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
    model: str | None = None  # unset: the provider's usual model, from the base URL's host
    concurrency: Literal["auto"] | int = "auto"
    max_concurrency: int = Field(default=32, ge=1, le=512)  # the cap of "auto"
    rpm: int | None = Field(default=None, ge=1)
    tpm: int | None = Field(default=None, ge=1)
    batch_size: int = Field(default=1, ge=1, le=20)
    max_tokens: int = Field(default=512, ge=16)
    max_tokens_cap: int = Field(default=8192, ge=16)  # the bound a cut answer is retried with
    token_param: Literal["max_tokens", "max_completion_tokens"] = "max_tokens"
    temperature: float | None = 0.3
    extra_body: dict[str, Any] = {}  # sent with every request, e.g. enable_thinking = false
    timeout: float = Field(default=60.0, gt=0)  # one whole request, connect to last byte
    dead_after: float = Field(default=120.0, gt=0)  # no answer this long: the endpoint is down
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

    @field_validator("concurrency", mode="before")
    @classmethod
    def _auto_or_number(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().lower()
            return value if value == "auto" else int(value) if value.isdigit() else value
        return value

    @field_validator("concurrency")
    @classmethod
    def _positive(cls, value: Literal["auto"] | int) -> Literal["auto"] | int:
        if value != "auto" and not 1 <= int(value) <= 512:
            raise ValueError("must be auto or a number from 1 to 512")
        return value

    @model_validator(mode="after")
    def _provider_model(self) -> Settings:
        if not self.model:
            self.model = default_model(self.base_url)
            self.model_chosen = True
        return self

    model_chosen: bool = False  # True when the model came from the provider table

    @property
    def fixed_concurrency(self) -> int | None:
        """None for "auto"."""
        return None if self.concurrency == "auto" else int(self.concurrency)

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
