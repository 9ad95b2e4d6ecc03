"""Settings: CLI flag > environment (or .env) > arxiv-digest.toml > built-in default."""

from __future__ import annotations

import difflib
import math
import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

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
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from arxiv_digest.categories import CATEGORY_NAMES
from arxiv_digest.config_errors import explain, toml_hint
from arxiv_digest.errors import ConfigError
from arxiv_digest.models import Group
from arxiv_digest.reading import Unreadable, read_text
from arxiv_digest.storage import MAX_GROUP_NAME
from arxiv_digest.summarize.providers import default_model

DEFAULT_CONFIG = Path("arxiv-digest.toml")
DOTENV = Path(".env")
GROUP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
INTERNAL = {"model_chosen", "model_why"}  # fields that are not settings
# what examples and templates put where the key goes: "sk-...", "sk-xxxx", "<your key>"
_PLACEHOLDER_KEY = re.compile(
    r"^(?:sk-)?(?:.*(?:\.\.\.|…).*|x{3,}|\*+|<.*>|your.*key.*|changeme|placeholder)$", re.I
)
RESERVED_BODY_KEYS = {  # what the request itself sets, and where the user sets it instead
    "model": "set model (ARXIV_DIGEST_MODEL) instead",
    "messages": "the prompts are the files in prompts/",
    "max_tokens": "set max_tokens (ARXIV_DIGEST_MAX_TOKENS) instead",
    "max_completion_tokens": "set max_tokens and token_param instead",
    "stream": "answers are read whole, one JSON object each",
    "stream_options": "answers are read whole, one JSON object each",
    "n": "one answer is read per request; more would be paid for and thrown away",
}


