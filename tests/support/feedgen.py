"""Synthetic arXiv listing feeds in exactly the real RSS 2.0 format (see tests/fixtures/rss).

The channel header and item layout are copied from rss.arxiv.org's output (quant-ph, 2025-04-28);
only the values are generated.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

CHANNEL = """<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" \
xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" \
version="2.0">
  <channel>
    <title>{title} updates on arXiv.org</title>
    <link>http://rss.arxiv.org/rss/{path}</link>
    <description>{title} updates on the arXiv.org e-print archive.</description>
    <atom:link href="http://rss.arxiv.org/rss/{path}" rel="self" type="application/rss+xml"/>
    <docs>http://www.rssboard.org/rss-specification</docs>
    <language>en-us</language>
    <lastBuildDate>{build}</lastBuildDate>
    <managingEditor>rss-help@arxiv.org</managingEditor>
    <pubDate>{pub}</pubDate>
    <skipDays>
      <day>Saturday</day>
      <day>Sunday</day>
    </skipDays>
{items}  </channel>
</rss>
"""

ITEM = """    <item>
      <title>{title}</title>
      <link>https://arxiv.org/abs/{id}</link>
      <description>arXiv:{id}v{version} Announce Type: {type}{space}
Abstract: {abstract}</description>
      <guid isPermaLink="false">oai:arXiv.org:{id}v{version}</guid>
{categories}      <pubDate>{pub}</pubDate>
      <arxiv:announce_type>{type}</arxiv:announce_type>
      <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>
{extra}      <dc:creator>{authors}</dc:creator>
    </item>
"""


@dataclass
class Item:
    id: str
    version: int
    type: str
    title: str
    abstract: str
    authors: list[str]
    categories: list[str]
    doi: str | None = None
    journal_ref: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def pub_date(day: dt.date) -> str:
    # arXiv announces at midnight US Eastern; -0400 in summer, -0500 in winter
    offset = "-0400" if 3 <= day.month <= 10 else "-0500"
    return day.strftime("%a, %d %b %Y 00:00:00 ") + offset


def render_feed(categories: list[str], day: dt.date, items: list[Item]) -> bytes:
    pub = pub_date(day)
    body = []
    for item in items:
        extra = ""
        if item.journal_ref:
            ref = escape(item.journal_ref)
            extra += f"      <arxiv:journal_reference>{ref}</arxiv:journal_reference>\n"
        if item.doi:
            extra += f"      <arxiv:DOI>{escape(item.doi)}</arxiv:DOI>\n"
        body.append(
            ITEM.format(
                title=escape(item.title),
                id=item.id,
                version=item.version,
                type=item.type,
                abstract=escape(item.abstract),
                categories="".join(f"      <category>{c}</category>\n" for c in item.categories),
                pub=pub,
                space=" ",  # arXiv writes a space before the newline
                extra=extra,
                authors=escape(", ".join(item.authors)),
            )
        )
    text = CHANNEL.format(
        title=", ".join(categories),
        path="+".join(categories),
        build=day.strftime("%a, %d %b %Y 04:00:00 +0000"),
        pub=pub,
        items="".join(body),
    )
    return text.encode("utf-8")


WORDS = [
    "quantum",
    "neural",
    "speech",
    "diffusion",
    "transformer",
    "graph",
    "robust",
    "sparse",
    "latent",
    "adaptive",
    "spectral",
    "causal",
    "federated",
    "contrastive",
    "acoustic",
    "reverb",
    "separation",
    "benchmark",
    "efficient",
    "scalable",
    "multimodal",
    "language",
    "vision",
    "policy",
    "reinforcement",
    "estimation",
    "inference",
]


# about one abstract in nine carries TeX on real days (issue 11); one in eight here
TEX_SENTENCE = (
    r" It runs in $\mathcal{O}(n \log n)$ time, 25\% faster than Schr\"odinger-type"
    r" solvers -- with \emph{no} tuning~at all."
)


def synthetic_items(
    n: int, categories: list[str], *, seed: int = 0, day: dt.date = dt.date(2025, 4, 28)
) -> list[Item]:
    """n items in arXiv's proportions: ~50% new, 12% cross, 27% replace, 11% replace-cross."""
    rng = random.Random(seed)
    prefix = day.strftime("%y%m")
    shares = [("new", 0.50), ("cross", 0.12), ("replace", 0.27), ("replace-cross", 0.11)]
    counts = [int(n * share) for _, share in shares]
    counts[0] += n - sum(counts)
    items: list[Item] = []
    serial = 0
    for (kind, _), count in zip(shares, counts, strict=True):
        for _ in range(count):
            serial += 1
            fresh = kind in ("new", "cross")
            old = f"24{rng.randint(1, 12):02d}.{rng.randint(10000, 99999)}"
            ident = f"{prefix}.{10000 + serial:05d}" if fresh else old
            words = rng.sample(WORDS, 8)
            primary = categories[0] if kind in ("new", "replace") else "math.OC"
            cats = [primary, *[c for c in categories if c != primary][: rng.randint(0, 2)]]
            if kind in ("cross", "replace-cross"):
                cats.append(categories[0])
            items.append(
                Item(
                    id=ident,
                    version=1 if kind == "new" else rng.randint(2, 4),
                    type=kind,
                    title=f"{' '.join(words[:5]).capitalize()} for $N_c$ {serial}",
                    abstract=" ".join(rng.choice(WORDS) for _ in range(180))
                    + (TEX_SENTENCE if serial % 8 == 0 else "")
                    + f" (paper {serial}).",
                    authors=[f"Author{serial}-{k} Surname" for k in range(rng.randint(1, 6))],
                    categories=list(dict.fromkeys(cats)),
                    doi=f"10.1000/x{serial}" if rng.random() < 0.1 else None,
                )
            )
    return items
