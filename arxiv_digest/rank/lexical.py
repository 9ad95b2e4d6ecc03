"""One interest phrase against the day's papers, as a reader means it.

BM25F over title (×3) and abstract for each topic word, so a paper with part of the phrase
still counts a little; plus the same for each pair of neighbouring words found close together
(the sequential dependence idea: "speech enhancement" near each other beats the two words far
apart). Connecting words ("and", "for", "of") are not required. Each form of the phrase (its
aliases and spellings) is scored alike and the best one counts. A paper's score grows with the share
it has of what a paper with the phrase once in its title and twice in its abstract would get
(that paper: 0.85), so a phrase of common words can still score high, and stronger matches
still rank above it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from arxiv_digest.rank.aliases import CONNECTING, MAX_FORMS, spellings
from arxiv_digest.rank.index import IDEAL, Hit, Index

PAIR_WEIGHT = 0.5  # a close pair counts like this share of its two words
WINDOW = 4  # words apart (either order) that count as close
PARTIAL = 0.6  # a form with some of its words missing keeps this share of its score
SIBLING = 0.5  # the stemmed field's share; the as-written field has the rest, so a word that
# only shares the stem ("conversation" for "conversion") reaches half what the word does
STEEP = 1.9  # the ideal paper (phrase once in the title, twice in the abstract) scores 85
_WORDS = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Form:
    label: str  # as the reader will see it named
    terms: tuple[str, ...]  # stemmed topic words in order
    alias: bool = False
    shown: tuple[tuple[str, str], ...] = ()  # stem → the word as written, for reasons

    def word(self, term: str) -> str:
        return dict(self.shown).get(term, term)


@dataclass
class Match:
    """A phrase's best form in one paper."""

    score: float  # 0..1
    form: Form
    words: tuple[str, ...]  # stems of the form's words the paper has (a spelling, or beside)
    complete: bool


@dataclass
class Phrase:
    text: str
    forms: list[Form] = field(default_factory=list)


def content(text: str) -> list[str]:
    """The topic words: what is left without the connecting words."""
    return [w for w in _WORDS.findall(text.lower()) if w not in CONNECTING]


def forms(index: Index, phrase: str, groups: Sequence[Sequence[str]]) -> Phrase:
    """The phrase and the other ways of writing it: its spellings, and any alias group
    member found in it (on whole words) swapped for each other member."""

    stem = index.stem
    shown: dict[str, str] = {}
    every = content(phrase) + [w for g in groups for m in g for w in content(m)]
    every += [w for s in spellings(phrase) for w in content(s)]
    stem(every)  # one round trip for all
    for word in every:
        for term in stem([word]):
            shown.setdefault(term, word)

    words = content(phrase)
    base = stem(words)
    result = Phrase(phrase)
    seen: set[tuple[str, ...]] = set()

    def add(label: str, terms: tuple[str, ...], alias: bool) -> None:
        if terms and terms not in seen and len(result.forms) <= MAX_FORMS:
            seen.add(terms)
            words = tuple((t, shown[t]) for t in terms if t in shown)
            result.forms.append(Form(label, terms, alias, words))

    add(phrase.strip(), base, False)
    for group in groups:
        members = [(m, stem(content(m))) for m in group]
        found = [(start, len(t), t) for _, t in members if (start := _find(base, t)) >= 0]
        for start, size, terms in found:
            if any(s <= start and start + size <= s + n and n > size for s, n, _ in found):
                continue  # inside a longer member found there: "3d gaussian splatting", not
                # "gaussian splatting" (which made "3d 3dgs")
            for other, other_terms in members:
                if other_terms == terms:
                    continue
                label = other if len(terms) == len(base) else " ".join(
                    [*words[:start], other, *words[start + len(terms):]]
                )  # fmt: skip
                add(label, base[:start] + other_terms + base[start + len(terms) :], True)
                for spelling in spellings(other):
                    add(label, stem(content(spelling)), True)
    for spelling in spellings(phrase):
        add(spelling, stem(content(spelling)), True)
    return result


