"""What a push says: one group's day, cut to fit each channel by dropping whole papers.

Every channel gets the same content: group title, date, counts, 今日概览, the ⭐ papers (or the
first few) with 中文标题, score, reason and a link to each, and a link to the whole digest. Text
from arXiv and the model is escaped for the channel's format; the model's words never make a
link (a URL in them is shown defanged: ``hxxps://evil[.]example``).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from arxiv_digest.models import Digest, Entry
from arxiv_digest.render.escape import AUTOLINK, one_line
from arxiv_digest.render.links import Links
from arxiv_digest.render.tex import to_plain

FIRST_FEW = 5  # listed when the group has no scores
FULL_LIST = "…完整列表"
# Markdown and lark_md syntax that could make a link, HTML, code or bold out of untrusted text:
# shown as the full-width look-alikes ("_" stays: N_c reads better than a full-width one)
_MARKUP = str.maketrans({"[": "［", "]": "］", "*": "＊", "`": "｀", "<": "＜", ">": "＞",
                         "~": "～"})  # fmt: skip


class PushError(Exception):
    """The channel refused or could not be reached; the message names no token."""


@dataclass(frozen=True)
class Item:
    label: str  # "new 001": the paper's number in the digest
    title: str  # English, TeX as Unicode text
    title_zh: str | None
    score: int | None
    reason: str | None
    url: str  # its block in the digest, else its arXiv page


@dataclass(frozen=True)
class Brief:
    group: str
    title: str
    categories: str
    date: dt.date
    new: int
    replaced: int
    overview: str | None
    starred: bool  # items are the ⭐ papers (else the first few)
    items: list[Item]
    digest_url: str | None

    @property
    def heading(self) -> str:
        return f"{self.title} · {self.date.isoformat()}"

    @property
    def counts(self) -> str:
        return f"最新发布 {self.new} 篇 · 更新 {self.replaced} 篇"

    @property
    def list_title(self) -> str:
        return "⭐ 今日推荐" if self.starred else "今日论文（前几篇）"


def make_brief(digest: Digest, links: Links) -> Brief:
    numbered: list[tuple[Entry, str]] = []
    for section in ("new", "replaced"):
        for number, entry in enumerate(digest.section(section), start=1):  # type: ignore[arg-type]
            numbered.append((entry, f"{section} {number:03d}"))
    ranked = sorted((x for x in numbered if x[0].score), key=lambda x: -(x[0].score or 0))
    starred = bool(ranked and digest.group.top)
    chosen = ranked[: digest.group.top] if starred else numbered[:FIRST_FEW]
    items = [
        Item(
            label=label,
            title=to_plain(entry.paper.title),
            title_zh=entry.title_zh,
            score=entry.score if starred else None,
            reason=entry.reason if starred else None,
            url=links.paper(digest.date, digest.group.name, entry.paper.id),
        )
        for entry, label in chosen
    ]
    stats = digest.stats
    return Brief(
        group=digest.group.name,
        title=one_line(digest.group.title),
        categories="; ".join(digest.group.categories),
        date=digest.date,
        new=stats["new"],
        replaced=stats["replaced"],
        overview=digest.overview,
        starred=starred,
        items=items,
        digest_url=links.digest(digest.date, digest.group.name),
    )


def defang(text: str) -> str:
    """A URL in the model's words, made inert: hxxps://evil[.]example."""
    def inert(match: re.Match[str]) -> str:
        url = match.group().replace(".", "[.]")
        return re.sub(r"^http", "hxxp", url, flags=re.IGNORECASE)

    return AUTOLINK.sub(inert, text)


def md_text(text: str, model: bool = False) -> str:
    """Untrusted text for Markdown-like formats (WeCom, lark_md, apprise's chat services)."""
    text = one_line(text)
    return (defang(text) if model else text).translate(_MARKUP)


def html_text(text: str, model: bool = False) -> str:
    text = one_line(text)
    return html.escape(defang(text) if model else text)


def fit(render: Callable[[list[Item], bool], str], items: list[Item], limit: int,
        size: Callable[[str], int] = len) -> str:  # fmt: skip
    """The message with as many items as fit, whole ones dropped from the end (then "…完整列表"
    and the link say where the rest is); the overview is cut last of all."""
    for count in range(len(items), -1, -1):
        text = render(items[:count], count < len(items))
        if size(text) <= limit:
            return text
    text = render([], True)
    while size(text) > limit and text:
        text = text[: max(0, len(text) - max(1, (size(text) - limit) // 3))]
    return text


def utf8_size(text: str) -> int:
    return len(text.encode("utf-8"))


def markdown(brief: Brief, items: list[Item], cut: bool) -> str:
    """Plain Markdown: links, bold and quotes only (what WeCom and most chat apps render)."""
    lines = [f"**{md_text(brief.heading)}**", brief.counts]
    if brief.overview:
        lines += ["", f"> 今日概览：{md_text(brief.overview, model=True)}"]
    if items:
        lines += ["", f"**{brief.list_title}**"]
    for n, item in enumerate(items, start=1):
        zh = f"{md_text(item.title_zh, model=True)} ｜ " if item.title_zh else ""
        score = f" — {item.score} 分" if item.score is not None else ""
        reason = f"，{md_text(item.reason, model=True)}" if item.reason else ""
        lines.append(f"{n}. [{item.label}]({item.url}) {zh}{md_text(item.title)}{score}{reason}")
    lines += ["", _tail(brief, cut, lambda text, url: f"[{text}]({url})")]
    return "\n".join(lines).strip() + "\n"


def html_body(brief: Brief, items: list[Item], cut: bool) -> str:
    """An e-mail's HTML part: inline styles only (mail clients drop <style> and scripts)."""
    esc = html.escape
    parts = [
        '<div style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;'
        'max-width:720px;line-height:1.6;color:#1f2328">',
        f'<h2 style="margin:0 0 4px">{html_text(brief.heading)}</h2>',
        f'<p style="margin:0 0 12px;color:#59636e">{esc(brief.categories)} · {brief.counts}</p>',
    ]
    if brief.overview:
        parts.append(
            '<p style="background:#f6f8fa;border-left:4px solid #0969da;padding:8px 12px">'
            f"<b>今日概览：</b>{html_text(brief.overview, model=True)}</p>"
        )
    if items:
        parts.append(f'<h3 style="margin:16px 0 8px">{esc(brief.list_title)}</h3><ol>')
    for item in items:
        zh = f"<b>{html_text(item.title_zh, model=True)}</b><br>" if item.title_zh else ""
        score = f" — <b>{item.score} 分</b>" if item.score is not None else ""
        reason = f"，{html_text(item.reason, model=True)}" if item.reason else ""
        parts.append(
            f'<li style="margin-bottom:8px">{zh}<a href="{esc(item.url)}">[{esc(item.label)}] '
            f"{html_text(item.title)}</a>{score}{reason}</li>"
        )
    if items:
        parts.append("</ol>")
    tail = _tail(brief, cut, lambda text, url: f'<a href="{esc(url)}">{esc(text)}</a>')
    parts += [f"<p>{tail}</p>", "</div>"]
    return "\n".join(parts) + "\n"


def _tail(brief: Brief, cut: bool, link: Callable[[str, str], str]) -> str:
    if brief.digest_url:
        return link(FULL_LIST if cut else "完整日报", brief.digest_url)
    return FULL_LIST + "见当天的日报" if cut else ""
