"""How relevant each of a day's papers is to a group's interests and seed papers.

Lexical and offline: BM25 from SQLite's FTS5 (part of Python's sqlite3, no model to download),
over title (weighted ×2) and abstract with the Porter stemmer, so "models" matches "model".
Interests are phrases separated by commas, semicolons or new lines; a phrase matches a paper
that has all its words close together. A seed ranks papers by how much of the seed's own BM25
score they reach on the seed's words. Scores are 0–100: how strong the match is, not a rank.
"""

from __future__ import annotations

import functools
import math
import re
import sqlite3
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from arxiv_digest.models import Paper, Seed

_PHRASES = re.compile(r"[,;，；、\n]+")
_WORD = re.compile(r"[^\W_]{2,}")
# common English words that say nothing about a topic (seed queries only; interests are
# the user's own words)
_STOP_WORDS = """about above after again also although among and another any are based because been
    before being between both but can could does doing during each either few for from further
    had has have having here how however into its itself just less more most much new non not
    now off once only other our out over own paper papers propose proposed same several should
    show shows since some such than that the their them then there these they this those
    through thus too under until upon use used using very via was way well were what when where
    whether which while who whose why will with within without would yet results approach
    method methods work study"""
_STOP = frozenset(_STOP_WORDS.split())
TITLE_WEIGHT = 2.0
INTEREST_SCALE = 8.0  # raw BM25 at which an interest score reaches 1 − 1/e ≈ 63
SEED_SHARE = 0.4  # reaching this share of the seed's own score counts as 100
SEED_TERMS = 48  # the seed's most distinctive words that make its query
MATCH_FLOOR = 10  # a paper that has one of the phrases scores at least this, however common


@dataclass(frozen=True)
class Relevance:
    score: int  # 0–100
    reason: str  # what matched, for the reader


def phrases(interests: str) -> list[str]:
    return [p.strip() for p in _PHRASES.split(interests) if _WORD.search(p)]


@functools.cache  # asked once per group: the answer is the interpreter's
def fts5_available() -> bool:
    try:
        sqlite3.connect(":memory:").execute("CREATE VIRTUAL TABLE t USING fts5(x)")
    except sqlite3.OperationalError:
        return False
    return True


def rank(
    papers: Sequence[Paper], interests: str, seeds: Sequence[Seed],
    background: Sequence[Paper] = (),
) -> dict[str, Relevance]:  # fmt: skip
    """Relevance by paper id; papers that match nothing get score 0 and no reason.

    background: the rest of the day's listing (papers the keywords left out). They are not
    scored, but count in how rare a word is: a group whose include keeps only "Rydberg" papers
    must not find "Rydberg" too common to matter.
    """
    if not papers:
        return {}
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE doc USING fts5(title, abstract, tokenize='porter unicode61')")
    kept = {p.id for p in papers}
    others = [p for p in background if p.id not in kept]
    rows = [(p.title, p.abstract) for p in [*papers, *others]]
    rows += [(s.title, s.abstract) for s in seeds]
    db.executemany("INSERT INTO doc (rowid, title, abstract) VALUES (?, ?, ?)",
                   [(i + 1, *row) for i, row in enumerate(rows)])  # fmt: skip
    corpus = _Corpus(db, scored=len(papers), first_seed=len(papers) + len(others) + 1)
    interest = _interest_scores(corpus, phrases(interests))
    similar = _seed_scores(corpus, seeds)
    result = {}
    for i, paper in enumerate(papers, start=1):
        raw, matched = interest.get(i, (0.0, []))
        score_i = 100 * (1 - math.exp(-raw / INTEREST_SCALE))
        if matched:
            score_i = max(score_i, MATCH_FLOOR)
        share, seed = similar.get(i, (0.0, None))
        score_s = 100 * min(1.0, share / SEED_SHARE)
        reasons = []
        if matched:
            reasons.append("匹配: " + ", ".join(matched[:3]))
        if seed is not None and score_s >= 25:
            reasons.append(f"近似种子 {seed}")
        score = round(max(score_i, score_s))
        result[paper.id] = Relevance(score, "；".join(reasons) if score else "")
    db.close()
    return result


@dataclass(frozen=True)
class _Corpus:
    """Rows 1..scored are the papers to score, then the background, then the seeds."""

    db: sqlite3.Connection
    scored: int
    first_seed: int

    def bm25(self, query: str, seeds: bool = False) -> list[tuple[int, float]]:
        """(rowid, score ≥ 0) of the scored rows (and the seeds) the FTS5 query matches."""
        return self.db.execute(
            "SELECT rowid, -bm25(doc, ?, 1.0) FROM doc WHERE doc MATCH ?"
            " AND (rowid <= ? OR rowid >= ?)",
            (TITLE_WEIGHT, query, self.scored, self.first_seed if seeds else 1 << 62),
        ).fetchall()

    def count(self, word: str) -> int:
        query = "SELECT count(*) FROM doc WHERE doc MATCH ?"
        return int(self.db.execute(query, (_query([word], ""),)).fetchone()[0])

    @property
    def size(self) -> int:
        """Rows that are today's papers, scored or background."""
        return self.first_seed - 1


def _query(words: Sequence[str], joiner: str) -> str:
    return f" {joiner} ".join(f'"{w}"' for w in words)  # quoted: never FTS5 syntax


def _phrase_query(words: Sequence[str]) -> str:
    """All the phrase's words within a few words of each other ("speech enhancement" also
    finds "enhancement of noisy speech"), in any order."""
    if len(words) == 1:
        return _query(words, "")
    return f"NEAR({_query(words, '')}, {len(words) + 2})"


def _interest_scores(corpus: _Corpus, wanted: list[str]) -> dict[int, tuple[float, list[str]]]:
    scores: dict[int, tuple[float, list[str]]] = {}
    for phrase in wanted:
        words = _WORD.findall(phrase.lower())
        for rowid, value in corpus.bm25(_phrase_query(words)):
            raw, matched = scores.get(rowid, (0.0, []))
            scores[rowid] = (raw + value, [*matched, phrase])
    for rowid, (raw, matched) in scores.items():  # strongest phrases named first
        scores[rowid] = (raw, sorted(matched, key=lambda p: -len(_WORD.findall(p))))
    return scores


def _seed_scores(corpus: _Corpus, seeds: Sequence[Seed]) -> dict[int, tuple[float, str]]:
    best: dict[int, tuple[float, str]] = {}
    for k, seed in enumerate(seeds):
        words = _seed_words(corpus, seed)
        if not words:
            continue
        hits = dict(corpus.bm25(_query(words, "OR"), seeds=True))
        own = hits.get(corpus.first_seed + k)
        if not own:
            continue
        for rowid, value in hits.items():
            if rowid <= corpus.scored and value / own > best.get(rowid, (0.0, ""))[0]:
                best[rowid] = (value / own, seed.id)
    return best


def _seed_words(corpus: _Corpus, seed: Seed) -> list[str]:
    """The seed's words that weigh most (tf·idf among today's papers, title words twice): what
    makes it what it is, and that some paper of today shares."""
    title = _WORD.findall(seed.title.lower())
    tf = Counter(w for w in [*title, *title, *_WORD.findall(seed.abstract.lower())]
                 if w not in _STOP and not w.isdigit())  # fmt: skip
    weight = {}
    for word, count in tf.items():
        df = corpus.count(word)  # the seed's own row counts too
        if df >= 2:
            weight[word] = count * math.log((corpus.size + 1) / (df - 1))
    return sorted(weight, key=lambda w: (-weight[w], w))[:SEED_TERMS]
