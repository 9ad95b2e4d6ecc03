"""Token counts for the fake's usage figures and the benchmarks: the model's tokenizer when it
loads offline, else an estimate that does not undercount Chinese."""

from __future__ import annotations

import re
from typing import Any

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")


def count_tokens(text: str) -> int:
    """The model's tokenizer (tiktoken o200k_base) when it can load offline, else an estimate."""
    encoding = _tokenizer()
    if encoding is not None:
        return len(encoding.encode(text))
    return estimate_tokens(text)


def estimate_tokens(text: str) -> int:
    """One token per CJK character, characters/4 for the rest: chars/4 alone undercounts Chinese."""
    cjk = len(CJK.findall(text))
    return max(1, cjk + (len(text) - cjk + 3) // 4)


def tokenizer_name() -> str:
    return (
        "tiktoken o200k_base" if _tokenizer() is not None else "estimate (CJK 1/char, else chars/4)"
    )


_TOKENIZER: list[Any] = []


def _tokenizer() -> Any:
    if not _TOKENIZER:
        try:
            import tiktoken

            _TOKENIZER.append(tiktoken.get_encoding("o200k_base"))
        except Exception:  # not installed, or its data can't be fetched offline
            _TOKENIZER.append(None)
    return _TOKENIZER[0]
