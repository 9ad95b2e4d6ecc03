"""How relevant each of a day's papers is to a group's interests and seed papers.

Offline and lexical by default (index: SQLite FTS5 words; lexical: each phrase as a reader
means it, with its aliases; feedback: the day's own words for the topic; seeds: papers like the
seed papers), optionally with embeddings (the pipeline passes their similarities in). Interests
are phrases separated by commas, semicolons or new lines. Scores are 0–100: how strong the
match is, not a rank; the reason names what matched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from arxiv_digest.models import Paper, Seed
from arxiv_digest.rank.aliases import table
from arxiv_digest.rank.feedback import FEEDBACK_WEIGHT, expansion, feedback_scores
from arxiv_digest.rank.index import Index, fts5_available
from arxiv_digest.rank.lexical import Match, forms, score_phrase
from arxiv_digest.rank.seeds import seed_scores

_PHRASES = re.compile(r"[,;，；、\n]+")
_WORD = re.compile(r"[^\W_]{2,}")
MATCH_FLOOR = 10  # a paper that has one of the phrases scores at least this, however common
MAX_PHRASES = 32  # interests beyond these are not searched (the run says so)
MAX_PHRASE_CHARS = 100  # a longer "phrase" is cut here
NAMED_SHARE = 0.05  # a phrase worth less than 5 分 is not named beside stronger ones
RELATED_SHOWN = 0.1  # expansion words are named when they add this much (10 分) or more
SEMANTIC_WEIGHT = 0.6  # an embedding similarity at the day's best reaches this share
SEMANTIC_SHOWN = 0.15  # "语义相近" is named when the embeddings add this much (15 分) or more

__all__ = [
    "MATCH_FLOOR", "MAX_PHRASES", "Relevance", "fts5_available", "phrases", "rank", "revised",
]  # fmt: skip


@dataclass(frozen=True)
class Relevance:
    score: int  # 0–100
    reason: str  # what matched, for the reader


def phrases(interests: str) -> list[str]:
    """The interest phrases, once each, in the user's order (all of them: see MAX_PHRASES)."""
    found = (p.strip()[:MAX_PHRASE_CHARS] for p in _PHRASES.split(interests))
    return list({p.lower(): p for p in found if _WORD.search(p)}.values())


def rank(
    papers: Sequence[Paper], interests: str, seeds: Sequence[Seed],
    background: Sequence[Paper] = (), aliases: Mapping[str, Sequence[str]] = {},
    semantic: Mapping[str, float] | None = None,
) -> dict[str, Relevance]:  # fmt: skip
    """Relevance by paper id; papers that match nothing get score 0 and no reason.

    background: the rest of the day's listing (papers the keywords left out). They are not
    scored, but count in how rare a word is: a group whose include keeps only "Rydberg" papers
    must not find "Rydberg" too common to matter. semantic: each paper's 0..1 closeness to the
    interests by embeddings, when the group uses them.
    """
    if not papers:
        return {}
    kept = {p.id for p in papers}
    others = [p for p in background if p.id not in kept]
    day = [*papers, *others]
    rows = [(p.title, p.abstract) for p in day] + [(s.title, s.abstract) for s in seeds]
    index = Index(rows, size=len(day))
    try:
        interest = _interest_scores(index, phrases(interests)[:MAX_PHRASES], len(papers),
                                    table(aliases))  # fmt: skip
        similar = seed_scores(index, seeds, len(papers), len(day) + 1)
    finally:
        index.close()
    result = {}
    for i, paper in enumerate(papers, start=1):
        share, reasons, complete = interest.get(i, (0.0, [], False))
        close = (semantic or {}).get(paper.id, 0.0)
        share = 1 - (1 - share) * (1 - SEMANTIC_WEIGHT * close)
        score_i = 100 * share
        if complete:
            score_i = max(score_i, MATCH_FLOOR)
        seed_share, seed = similar.get(i, (0.0, ""))
        score_s = 100 * seed_share
        parts = []
        if reasons:
            parts.append("匹配: " + ", ".join(reasons[:3]))
        if SEMANTIC_WEIGHT * close >= SEMANTIC_SHOWN:
            parts.append("语义相近")
        if seed and score_s >= 25:
            parts.append(f"近似种子 {seed}")
        score = round(max(score_i, score_s))
        result[paper.id] = Relevance(score, "；".join(parts) if score else "")
    return result


def revised(score: object, reason: object, weight: float) -> dict[str, object]:
    """A replaced paper's score and reason at `weight` (a group's replaced_weight), whoever
    judged it: the ⭐ block and sort = "score" then put a revision after a new paper of the
    same match, and the reason says why it reads lower."""
    if not isinstance(score, int) or not score or weight >= 1:
        return {}
    note = f"修订版 ×{weight:g}"
    return {"score": round(score * weight), "reason": f"{reason}；{note}" if reason else note}


def _interest_scores(
    index: Index, wanted: list[str], rows: int, groups: list[list[str]]
) -> dict[int, tuple[float, list[str], bool]]:
    """Per paper: 0..1 (any phrase may match: 1 − Π(1 − share)), what matched (strongest
    first), and whether some phrase matched whole. Work grows with the phrases' matches."""
    per_paper: dict[int, list[tuple[float, str, bool]]] = {}
    seen: set[frozenset[tuple[str, ...]]] = set()
    for text in wanted:
        phrase = forms(index, text, groups)
        key = frozenset(f.terms for f in phrase.forms)
        if not phrase.forms or key in seen:  # "drones, UAV": one topic, counted once
            continue
        seen.add(key)
        # the whole day (background too) finds the feedback, so a filtered group ranks alike
        matches = score_phrase(index, phrase, index.size)
        query = {t for f in phrase.forms for t in f.terms}
        words, shown = expansion(index, {r: m.score for r, m in matches.items()}, query)
        extra = feedback_scores(index, words, index.size) if words else {}
        for rowid in matches.keys() | extra.keys():
            if rowid > rows:
                continue
            match = matches.get(rowid)
            first = match.score if match else 0.0
            added, found = extra.get(rowid, (0.0, []))
            share = 1 - (1 - first) * (1 - FEEDBACK_WEIGHT * min(1.0, added))
            named = _named(match, text)
            weak = not named or (match is not None and not match.complete and added > first)
            if weak and found and FEEDBACK_WEIGHT * added >= RELATED_SHOWN:
                named = [*named, "相关词 " + ", ".join(shown[t] for t in found[:3])]
            per_paper.setdefault(rowid, []).append(
                (share, ", ".join(named), match is not None and match.complete)
            )
    result = {}
    for rowid, found in per_paper.items():
        found.sort(key=lambda f: -f[0])
        missing = 1.0
        for share, _, _ in found:
            missing *= 1 - share
        names = [n for share, n, _ in found if n and share >= NAMED_SHARE]
        names = names or [n for _, n, _ in found if n][:1]  # the strongest, however weak
        kept, related = [], False  # two phrases' feedback words: named once
        for name in names:
            if "相关词" in name:
                name, related = (name.split("相关词")[0].rstrip(", ") if related else name), True
            if name:
                kept.append(name)
        result[rowid] = (1 - missing, kept, any(c for *_, c in found))
    return result


def _named(match: Match | None, phrase: str) -> list[str]:
    """The phrase, the alias, or the words of it that a paper actually has."""
    if match is None:
        return []
    form = match.form
    label = form.label if match.complete else " ".join(form.word(t) for t in match.words)
    return [f"{label}（{phrase}）" if form.alias and label != phrase else label]
