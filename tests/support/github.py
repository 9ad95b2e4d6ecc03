"""Markdown as github.com renders it: cmark-gfm with GitHub's extensions (autolink included)."""

from __future__ import annotations

import re
from html import unescape

import cmarkgfm
from cmarkgfm.cmark import Options

_HREF = re.compile(r'<a href="([^"]*)"')


def html(markdown: str) -> str:
    return cmarkgfm.github_flavored_markdown_to_html(
        markdown, options=Options.CMARK_OPT_UNSAFE
    ).strip()


def hrefs(markdown: str) -> list[str]:
    """Where each link in the rendered Markdown leads, as a browser reads the attribute."""
    return [unescape(href) for href in _HREF.findall(html(markdown))]
