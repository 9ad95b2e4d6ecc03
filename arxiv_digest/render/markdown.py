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
    if digest.overview:  # the model's words: escaped, never a link
        lines += [f"- **今日概览:** {escape_unlinked(digest.overview)}", ""]
    lines += recommended(digest)
    for section, title in SECTION_TITLES.items():
        entries = digest.section(section)
        if not entries:
            continue
        # follows either the blank line after the counts or the previous block's "---"
        lines += [f"## {title}", ""]
        for number, entry in enumerate(entries, start=1):
            lines += render_entry(entry, section, number)
    return "\n".join(lines).rstrip("\n") + "\n"


def recommended(digest: Digest) -> list[str]:
    """"⭐ 今日推荐": the group's top papers by relevance, each a link to its block below."""
    numbered = [
        (entry, section, number)
        for section in SECTION_TITLES
        for number, entry in enumerate(digest.section(section), start=1)
    ]
    ranked = [item for item in numbered if item[0].score]
    ranked.sort(key=lambda item: -(item[0].score or 0))  # stable: arXiv's order among equals
    if not ranked or not digest.group.top:
        return []
    lines = ["- **⭐ 今日推荐**", ""]
    for place, (entry, section, number) in enumerate(ranked[: digest.group.top], start=1):
        label = f"\\[{section} {number:03d}\\] {typeset(entry.paper.title, links=False)}"
        # the model's words stay outside the link text, escaped and never links themselves
        zh = f" ｜ {escape_unlinked(entry.title_zh)}" if entry.title_zh else ""
        reason = f"，{escape_unlinked(entry.reason)}" if entry.reason else ""
        lines.append(f"{place}. [{label}](#{entry.paper.id}){zh} — {entry.score} 分{reason}")
    return [*lines, ""]


def render_entry(entry: Entry, section: Section, number: int) -> list[str]:
    paper = entry.paper
    # an explicit anchor (GitHub keeps <a name>, as user-content-ID): a block can be linked by
    # its arXiv id from the ⭐ list, another day's 首次收录 line, or anywhere else; at the end,
    # so the line still starts "#### [new 001]" for readers and scripts
    lines = [f'#### [{section} {number:03d}] {typeset(paper.title)} <a name="{paper.id}"></a>']
    if entry.title_zh:
        lines += [f"- **中文标题: {escape_unlinked(entry.title_zh)}**", ""]
    lines += [f"- **分类: {'; '.join(escape(c) for c in paper.categories)}**", ""]
    if entry.first_seen is not None:
        lines += [first_seen_line(entry), ""]
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


def first_seen_line(entry: Entry) -> str:
    seen = entry.first_seen
    assert seen is not None
    day = seen.date.isoformat()
    link = f"../{day}/{seen.group}.md#{entry.paper.id}"
    changed = "，摘要已更新" if seen.abstract_changed else ""
    return f"- **首次收录: {day} [{seen.section} {seen.number:03d}]({link}){changed}**"
