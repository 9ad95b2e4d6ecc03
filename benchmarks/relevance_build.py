"""One day of a published Chinese digest → a day of the relevance set (benchmarks/relevance.py).

The source is advanced-cs/arXiv_daily's `daily_papers/YYYYMMDD_Day/GROUP.md`: a header
`# 音频 cs.SD;  eess.SP`, then `#### [new NNN] title` entries with `- **分类: …**` (primary
first), `- **简介: …**`, `- **链接: [http://arxiv.org/pdf/IDvN](…)**`, `> **作者:** …`,
`> **摘要:** …`, and `#### [replaced NNN] …` entries without 简介. Written into OUT/:

- `feed.xml`: the entries in rss.arxiv.org's RSS 2.0 layout (tests/support/feedgen.py), announce
  type new/cross (replace/replace-cross for the replaced ones) by whether the primary category is
  one of the header's; version from the PDF link (absent: 1 for new, 2 for replaced); the day
  from the folder name;
- `answers.json`: arXiv id → {"title", "summary"} (the 简介; null for a replaced paper);
- `meta.json`: header_zh, categories, date, counts (the keys of
  ../shared/relevance/days/*/meta.json).

    python benchmarks/relevance_build.py SOURCE.md OUT [--day 20250910_Wed] [--new N] [--replaced M]

--new/--replaced keep only the first N new and M replaced entries (an excerpt of a large group's
day, small enough to commit); the folder name of SOURCE gives the day unless --day is given.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.feedgen import Item, render_feed  # noqa: E402

_HEADER = re.compile(r"^#\s+(?P<zh>\S+)\s+(?P<cats>.+?)\s*$")
_ENTRY = re.compile(r"^####\s+\[(?P<kind>new|replaced)\s+\d+\]\s+(?P<title>.+?)\s*$")
_FIELD = re.compile(r"^-\s+\*\*(?P<name>分类|简介|链接):\s*(?P<value>.*?)\*\*\s*$")
_QUOTE = re.compile(r"^>\s*\*\*(?P<name>作者|备注|摘要):\*\*\s*(?P<value>.*)$")
_PDF = re.compile(r"arxiv\.org/pdf/(?P<id>\d{4}\.\d{4,5})(?:v(?P<version>\d+))?")
_CATEGORY = re.compile(r"^[a-z][a-z-]*(\.[A-Za-z-]+)?$")  # cs.SD, q-bio.NC, quant-ph; not 68T07
_DAY = re.compile(r"(?P<date>\d{8})_[A-Z][a-z]{2}")


@dataclass
class Entry:
    kind: str  # new | replaced
    title: str
    categories: list[str]
    summary: str | None
    id: str
    version: int
    authors: list[str]
    abstract: str


def parse(text: str) -> tuple[str, list[str], list[Entry]]:
    """(header in Chinese, the group's categories, entries in the digest's order)."""
    lines = text.splitlines()
    header = next((_HEADER.match(line) for line in lines if line.startswith("# ")), None)
    if header is None:
        raise SystemExit("no '# 音频 cs.SD; eess.SP' header line")
    group = [c.strip() for c in header["cats"].split(";") if c.strip()]
    entries: list[Entry] = []
    fields: dict[str, str] = {}
    kind = title = ""
    last = ""

    def flush() -> None:
        if not kind:
            return
        pdf = _PDF.search(fields.get("链接", ""))
        if pdf is None:
            raise SystemExit(f"{title!r}: no arXiv PDF link")
        cats = [c.strip() for c in fields.get("分类", "").split(";")]
        version = pdf["version"] or ("1" if kind == "new" else "2")
        authors = [a.strip() for a in fields.get("作者", "").split(";") if a.strip()]
        entries.append(Entry(kind, title, [c for c in cats if _CATEGORY.match(c)],
                             fields.get("简介") or None, pdf["id"], int(version), authors,
                             " ".join(fields.get("摘要", "").split())))  # fmt: skip

    for line in lines:
        if entry := _ENTRY.match(line):
            flush()
            kind, title, fields, last = entry["kind"], entry["title"], {}, ""
        elif not kind:
            continue
        elif field := _FIELD.match(line) or _QUOTE.match(line):
            last = field["name"]
            fields[last] = field["value"].strip()
        elif line.startswith(">") and last == "摘要" and line[1:].strip():
            fields[last] += " " + line[1:].strip()  # an abstract written over several lines
        elif line.startswith(("---", "## ")):
            last = ""
    flush()
    return header["zh"], group, entries


def announce_type(entry: Entry, group: list[str]) -> str:
    primary_here = bool(entry.categories) and entry.categories[0] in group
    if entry.kind == "new":
        return "new" if primary_here else "cross"
    return "replace" if primary_here else "replace-cross"


def build(
    source: Path, out: Path, day: str, keep_new: int | None, keep_replaced: int | None
) -> dict:
    header_zh, group, entries = parse(source.read_text(encoding="utf-8"))
    news = [e for e in entries if e.kind == "new"][:keep_new]
    replaced = [e for e in entries if e.kind == "replaced"][:keep_replaced]
    kept = list({e.id: e for e in [*news, *replaced]}.values())  # an id listed twice: once
    date = dt.datetime.strptime(day[:8], "%Y%m%d").date()
    items = [Item(id=e.id, version=e.version, type=announce_type(e, group), title=e.title,
                  abstract=e.abstract, authors=e.authors, categories=e.categories)
             for e in kept]  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    (out / "feed.xml").write_bytes(render_feed(group, date, items))
    answers = {e.id: {"title": e.title, "summary": e.summary if e.kind == "new" else None}
               for e in kept}  # fmt: skip
    (out / "answers.json").write_text(json.dumps(answers, ensure_ascii=False, indent=1) + "\n",
                                      encoding="utf-8")  # fmt: skip
    kinds = ("new", "cross", "replace", "replace-cross")
    types = {t: sum(i.type == t for i in items) for t in kinds}
    meta = {"header_zh": header_zh, "categories": group, "date": date.isoformat(),
            "new": sum(e.kind == "new" for e in kept),
            "replaced": sum(e.kind == "replaced" for e in kept), "types": types,
            "with_summary": sum(bool(a["summary"]) for a in answers.values())}  # fmt: skip
    (out / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n",
                                   encoding="utf-8")  # fmt: skip
    return meta


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="a saved daily_papers/DAY/GROUP.md")
    parser.add_argument("out", type=Path, help="the day's folder to write")
    parser.add_argument("--day", help="YYYYMMDD_Day (default: from the source's folder name)")
    parser.add_argument("--new", type=int, help="keep the first N new entries only")
    parser.add_argument("--replaced", type=int, help="keep the first M replaced entries only")
    args = parser.parse_args(argv)
    day = args.day or next((m["date"] for p in args.source.resolve().parts[::-1]
                            if (m := _DAY.fullmatch(p))), None)  # fmt: skip
    if day is None:
        parser.error("the source's folder is not YYYYMMDD_Day: give --day")
    meta = build(args.source, args.out, day, args.new, args.replaced)
    print(json.dumps(meta, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