def _find(terms: tuple[str, ...], part: tuple[str, ...]) -> int:
    if not part:
        return -1
    for i in range(len(terms) - len(part) + 1):
        if terms[i : i + len(part)] == part:
            return i
    return -1


def score_phrase(index: Index, phrase: Phrase, rows: int) -> dict[int, Match]:
    """Best form per paper among rows 1..rows; papers without any of its words are left out."""
    best: dict[int, Match] = {}
    for form in phrase.forms:
        for rowid, match in _score_form(index, form, rows).items():
            if rowid not in best or match.score > best[rowid].score:
                best[rowid] = match
    return best


def _score_form(index: Index, form: Form, rows: int) -> dict[int, Match]:
    terms = list(dict.fromkeys(form.terms))
    idf = {t: index.idf(t) for t in terms}
    hits = {t: index.hits(t) for t in terms}
    written = {t: index.family(form.word(t)) for t in terms}
    pairs = list(zip(form.terms, form.terms[1:], strict=False))
    ideal = sum(idf.values()) * IDEAL
    ideal += PAIR_WEIGHT * sum((idf[a] + idf[b]) / 2 for a, b in pairs) * IDEAL
    if ideal <= 0:
        return {}
    found: dict[int, list[str]] = {}  # the form's words the paper has (a spelling of each)
    raw: dict[int, float] = {}
    for term in terms:
        others = [hits[t] for t in terms if t != term]
        for rowid, hit in hits[term].items():
            if rowid > rows:
                continue
            kin = written[term].get(rowid, Hit((), ()))
            # another word of the stem ("conversation" for "conversion") counts, in the
            # stemmed half only, where it stands beside the phrase's other words
            title = _beside(hit.title, kin.title, [o[rowid].title for o in others if rowid in o])
            abstract = _beside(
                hit.abstract, kin.abstract, [o[rowid].abstract for o in others if rowid in o]
            )
            if not (kin.title or kin.abstract or title or abstract):
                continue
            stemmed = index.weight(rowid, len(kin.title) + title, len(kin.abstract) + abstract)
            spelled = index.weight(rowid, len(kin.title), len(kin.abstract))
            weight = SIBLING * stemmed + (1 - SIBLING) * spelled
            raw[rowid] = raw.get(rowid, 0.0) + idf[term] * weight
            found.setdefault(rowid, []).append(term)
    for a, b in pairs:
        for rowid in hits[a].keys() & hits[b].keys():
            if rowid > rows or rowid not in found:
                continue
            ha, hb = hits[a][rowid], hits[b][rowid]
            near = _close(ha.title, hb.title), _close(ha.abstract, hb.abstract)
            if any(near):
                weight = index.weight(rowid, *near)
                raw[rowid] = raw.get(rowid, 0.0) + PAIR_WEIGHT * (idf[a] + idf[b]) / 2 * weight
    result = {}
    for rowid, value in raw.items():
        words = found.get(rowid, [])
        complete = len(words) == len(terms)
        if form.alias and not complete:  # "vehicle" alone is no "unmanned aerial vehicle"
            continue
        share = (1 - math.exp(-STEEP * value / ideal)) * (1.0 if complete else PARTIAL)
        result[rowid] = Match(share, form, tuple(words), complete)
    return result


def _beside(stemmed: tuple[int, ...], kin: tuple[int, ...], others: list[tuple[int, ...]]) -> int:
    """How many of the stem's other words (not kin's spellings) have one of the phrase's other
    words within WINDOW."""
    spelled = set(kin)
    near = [y for other in others for y in other[:64]]
    return sum(
        1 for x in stemmed[:64] if x not in spelled and any(0 < abs(x - y) <= WINDOW for y in near)
    )


def _close(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    """How many of a's positions have one of b's within WINDOW words (a few dozen at most)."""
    if not a or not b:
        return 0
    return sum(1 for x in a[:64] if any(0 < abs(x - y) <= WINDOW for y in b[:64]))


__all__ = ["Form", "Hit", "Match", "Phrase", "forms", "score_phrase"]