def default_cache_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "arxiv-digest" / "summaries.sqlite3"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ARXIV_DIGEST_",
        env_file=DOTENV,
        env_file_encoding="utf-8",
        env_ignore_empty=True,  # unset Actions variables arrive as ""
        extra="ignore",
        populate_by_name=True,
        allow_inf_nan=False,  # ARXIV_DIGEST_TEMPERATURE=nan reached the request; inf a price
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
    # below 0.1 s no request could be answered (1e-9 made every paper fail after 5 attempts)
    timeout: float = Field(default=60.0, ge=0.1)  # one whole request, connect to last byte
    timeout_cap: float = Field(default=600.0, ge=0.1)  # a slow server's timeout grows up to this
    dead_after: float = Field(default=120.0, ge=0.1)  # no answer this long: the endpoint is down
    max_attempts: int = Field(default=5, ge=1)
    max_retry_seconds: float = Field(default=300.0, gt=0)
    retry_backoff: float = Field(default=1.0, gt=0)  # first backoff step, seconds
    summary_min_chars: int = Field(default=40, ge=1)
    summary_max_chars: int = Field(default=200, ge=1)
    price_input: float | None = Field(default=None, ge=0)  # per million prompt tokens
    price_output: float | None = Field(default=None, ge=0)  # per million completion tokens
    cache: Path = Field(default_factory=default_cache_path)
    prompts_dir: Path | None = None

    rss_url: str = "https://rss.arxiv.org/rss"
    api_url: str = "https://export.arxiv.org/api/query"
    fetch_timeout: float = Field(default=120.0, gt=0)  # one arXiv request, connect to last byte
    output: Path = Path("output")
    lock_wait: float = Field(default=300.0, ge=0)  # seconds to wait for another run to finish

    groups: list[Group] = []
    category_names: dict[str, str] = {}
    # defaults for every group (a group's own key wins)
    title_zh: bool = True  # 中文标题, from the summary's own request
    overview: bool = True  # 今日概览: one more request per group and day
    # push URLs for every group: ARXIV_DIGEST_NOTIFY, one per line or space-separated; they
    # hold tokens, so never shown (repr off)
    notify: Annotated[list[str], NoDecode] = Field(default_factory=list, repr=False)
    site_url: str | None = None  # where the web reader is published: links in pushes and feeds

    @field_validator("notify", mode="before")
    @classmethod
    def _urls(cls, value: Any) -> Any:
        if isinstance(value, str):
            return value.split()
        return value

    @field_validator("site_url")
    @classmethod
    def _site(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must start with https:// (where the web reader is published)")
        return value.rstrip("/") or None
    aliases: dict[str, list[str]] = {}  # relevance: a form = [other forms that mean the same]
    embedding_model: str | None = None  # relevance also from the endpoint's /embeddings

    @field_validator("rpm", "tpm", mode="before")
    @classmethod
    def _zero_is_off(cls, value: Any) -> Any:
        return None if value in (0, "0", "") else value

    @field_validator("extra_body")
    @classmethod
    def _extra_body_adds_only(cls, value: dict[str, Any]) -> dict[str, Any]:
        """[extra_body] is merged over the request last: it must not replace what the run
        depends on (the model, the paper, the answer's bound, one JSON answer at a time)."""
        for key in value:
            if key in RESERVED_BODY_KEYS:
                raise ValueError(f"[extra_body] cannot set {key!r}: {RESERVED_BODY_KEYS[key]}")
        return value

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

    @field_validator("extra_body")
    @classmethod
    def _finite_extra(cls, value: dict[str, Any]) -> dict[str, Any]:
        """TOML has nan and inf; JSON has neither, so a request carrying one is not JSON."""
        if not _finite(value):
            raise ValueError("holds nan or inf, which no JSON request can carry")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        """Settings each fine alone that together make every paper fail or wait for ever."""
        if self.summary_min_chars > self.summary_max_chars:
            raise ValueError(
                f"summary_min_chars ({self.summary_min_chars}) is more than summary_max_chars "
                f"({self.summary_max_chars}): no summary could pass"
            )
        one_request = 1000 + self.max_tokens * self.batch_size  # prompt ~1,000, answer bound
        if self.tpm is not None and self.tpm < one_request:
            raise ValueError(
                f"tpm {self.tpm} is less than one request needs (about {one_request} tokens: "
                "the prompt and max_tokens); raise it, or 0 for no limit"
            )
        return self

    @model_validator(mode="after")
    def _provider_model(self) -> Settings:
        if not self.model:
            self.model = default_model(self.base_url)
            self.model_chosen = True
        return self

    @model_validator(mode="after")
    def _group_names(self) -> Settings:
        """Group names become file names: no path, no hidden file, no two alike."""
        seen: set[str] = set()
        for group in self.groups:
            if not GROUP_NAME.match(group.name) or ".." in group.name:
                raise ValueError(
                    f"group name {group.name!r} must match [A-Za-z0-9][A-Za-z0-9._-]* "
                    "(it becomes output/DATE/NAME.md)"
                )
            if len(group.name) > MAX_GROUP_NAME:
                raise ValueError(
                    f"group name {group.name[:40]!r}… is {len(group.name)} characters long "
                    f"(at most {MAX_GROUP_NAME}: it becomes a file name)"
                )
            if group.name in seen:
                raise ValueError(f"two groups are named {group.name!r}")
            seen.add(group.name)
        return self

    @model_validator(mode="after")
    def _group_defaults(self) -> Settings:
        """title_zh and overview at the top level are every group's default; notify adds."""
        for group in self.groups:
            for key in ("title_zh", "overview"):
                if key not in group.model_fields_set:
                    setattr(group, key, getattr(self, key))
        return self

    model_chosen: bool = False  # True when the model came from the provider table
    model_why: str = ""  # how the run chose it (summarize/model_choice.py)

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


def _finite(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


def _text(path: Path) -> str:
    """A config file's text; a FIFO or device, non-UTF-8 bytes or a BOM are one clear line."""
    try:
        text = read_text(path)
    except Unreadable as exc:
        raise ConfigError(str(exc)) from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    if text.startswith("\ufeff"):
        raise ConfigError(
            f"{path} starts with a byte-order mark (BOM), which TOML and .env do not allow; "
            "save it as UTF-8 without BOM"
        )
    return text


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Settings with CLI overrides (None means "not given") on top of env and the TOML file."""
    path = config if config is not None else (DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None)
    if config is not None and not config.exists():
        raise ConfigError(f"config file not found: {config}")
    data: dict[str, Any] = {}
    if path is not None:
        text = ""
        try:
            text = _text(path)
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            hint = toml_hint(text, str(exc))
            raise ConfigError(f"{path}: not valid TOML: {exc}{hint}") from exc
        check_keys(data, path)
    if DOTENV.exists():
        _text(DOTENV)  # pydantic-settings would block on a FIFO, or fail deep inside on bytes

    class _Settings(Settings):
        model_config = SettingsConfigDict(toml_file=path)

    given = {key: value for key, value in overrides.items() if value is not None}
    try:
        settings = _Settings(**given)
    except ValidationError as exc:
        raise ConfigError(explain(exc, path, data, set(given))) from None
    settings.api_key = checked_key(settings.api_key)
    return settings


def check_keys(data: dict[str, Any], path: Path) -> None:
    """A misspelt key is an error naming the closest known one, never silently ignored."""
    top = set(Settings.model_fields) - INTERNAL
    group_keys = set(Group.model_fields)
    for key in data:
        if key == "api_key":
            raise ConfigError(f"{path}: the API key never goes in this file; set OPENAI_API_KEY")
        if key not in top:
            raise ConfigError(f"{path}: unknown key {key!r}{_closest(key, top)}")
    groups = data.get("groups")
    for number, group in enumerate(groups if isinstance(groups, list) else [], start=1):
        for key in group if isinstance(group, dict) else []:
            if key not in group_keys:
                raise ConfigError(
                    f"{path}: unknown key {key!r} in group {number}{_closest(key, group_keys)}"
                )


def _closest(key: str, known: set[str]) -> str:
    match = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    return f" (did you mean {match[0]}?)" if match else ""


def placeholder_key(key: SecretStr | None) -> str | None:
    """What is wrong when the key is an example's placeholder (README's and .env.example's
    "sk-..."), which every endpoint would refuse after the feed was downloaded."""
    value = key.get_secret_value() if key else ""
    if not _PLACEHOLDER_KEY.match(value):
        return None
    return (
        f"OPENAI_API_KEY is a placeholder ({value[:12]!r}, as in .env.example), not a key: "
        "put your provider's API key there"
    )


def checked_key(key: SecretStr | None) -> SecretStr | None:
    """Surrounding whitespace (a pasted newline) is dropped; anything else unprintable is an
    error that names the position, never the key."""
    if key is None:
        return None
    value = key.get_secret_value().strip()
    for position, char in enumerate(value, start=1):
        if not (char.isascii() and char.isprintable()):
            raise ConfigError(
                f"OPENAI_API_KEY contains a non-printable character at position {position}"
            )
    return SecretStr(value) if value else None
