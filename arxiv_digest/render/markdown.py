"""One group's digest as Markdown, block for block like the published Chinese digests."""

from __future__ import annotations

from arxiv_digest.models import Digest, Entry, Section
from arxiv_digest.render.escape import escape, escape_unlinked
from arxiv_digest.render.tex import typeset

FAILED_SUMMARY = "（生成失败，下次运行时重试）"
SECTION_TITLES: dict[Section, str] = {"new": "最新发布", "replaced": "更新"}

def render_digest(digest: Digest) -> str:
    group = digest.group
    lines = [f"# {escape(group.title)} {'; '.join(group.categories)}", ""]
    for section, title in SECTION_TITLES.items():
        lines += [f"- **{title} {len(digest.section(section))} 篇**", ""]
    if group.include or group.exclude:
        include = ", ".join(escape(k) for k in group.include) or "—"
        exclude = ", ".join(escape(k) for k in group.exclude) or "—"
        lines += [f"- **关键词: {include} ｜ 排除: {exclude}**", ""]
    for section, title in SECTION_TITLES.items():
        entries = digest.section(section)
        if not entries:
            continue
        # follows either the blank line after the counts or the previous block's "---"
        lines += [f"## {title}", ""]
        for number, entry in enumerate(entries, start=1):
            lines += render_entry(entry, section, number)
    return "\n".join(lines).rstrip("\n") + "\n"


def render_entry(entry: Entry, section: Section, number: int) -> list[str]:
    paper = entry.paper
    lines = [
        f"#### [{section} {number:03d}] {typeset(paper.title)}",
        f"- **分类: {'; '.join(escape(c) for c in paper.categories)}**",
        "",
    ]
    if entry.status == "ok":
        if entry.tags:
            lines += [f"- **标签: {'; '.join(escape_unlinked(t) for t in entry.tags)}**", ""]
        lines += [f"- **简介: {escape_unlinked(entry.summary or '')}**", ""]
    elif entry.status == "failed":
        lines += [f"- **简介: {FAILED_SUMMARY}**", ""]
    lines += [
        f"- **链接: [{paper.pdf_url}]({paper.pdf_url})**",
        "",
        f"> **作者:** {'; '.join(typeset(a) for a in paper.authors)}",
        ">",
    ]
    if paper.comment:
        lines += [f"> **备注:** {typeset(paper.comment)}", ">"]
    lines += [f"> **摘要:** {typeset(paper.abstract)}", ">", "---"]
    return lines
