"""The explicit anchor each block's heading ends with, for tests that read the text around it."""

from __future__ import annotations

import re

ANCHOR = re.compile(r' <a name="([0-9a-z./-]+)"></a>$', re.MULTILINE)


def without_anchors(markdown: str) -> str:
    return ANCHOR.sub("", markdown)


def anchors(markdown: str) -> list[str]:
    return ANCHOR.findall(markdown)
