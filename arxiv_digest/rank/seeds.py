"""Papers like the reader's seed papers: a seed's most distinctive words (that some paper of
the day shares) make an FTS5 BM25 query; a paper scores by the share of the seed's own score
it reaches on them."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from arxiv_digest.models import Seed
from arxiv_digest.rank.feedback import GENERIC
from arxiv_digest.rank.index import TITLE_WEIGHT, Index

SEED_SHARE = 0.4  # reaching this share of the seed's own score counts as 100
SEED_TERMS = 48  # the seed's most distinctive words that make its query


def seed_scores(
    index: Index, seeds: Sequence[Seed], scored: int, first_seed: int
) -> dict[int, tuple[float, str]]:
    """Best (share of a seed's own score reached, seed id) per scored row."""
    best: dict[int, tuple[float, str]] = {}
    for k, seed in enumerate(seeds):
        words = _seed_words(index, seed)
        if not words:
            continue
        query = " OR ".join(f'"{w}"' for w in words)  # quoted: never FTS5 syntax
        hits = dict(index.db.execute(
            "SELECT rowid, -bm25(doc, ?, 1.0) FROM doc WHERE doc MATCH ?"
            " AND (rowid <= ? OR rowid = ?)",
            (TITLE_WEIGHT, query, scored, first_seed + k),
        ).fetchall())  # fmt: skip
        own = hits.get(first_seed + k)
        if not own:
            continue
        for rowid, value in hits.items():
            if rowid <= scored and value / own > best.get(rowid, (0.0, ""))[0]:
                best[rowid] = (value / own, seed.id)
    return {r: (min(1.0, share / SEED_SHARE), seed) for r, (share, seed) in best.items()}


def _seed_words(index: Index, seed: Seed) -> list[str]:
    """The seed's words that weigh most (tf·idf among today's papers, title words twice): what
    makes it what it is, and that some paper of today shares."""
    title, abstract = index.stems([seed.title, seed.abstract])
    generic = set(index.stem(sorted(GENERIC)))
    tf = Counter(w for w in [*title, *title, *abstract] if w not in generic and not w.isdigit()
                 and len(w) > 1)  # fmt: skip
    weight = {}
    for word, count in tf.items():
        df = index.df(word)  # the seed's own row counts too
        if df >= 2:
            weight[word] = count * math.log((index.size + 1) / (df - 1))
    return sorted(weight, key=lambda w: (-weight[w], w))[:SEED_TERMS]
