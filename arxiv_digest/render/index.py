"""output/README.md: the index of days, rebuilt from what is on disk so it never drifts."""

from __future__ import annotations

from pathlib import Path

from arxiv_digest.render.escape import escape, link_target
from arxiv_digest.storage import (
    Warn,
    atomic_write,
    check_output,
    day_dirs,
    ignore,
    load_heading,
    try_read,
)

HEADER = """# arXiv 每日中文速递

每个工作日由 arxiv-digest 自动生成：arXiv 新论文与更新论文的中文标签与简介。

"""


def render_index(output: Path, warn: Warn = ignore) -> str:
    lines = [HEADER.rstrip("\n"), ""]
    feeds = sorted((output / "feeds").glob("*.atom")) if (output / "feeds").is_dir() else []
    if feeds:  # a feed reader's link for each group (the last 14 days)
        links = " ｜ ".join(f"[{escape(f.stem)}]({link_target(f'feeds/{f.name}')})" for f in feeds)
        lines += [f"订阅（Atom）：{links}", ""]
    for day in day_dirs(output):
        links = []
        for json_path in sorted(day.glob("*.json")):
            md_path = json_path.with_suffix(".md")
            if md_path.is_symlink() or not md_path.is_file():
                continue  # never link a file that isn't there
            heading = try_read(json_path, load_heading, warn)
            if heading is None:
                continue
            title, categories, new, replaced = heading
            label = escape(f"{title} {'; '.join(categories)}")
            target = link_target(f"{day.name}/{md_path.name}")
            links.append(f"[{label}]({target})（新 {new} · 更新 {replaced}）")
        if links:
            lines.append(f"- **{day.name}**: " + " ｜ ".join(links))
    return "\n".join(lines) + "\n"


def write_index(output: Path, warn: Warn = ignore) -> Path:
    check_output(output)
    path = output / "README.md"
    atomic_write(path, render_index(output, warn))
    return path
