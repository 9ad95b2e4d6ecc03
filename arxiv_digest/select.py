"""Which of a feed's papers a group publishes, and in what order."""

from __future__ import annotations

import re
from collections.abc import Iterable

from arxiv_digest.models import ANNOUNCE_ORDER, Group, Paper


def keyword_pattern(keywords: Iterable[str]) -> re.Pattern[str] | None:
    """Whole words and phrases, case-insensitive: "meta" must not match "metadata"."""
    parts = []
    for keyword in keywords:
        words = keyword.split()
        if words:
            parts.append(r"\s+".join(re.escape(w) for w in words))
    if not parts:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


def select(papers: Iterable[Paper], group: Group) -> list[Paper]:
    """Once per paper, in arXiv's order (new, cross, replace, replace-cross), keywords applied."""
    include = keyword_pattern(group.include)
    exclude = keyword_pattern(group.exclude)
    seen: set[str] = set()
    kept: list[Paper] = []
    for paper in papers:
        if paper.id in seen:
            continue
        seen.add(paper.id)
        text = f"{paper.title}\n{paper.abstract}"
        if include is not None and not include.search(text):
            continue
        if exclude is not None and exclude.search(text):
            continue
        kept.append(paper)
    # stable: within one announce type the feed's order stays
    return sorted(kept, key=lambda p: ANNOUNCE_ORDER[p.announce_type])
