"""The end of a run, for people who were not watching: failure lines grouped by reason, and the
Markdown job summary GitHub Actions shows on the run's page ($GITHUB_STEP_SUMMARY).
Called by the CLI with whatever the pipeline got done."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from arxiv_digest.models import Entry
from arxiv_digest.pipeline import Outcome
from arxiv_digest.render.escape import escape, escape_unlinked
from arxiv_digest.untrusted import printable

# GitHub drops a step's whole summary over 1024 KiB ("$GITHUB_STEP_SUMMARY upload aborted,
# supports content up to a size of 1024k", seen in runs' annotations, checked 2026-11-27): ours
# stays well under, and under what is left when the step's file already holds some.
STEP_SUMMARY_LIMIT = 1024 * 1024
MAX_SUMMARY_BYTES = 256 * 1024
MAX_FAILURE_LINES = 30
MAX_LINE_CHARS = 500  # a failure reason, an error: the start of it says what happened


@dataclass
class RunReport:
    """What happened, gathered by the CLI whatever the run's end."""

    code: int
    outcome: Outcome | None = None
    stats_line: str = ""
    advice: list[str] = field(default_factory=list)
    error: str = ""
    model: str = ""  # "model NAME (why)", once the run decided it


def failure_lines(failed: list[Entry], group_at: int = 3) -> list[str]:
    """Each failed paper with its reason; a reason many share is one line with the count."""
    by_reason: dict[str, list[Entry]] = {}
    for entry in failed:
        by_reason.setdefault(entry.error or "unknown", []).append(entry)
    lines = []
    for reason, entries in by_reason.items():
        if len(entries) >= group_at:
            ids = ", ".join(e.paper.versioned_id for e in entries[:5])
            more = f" and {len(entries) - 5} more" if len(entries) > 5 else ""
            lines.append(f"{len(entries)} failed: {reason} ({ids}{more})")
        else:
            lines += [
                f"failed: {e.paper.versioned_id} {e.paper.title} — {reason}" for e in entries
            ]
    return lines


VERDICT = {
    0: "✅ done",
    1: "⚠️ written; some papers failed and are asked again on the next run",
    2: "❌ a setup or input problem; nothing was overwritten",
    3: "❌ arXiv or the LLM endpoint could not be reached",
    4: "❌ the output or the cache could not be written",
    129: "⏹️ interrupted",
    130: "⏹️ interrupted",
    143: "⏹️ interrupted",
}


def job_summary(report: RunReport, env: dict[str, str]) -> str:
    """Per-group counts, failures with reasons, tokens and cost, links to the day's files."""
    lines = [f"## arxiv-digest: {VERDICT.get(report.code, f'exit {report.code}')}", ""]
    if report.error:
        lines += [f"> {_text(report.error)}", ""]
    outcome = report.outcome or Outcome()
    if outcome.digests:
        lines += [
            "| day | group | new | replaced | summarized | failed | file |",
            "|---|---|---|---|---|---|---|",
        ]
        for digest, md_path in outcome.digests:
            stats = digest.stats
            link = f"[{escape(md_path.name)}]({_file_url(md_path, env)})"
            lines.append(
                f"| {digest.date} | {escape(digest.group.title)} ({escape(digest.group.name)}) "
                f"| {stats['new']} | {stats['replaced']} | {stats['ok']} | {stats['failed']} "
                f"| {link} |"
            )
        lines.append("")
    for digest, fixed in outcome.healed:
        lines.append(f"- healed {fixed} papers of {digest.date} {escape(digest.group.name)}")
    for problem in outcome.unreachable:
        lines.append(f"- ❌ {_text(problem)}")
    for sent in outcome.pushes:  # never a token: channels are named by host or scheme
        lines.append(f"- {'📣' if sent.ok else '⚠️'} {_text(sent.line())}")
    if outcome.failed:
        lines += ["", "**Failed papers** (asked again on the next run):", ""]
        failures = failure_lines(outcome.failed)
        lines += [f"- {_text(line)}" for line in failures[:MAX_FAILURE_LINES]]
        if len(failures) > MAX_FAILURE_LINES:
            lines.append(
                f"- … {len(failures) - MAX_FAILURE_LINES} more failed papers: the run's log and "
                "each day's JSON list them all"
            )
    model = report.model if report.model not in report.stats_line else ""
    llm = ", ".join(part for part in (report.stats_line, model) if part)
    if llm:
        lines += ["", f"LLM: {_text(llm)}"]
    for note in report.advice:
        lines += ["", f"> **note:** {_text(note)}"]
    return _capped("\n".join(lines).rstrip() + "\n", MAX_SUMMARY_BYTES)


def _text(text: str) -> str:
    """Text from arXiv, the endpoint or the model: one line, cut short, rendered as itself and
    never as a link (a URL in a model's tag reaches here through a failure reason)."""
    return escape_unlinked(printable(text, MAX_LINE_CHARS))


def _capped(text: str, limit: int) -> str:
    """At most ``limit`` bytes, cut at a line with a note saying so."""
    data = text.encode()
    if len(data) <= limit:
        return text
    note = "\n\n… (cut: a job summary is limited in size; the run's log has the rest)\n"
    room = max(0, limit - len(note.encode()))
    head = data[:room].decode(errors="ignore")
    return head[: head.rfind("\n") + 1] + note.lstrip("\n") if room else ""


def _file_url(path: Path, env: dict[str, str]) -> str:
    """A link that works on the run's page: the file on the branch the workflow pushes to."""
    server, repo = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY")
    branch = env.get("GITHUB_REF_NAME") or "main"
    relative = path.as_posix().lstrip("./")
    if server and repo:
        return f"{server}/{repo}/blob/{branch}/{relative}"
    return relative


def write_job_summary(report: RunReport, env: dict[str, str] | None = None) -> Path | None:
    """Appended to $GITHUB_STEP_SUMMARY when Actions set it; nothing otherwise."""
    env = dict(os.environ) if env is None else env
    target = env.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    try:
        with open(target, "a", encoding="utf-8") as handle:
            room = STEP_SUMMARY_LIMIT - 4096 - handle.tell()  # what earlier writes left
            handle.write(_capped(job_summary(report, env), room))
    except OSError:
        return None  # a summary that cannot be written must not fail the run
    return Path(target)
