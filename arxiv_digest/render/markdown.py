"""One group's digest as Markdown, block for block like the published Chinese digests."""

from __future__ import annotations

import re

from arxiv_digest.models import Digest, Entry, Section
from arxiv_digest.untrusted import clean

FAILED_SUMMARY = "（生成失败，下次运行时重试）"
SECTION_TITLES: dict[Section, str] = {"new": "最新发布", "replaced": "更新"}

# Characters that could turn text into formatting, links, HTML, tables or math on GitHub.
_ESCAPES = str.maketrans({char: "\\" + char for char in "`*_[]<>|$~&#"})
# A backslash is literal unless ASCII punctuation (or our closing "**") follows, so TeX
# like \hbar stays as it is and only \( or \' need doubling.
_BACKSLASH = re.compile(r"\\(?=[!-/:-@\[-`{-~]|$)")


# what GitHub turns into a link by itself: scheme://…, www.…, and e-mail addresses
# (ASCII only: a URL ends where Chinese text resumes, and a code span must not swallow it)
_AUTOLINK = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://|www\.)[!-~]*|[A-Za-z0-9.+_-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+",
    re.IGNORECASE,
)


def escape(text: str) -> str:
    """Backslash-escape Markdown syntax so the text renders as itself, on one line."""
    return _escape(" ".join(clean(text).split()))


def _escape(text: str) -> str:
    if "\\" in text:
        text = _BACKSLASH.sub(r"\\\\", text)  # before the escapes below add their own
    return text.translate(_ESCAPES)


def escape_unlinked(text: str) -> str:
    """Escaped, and never a link: the model's words may not send readers anywhere, so a URL in
    them is shown as code, which GitHub does not autolink."""
    parts: list[str] = []
    last = 0
    text = " ".join(clean(text).split())
    for match in _AUTOLINK.finditer(text):
        url = match.group().replace("`", "")
        parts += [_escape(text[last : match.start()]), f"`{url}`" if url else ""]
        last = match.end()
    parts.append(_escape(text[last:]))
    return "".join(parts)


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
        f"#### [{section} {number:03d}] {escape(paper.title)}",
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
        f"> **作者:** {'; '.join(escape(a) for a in paper.authors)}",
        ">",
    ]
    if paper.comment:
        lines += [f"> **备注:** {escape(paper.comment)}", ">"]
    lines += [f"> **摘要:** {escape(paper.abstract)}", ">", "---"]
    return lines
