"""Relevance judged by someone else: the real CLI's scores against another team's digests.

For each day in ../shared/relevance/days (the development set; RELEVANCE_DIR or --set DIR for
another) and each interest phrase of queries.json, runs `arxiv-digest summarize --feed
DAY/feed.xml --no-llm --no-enrich` with a config whose one group has the phrase as
`interests`, reads the scores from the JSON and ranks every paper of the day by score (ties in
the digest's order). A paper is relevant when the
published 简介 (answers.json) holds one of the phrase's Chinese topic words. Prints
R-precision (precision at R, R = relevant papers) and nDCG@10 per phrase and their means,
overall and per day, so a day held out while tuning can be read on its own. `--set heldout`
reads benchmarks/relevance_heldout: six other real days, never tuned on (see its README).

Two readings of "every paper": the published digest wrote a 简介 for the new papers only, so a
replaced paper has no judgement. "all" ranks every paper and counts those unjudged ones as not
relevant (how the issue's 0.41 / 0.52 were measured, and what the goal is read on); "judged"
leaves them out of the ranking (the usual condensed-list treatment of unjudged documents), so a
replaced paper on the topic, ranked high, is not counted as a miss. The groups keep the default
replaced_weight (0.8): a revision counts at four fifths of its match, as in a user's digest.

    python benchmarks/relevance.py                 # every day of the development set
    python benchmarks/relevance.py --set heldout   # the days kept apart, relevance_heldout/
    python benchmarks/relevance.py --hold-out DAY  # also the means without / with only DAY
    python benchmarks/relevance.py --set heldout --scores "voice conversion"  # each paper's score

Comments (the export API) play no part in ranking, hence --no-enrich.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("RELEVANCE_DIR", ROOT.parent.parent / "shared" / "relevance"))
if not DATA.exists():
    DATA = Path("/work/shared/relevance")
HELDOUT = ROOT / "benchmarks" / "relevance_heldout"  # real days never tuned on (its README)
GOAL_RP, GOAL_NDCG = 0.60, 0.70


@dataclass
class Figure:
    day: str
    phrase: str
    relevant: int
    r_precision: float  # every paper ranked, unjudged ones not relevant
    ndcg10: float
    judged_r_precision: float  # the papers that have a 简介 only
    judged_ndcg10: float
    seconds: float
    scored: list[tuple[str, int]]  # (paper id, score) in the digest's order


def data_dir(name: str | None) -> Path:
    """--set: "heldout" for the days kept apart, else a folder in the relevance-set layout."""
    if name is None:
        return DATA
    return HELDOUT if name == "heldout" else Path(name)


def r_precision(ranked: list[str], relevant: set[str]) -> float:
    if not relevant:
        return 0.0
    return len(set(ranked[: len(relevant)]) & relevant) / len(relevant)


def ndcg_at(ranked: list[str], relevant: set[str], k: int = 10) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, pid in enumerate(ranked[:k]) if pid in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal if ideal else 0.0


def scores_from_cli(day: Path, phrase: str, work: Path) -> tuple[list[tuple[str, int]], float]:
    """(paper id, score) in the digest's order, from the real CLI; and its wall seconds."""
    meta = json.loads((day / "meta.json").read_text())
    config = work / "arxiv-digest.toml"
    categories = json.dumps(meta["categories"])
    config.write_text(
        f'[[groups]]\nname = "bench"\ntitle = "bench"\ncategories = {categories}\n'
        f"interests = {json.dumps(phrase, ensure_ascii=False)}\ntop = 10\n"
    )
    out = work / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARXIV_DIGEST_", "OPENAI_"))}
    env.update(ARXIV_DIGEST_CACHE=str(work / "cache.sqlite3"), PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "arxiv_digest", "summarize", "--feed", str(day / "feed.xml"),
               "--no-llm", "--no-enrich", "--force", "--config", str(config),
               "-o", str(out)]  # fmt: skip
    started = time.monotonic()
    proc = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"{day.name} {phrase!r}: exit {proc.returncode}: {proc.stderr[-2000:]}")
    (written,) = out.glob("*/bench.json")
    papers = json.loads(written.read_text())["papers"]
    return [(p["id"], p["score"] or 0) for p in papers], seconds


def measure(day: Path, phrase: str, words: list[str], work: Path) -> Figure:
    answers = json.loads((day / "answers.json").read_text())
    judged = {pid: a["summary"] for pid, a in answers.items() if a["summary"]}
    relevant = {pid for pid, text in judged.items() if any(w in text for w in words)}
    scored, seconds = scores_from_cli(day, phrase, work)
    order = sorted(range(len(scored)), key=lambda i: (-scored[i][1], i))  # stable on ties
    ranked = [scored[i][0] for i in order]
    condensed = [pid for pid in ranked if pid in judged]
    return Figure(day.name, phrase, len(relevant), r_precision(ranked, relevant),
                  ndcg_at(ranked, relevant), r_precision(condensed, relevant),
                  ndcg_at(condensed, relevant), seconds, scored)  # fmt: skip


