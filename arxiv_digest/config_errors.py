"""Setting errors said as a person would: where the value came from (the file and the group by
name, an environment variable, a flag), the key, what was found and what is expected.

pydantic's own words ("bad setting groups.0.interests: Input should be a valid string",
"concurrency.literal['auto']: Input should be 'auto'") name neither the file nor the group.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

# what each pydantic error type expects, in words
_EXPECTED = {
    "string_type": "text in quotes",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": 'a list, like ["a", "b"]',
    "dict_type": "a table",
    "model_type": "a table",
    "missing": "a value (this key is required)",
    "too_short": "at least {min_length} item(s)",
    "greater_than": "more than {gt}",
    "greater_than_equal": "at least {ge}",
    "less_than": "less than {lt}",
    "less_than_equal": "at most {le}",
    "literal_error": "{expected}",
}
# full-width punctuation a Chinese keyboard types where TOML needs ASCII
_FULL_WIDTH = {"，": ",", "：": ":", "；": ";", "“": '"', "”": '"', "‘": "'", "’": "'", "＝": "=",
               "［": "[", "］": "]", "【": "[", "】": "]", "　": " "}  # fmt: skip


def explain(
    error: ValidationError, path: Path | None, data: dict[str, Any], flags: set[str]
) -> str:
    """One line for the first problem pydantic found (a union's alternatives merged)."""
    errors = error.errors()
    first = errors[0]
    loc = [part for part in first["loc"] if not _is_union_branch(part)]
    same = [e for e in errors if [p for p in e["loc"] if not _is_union_branch(p)] == loc]
    if not loc:  # a check across settings (group names): its own words say it
        return f"{path}: {_message(first)}" if path else _message(first)
    expected = " or ".join(dict.fromkeys(_expected(e) for e in same))
    where, key = _where(loc, path, data, flags)
    if first["type"] == "missing":
        return f"{where}: {key} is missing (required)"
    if first["type"] in ("value_error", "assertion_error"):
        message = _message(first).removeprefix(f"{key}: ")
        return f"{where}: {key}: {message} (found {_shown(first.get('input'), kind=False)})"
    return f"{where}: {key} is {_shown(first.get('input'))}; expected {expected}"


def toml_hint(text: str, message: str) -> str:
    """What is wrong on a TOML line that the parser only calls "Unclosed array" or the like:
    full-width punctuation typed where TOML needs ASCII, on that line or, failing that, any."""
    lines = text.splitlines()
    at = re.search(r"at line (\d+)", message)
    line = int(at[1]) if at else 0
    candidates = ([line] if 0 < line <= len(lines) else []) + list(range(1, len(lines) + 1))
    for number in candidates:
        wide = [char for char in _outside_strings(lines[number - 1]) if char in _FULL_WIDTH]
        if wide:
            return (
                f" — line {number} has a full-width {wide[0]!r} where TOML needs "
                f"{_FULL_WIDTH[wide[0]]!r} (type TOML's own punctuation in half-width)"
            )
    return ""


def _outside_strings(line: str) -> str:
    """The line without its quoted strings and comment: full-width text there is fine."""
    line = re.sub(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'', "", line)
    return line.split("#", 1)[0]


def _is_union_branch(part: str | int) -> bool:
    return isinstance(part, str) and (part.startswith(("literal[", "function-")) or part in (
        "int", "str", "float", "bool", "none", "list[str]", "dict[str,any]",
    ))  # fmt: skip


def _expected(error: Any) -> str:
    template = _EXPECTED.get(error["type"])
    if template is None:
        return _message(error)
    context = {k: v for k, v in (error.get("ctx") or {}).items()}
    return template.format(**context) if context or "{" not in template else template


def _message(error: Any) -> str:
    return str(error["msg"]).removeprefix("Value error, ")


def _where(loc: list[str | int], path: Path | None, data: dict[str, Any], flags: set[str]
           ) -> tuple[str, str]:  # fmt: skip
    """The source and the key, e.g. ('arxiv-digest.toml, group "audio"', 'interests')."""
    top = str(loc[0])
    if top == "groups" and len(loc) > 1 and isinstance(loc[1], int):
        groups = data.get("groups") or []
        group = groups[loc[1]] if loc[1] < len(groups) else {}
        name = group.get("name") if isinstance(group, dict) else None
        label = f'group "{name}"' if isinstance(name, str) and name else f"group {loc[1] + 1}"
        key = ".".join(str(p) for p in loc[2:]) or "the group"
        return f"{path or 'the config'}, [[groups]] {label}", key
    key = ".".join(str(p) for p in loc)
    if top in flags:
        return f"--{top.replace('_', '-')}", key
    env = f"ARXIV_DIGEST_{top.upper()}"
    aliases = {"api_key": "OPENAI_API_KEY", "base_url": "OPENAI_BASE_URL"}
    env = aliases.get(top, env)
    if os.environ.get(env):
        return f"environment variable {env}", key
    if top in data and path is not None:
        return str(path), key
    return f"{env} (from .env or the environment)", key


def _shown(value: Any, kind: bool = True) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    text = re.sub(r"\s+", " ", text)
    shown = text if len(text) <= 60 else text[:57] + "…"
    what = {int: "a whole number", float: "a number", bool: "true/false", list: "a list",
            dict: "a table"}.get(type(value))  # fmt: skip
    return f"{shown} ({what})" if kind and what else shown
