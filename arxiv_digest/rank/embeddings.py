"""Optional semantic closeness (`embedding_model`): the endpoint's /embeddings through the
openai SDK (OpenAI, DashScope, Ollama, vLLM, llama.cpp serve it), one vector per paper (title
and abstract) and per interest phrase, kept in the cache database by model and text, so a
rerun or an unchanged paper asks nothing. Plain Python: a day is a few thousand dot products.
"""

from __future__ import annotations

import hashlib
import math
import sqlite3
from array import array
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from arxiv_digest.models import Paper

# inputs per request: DashScope text-embedding-v3/v4 take at most 10 (Model Studio docs, checked
# 2026-11-27; OpenAI up to 2048), and a paper is asked once, then cached
BATCH = 10
MAX_CHARS = 2000  # of a paper's text sent: title and most abstracts whole


class EmbeddingError(Exception):
    """Why no vectors could be had, for a warning."""


def paper_text(paper: Paper) -> str:
    return f"{paper.title}\n{paper.abstract}"[:MAX_CHARS]


def _key(model: str, text: str) -> str:
    return hashlib.sha1(f"{model}\n{text}".encode()).hexdigest()


class VectorCache:
    """Vectors by (model, sha1 of the text), unit length, as float32 bytes."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path)
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS embeddings"
            " (model TEXT, key TEXT, vector BLOB, PRIMARY KEY (model, key))"
        )

    def get(self, model: str, texts: Sequence[str]) -> dict[str, list[float]]:
        found = {}
        for text in dict.fromkeys(texts):
            row = self.db.execute(
                "SELECT vector FROM embeddings WHERE model = ? AND key = ?",
                (model, _key(model, text)),
            ).fetchone()
            if row is not None:
                found[text] = list(array("f", row[0]))
        return found

    def put(self, model: str, vectors: dict[str, list[float]]) -> None:
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)",
                [(model, _key(model, t), array("f", v).tobytes()) for t, v in vectors.items()],
            )

    def close(self) -> None:
        self.db.close()


def fetch(client: Any, model: str, texts: list[str]) -> dict[str, list[float]]:
    """Unit vectors for texts, BATCH per request, in the answer's index order."""
    import openai

    found: dict[str, list[float]] = {}
    for start in range(0, len(texts), BATCH):
        part = texts[start : start + BATCH]
        try:
            answer = client.embeddings.create(model=model, input=part)
            data = sorted(answer.data, key=lambda d: d.index)
            vectors = [list(map(float, d.embedding)) for d in data]
        except openai.OpenAIError as exc:
            raise EmbeddingError(f"{type(exc).__name__}: {exc}"[:300]) from exc
        except (AttributeError, TypeError, ValueError) as exc:
            raise EmbeddingError("the answer was not a list of embeddings") from exc
        if len(vectors) != len(part) or any(not v for v in vectors):
            raise EmbeddingError(f"asked for {len(part)} vectors, got {len(vectors)}")
        found.update(zip(part, map(_unit, vectors), strict=True))
    return found


def _unit(vector: list[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


def closeness(
    papers: Sequence[Paper], phrases: Sequence[str], vectors: dict[str, list[float]]
) -> dict[str, float]:
    """Per paper 0..1: its best cosine to a phrase, rescaled so the day's median paper is 0
    and the closest is 1 (raw cosines sit in a narrow band that depends on the model)."""
    wanted = [vectors[p] for p in phrases if p in vectors]
    raw = {}
    for paper in papers:
        mine = vectors.get(paper_text(paper))
        if mine is not None and wanted:
            raw[paper.id] = max(sum(map(float.__mul__, mine, w)) for w in wanted)
    if not raw:
        return {}
    ordered = sorted(raw.values())
    middle, top = ordered[len(ordered) // 2], ordered[-1]
    if top <= middle:
        return {}
    return {pid: max(0.0, (c - middle) / (top - middle)) for pid, c in raw.items()}


def semantic(
    cache_path: Path, client_factory: Callable[[], Any], model: str,
    papers: Sequence[Paper], phrases: Sequence[str], say: Callable[[str], None],
) -> dict[str, float]:  # fmt: skip
    """Closeness per paper id; vectors asked only for texts not cached. Says how many."""
    texts = list(dict.fromkeys([*phrases, *(paper_text(p) for p in papers)]))
    cache = VectorCache(cache_path)
    try:
        vectors = cache.get(model, texts)
        missing = [t for t in texts if t not in vectors]
        if missing:
            client = client_factory()
            try:
                new = fetch(client, model, missing)
            finally:
                client.close()
            cache.put(model, new)
            vectors.update(new)
        say(f"embeddings ({model}): asked for {len(missing)} vectors, {len(texts) - len(missing)} "
            "cached")  # fmt: skip
    finally:
        cache.close()
    return closeness(papers, phrases, vectors)