def run_all(days: list[str] | None = None, data: Path = DATA,
            phrase: str | None = None) -> list[Figure]:  # fmt: skip
    queries = json.loads((data / "queries.json").read_text())
    figures = []
    with tempfile.TemporaryDirectory(prefix="arxiv-digest-relevance-") as tmp:
        for day, phrases in queries.items():
            if days and day not in days:
                continue
            for asked, words in phrases:
                if phrase and asked != phrase:
                    continue
                work = Path(tempfile.mkdtemp(dir=tmp))
                figures.append(measure(data / "days" / day, asked, words, work))
    return figures


def means(figures: list[Figure]) -> tuple[float, float, float, float]:
    """Mean R-precision and nDCG@10: all papers, then judged papers only."""
    n = len(figures) or 1
    return (sum(f.r_precision for f in figures) / n, sum(f.ndcg10 for f in figures) / n,
            sum(f.judged_r_precision for f in figures) / n,
            sum(f.judged_ndcg10 for f in figures) / n)  # fmt: skip


def table(figures: list[Figure]) -> str:
    lines = [f"{'':<64}{'--- all papers ---':>18}{'--- judged only ---':>20}",
             f"{'day':<24}{'interests':<36}{'R':>4}{'R-prec':>9}{'nDCG@10':>9}"
             f"{'R-prec':>10}{'nDCG@10':>10}{'s':>6}"]  # fmt: skip
    for f in figures:
        lines.append(f"{f.day:<24}{f.phrase[:35]:<36}{f.relevant:>4}{f.r_precision:>9.2f}"
                     f"{f.ndcg10:>9.2f}{f.judged_r_precision:>10.2f}{f.judged_ndcg10:>10.2f}"
                     f"{f.seconds:>6.1f}")  # fmt: skip
    rows = [(f"mean ({len(figures)} phrases)", figures)]
    rows += [(f"  {day}", [f for f in figures if f.day == day])
             for day in dict.fromkeys(f.day for f in figures)]  # fmt: skip
    for name, part in rows:
        rp, nd, jrp, jnd = means(part)
        lines.append(f"{name:<64}{rp:>9.2f}{nd:>9.2f}{jrp:>10.2f}{jnd:>10.2f}")
    return "\n".join(lines)


def paper_scores(figures: list[Figure], data: Path) -> str:
    """Each paper's score under the phrase, best first, marked R (relevant) or - (no 简介)."""
    lines = []
    for f in figures:
        answers = json.loads((data / "days" / f.day / "answers.json").read_text())
        queries = dict(json.loads((data / "queries.json").read_text())[f.day])
        lines.append(f"{f.day}  interests = {f.phrase!r}  (R = {f.relevant})")
        for pid, score in sorted(f.scored, key=lambda s: -s[1]):
            summary = answers[pid]["summary"] or ""
            relevant = any(w in summary for w in queries[f.phrase])
            mark = "R" if relevant else " " if summary else "-"
            lines.append(f"  {score:>4} {mark} {pid:<11} {answers[pid]['title'][:80]}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    hold_out = argv[argv.index("--hold-out") + 1] if "--hold-out" in argv else None
    data = data_dir(argv[argv.index("--set") + 1] if "--set" in argv else None)
    phrase = argv[argv.index("--scores") + 1] if "--scores" in argv else None
    print(f"set: {data}")
    figures = run_all(data=data, phrase=phrase)
    if phrase:
        print(paper_scores(figures, data))
    print(table(figures))
    if hold_out:
        for name, part in (
            ("tuned on the other days", [f for f in figures if f.day != hold_out]),
            (f"held out {hold_out}", [f for f in figures if f.day == hold_out]),
        ):
            print(f"{name}: all papers R-precision %.2f, nDCG@10 %.2f; judged only "
                  "R-precision %.2f, nDCG@10 %.2f" % means(part))  # fmt: skip
    print(verdict(figures))
    return 0


def scenario_12(bench: object) -> list:
    """For benchmarks/run.py: the means as one row each, the development set then the days
    kept apart (the per-phrase tables: run this file, with --set heldout for the second)."""
    return [_row("12 relevance", DATA), _row("12b held-out", HELDOUT)]


def _row(name: str, data: Path) -> object:
    from harness import Result

    started = time.monotonic()
    figures = run_all(data=data)
    rp, nd, jrp, jnd = means(figures)
    return Result(
        f"{name} ({len(figures)} phrases)", sum(f.relevant for f in figures), 0,
        time.monotonic() - started, None, 0, 0, 0, 0,
        f"R-prec >= {GOAL_RP}, nDCG@10 >= {GOAL_NDCG}",
        rp >= GOAL_RP and nd >= GOAL_NDCG,
        f"(every paper {rp:.2f} / {nd:.2f}; judged only {jrp:.2f} / {jnd:.2f})",
    )  # fmt: skip


def verdict(figures: list[Figure]) -> str:
    rp, nd, jrp, jnd = means(figures)
    return (f"all papers: R-precision {rp:.2f}, nDCG@10 {nd:.2f}; judged only: R-precision "
            f"{jrp:.2f}, nDCG@10 {jnd:.2f} (goal {GOAL_RP} and {GOAL_NDCG})")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
