"""output/README.md: the index of days, rebuilt from what is on disk so it never drifts."""

from __future__ import annotations

import json
from pathlib import Path

from arxiv_digest.render.escape import escape
from arxiv_digest.storage import atomic_write, day_dirs

HEADER = """# arXiv 每日中文速递

每个工作日由 arxiv-digest 自动生成：arXiv 新论文与更新论文的中文标签与简介。

"""


def render_index(output: Path) -> str:
    lines = [HEADER.rstrip("\n"), ""]
    feeds = sorted((output / "feeds").glob("*.atom")) if (output / "feeds").is_dir() else []
    if feeds:  # a feed reader's link for each group (the last 14 days)
        links = " ｜ ".join(f"[{escape(f.stem)}](feeds/{f.name})" for f in feeds)
        lines += [f"订阅（Atom）：{links}", ""]
    for day in day_dirs(output):
        links = []
        for json_path in sorted(day.glob("*.json")):
            md_path = json_path.with_suffix(".md")
            if not md_path.is_file():
                continue  # never link a file that isn't there
            try:
                data = json.loads(json_path.read_text(encoding="utf-8"))
                stats = data["stats"]
                label = escape(f"{data['title']} {'; '.join(data['categories'])}")
            except (OSError, ValueError, KeyError, TypeError):
                continue
            links.append(
                f"[{label}]({day.name}/{md_path.name})"
                f"（新 {stats.get('new', 0)} · 更新 {stats.get('replaced', 0)}）"
            )
        if links:
            lines.append(f"- **{day.name}**: " + " ｜ ".join(links))
    return "\n".join(lines) + "\n"


def write_index(output: Path) -> Path:
    path = output / "README.md"
    atomic_write(path, render_index(output))
    return path
