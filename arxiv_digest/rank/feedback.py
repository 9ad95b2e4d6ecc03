"""Pseudo-relevance feedback (RM3's idea over BM25): the papers a phrase matches best say what
else the topic is called that day; their distinctive shared words find the papers that say the
same thing in other words, ranked below the ones that use the reader's own words."""

from __future__ import annotations

import math
import re
from collections import Counter

from arxiv_digest.rank.aliases import CONNECTING
from arxiv_digest.rank.index import IDEAL, TITLE_WEIGHT, Index
from arxiv_digest.rank.lexical import STEEP

_WORDS = re.compile(r"[^\W_]+")
FEEDBACK_PAPERS = 8  # best matches read for expansion words
FEEDBACK_WORDS = 10  # expansion words kept
FEEDBACK_WEIGHT = 0.5  # a paper with every expansion word reaches this share
MIN_SHARED = 2  # an expansion word is in at least this many of the best matches
# words that say nothing about a topic, however often the best matches use them
_GENERIC = """about above after again also although among and another any are based because been
    before being between both but can could does doing during each either few for from further
    had has have having here how however into its itself just less more most much new non not
    now off once only other our out over own paper papers propose proposed same several should
    show shows since some such than that the their them then there these they this those
    through thus too under until upon use used using very via was way well were what when where
    whether which while who whose why will with within without would yet results approach
    method methods work study task tasks model models performance existing data framework
    demonstrate experiments achieve achieves novel state art significantly extensive code
    available github com https http first two three however include including introduce
    present address across problem different various improve improves improved improving
    enhance enhances enhanced enhancing outperform outperforms outperforming evaluate
    evaluates evaluated evaluating evaluation evaluations benchmark benchmarks dataset datasets
    train trained training learn learning learned deep neural network networks large small high
    low real efficient effective effectively robust accurate accuracy scalable adaptive adapt
    domain domains cross focus aware module modules pipeline system systems design designed
    analysis analyze framework frameworks challenge challenges challenging key large-scale
    level levels multiple single general specific based end art strong better best recent
    recently leverage leverages leveraging provide provides enable enables enabling"""
GENERIC = frozenset(_GENERIC.split())


def expansion(
    index: Index, first: dict[int, float], query: set[str]
) -> tuple[dict[str, float], dict[str, str]]:
    """Expansion words (stems) with weights summing to 1 (none when too few papers matched),
    and each one as the papers write it."""
    top = sorted((r for r in first if first[r] > 0), key=lambda r: -first[r])[:FEEDBACK_PAPERS]
    if len(top) < MIN_SHARED:
        return {}, {}
    generic = set(index.stem(sorted(GENERIC | CONNECTING)))
    texts = index.stems([part for r in top for part in index.text(r)])
    weight: Counter[str] = Counter()
    shared: Counter[str] = Counter()
    for k, rowid in enumerate(top):
        title, abstract = texts[2 * k], texts[2 * k + 1]
        counts = Counter(abstract)
        for term in title:
            counts[term] += TITLE_WEIGHT
        total = sum(counts.values()) or 1
        for term, count in counts.items():
            if term in query or term in generic or len(term) < 3 or term.isdigit():
                continue
            weight[term] += first[rowid] * count / total
            shared[term] += 1
    n = index.size + 1
    scored = {
        t: w * math.log(n / index.df(t))
        for t, w in weight.items()
        if shared[t] >= MIN_SHARED and 0 < index.df(t) < n
    }
    chosen = sorted(scored, key=lambda t: (-scored[t], t))[:FEEDBACK_WORDS]
    total = sum(scored[t] for t in chosen)
    if total <= 0:
        return {}, {}
    written = [w.lower() for r in top for part in index.text(r) for w in _WORDS.findall(part)]
    index.stem(list(dict.fromkeys(written)))  # one round trip, remembered
    shown: dict[str, Counter[str]] = {}
    for word in written:
        stems = index.stem([word])
        if len(stems) == 1 and stems[0] in chosen:
            shown.setdefault(stems[0], Counter())[word] += 1
    return {t: scored[t] / total for t in chosen}, {
        t: shown[t].most_common(1)[0][0] if t in shown else t for t in chosen
    }


def feedback_scores(
    index: Index, words: dict[str, float], rows: int
) -> dict[int, tuple[float, list[str]]]:
    """Per paper: 0..1 for how much of the expansion it has, and the words it has."""
    ideal = sum(w * index.idf(t) for t, w in words.items()) * IDEAL
    if ideal <= 0:
        return {}
    result: dict[int, tuple[float, list[str]]] = {}
    for term, w in sorted(words.items(), key=lambda tw: -tw[1]):
        idf = index.idf(term)
        for rowid, hit in index.hits(term).items():
            if rowid > rows:
                continue
            value, found = result.get(rowid, (0.0, []))
            value += w * idf * index.weight(rowid, len(hit.title), len(hit.abstract)) / ideal
            found.append(term)
            result[rowid] = (value, found)
    return {r: (1 - math.exp(-STEEP * v), found) for r, (v, found) in result.items()}
