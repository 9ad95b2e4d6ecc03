"""output/README.md: the index of days, rebuilt from what is on disk so it never drifts."""

from __future__ import annotations

from pathlib import Path

from arxiv_digest.render.escape import escape, link_target
from arxiv_digest.storage import (
    NotADigest,
    Warn,
    atomic_write,
    check_output,
    day_dirs,
    read_json,
)


def _ignore(text: str) -> None:
    pass

HEADER = """# arXiv 每日中文速递

每个工作日由 arxiv-digest 自动生成：arXiv 新论文与更新论文的中文标签与简介。

"""


def render_index(output: Path, warn: Warn = _ignore) -> str:
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
            try:
                label, new, replaced = _entry(json_path)
            except NotADigest as exc:
                warn(f"skipped {exc}")
                continue
            except OSError as exc:
                warn(f"skipped {json_path}: {exc.strerror or exc}")
                continue
            target = link_target(f"{day.name}/{md_path.name}")
            links.append(f"[{label}]({target})（新 {new} · 更新 {replaced}）")
        if links:
            lines.append(f"- **{day.name}**: " + " ｜ ".join(links))
    return "\n".join(lines) + "\n"


def _entry(path: Path) -> tuple[str, int, int]:
    """The label and counts for the index, read without building the whole digest (the index
    reads every day's files on every run); NotADigest when a field is not what we write."""
    data = read_json(path)
    title, categories, stats = data.get("title"), data.get("categories"), data.get("stats")
    if not isinstance(title, str) or not isinstance(categories, list) or not all(
        isinstance(c, str) for c in categories
    ):
        raise NotADigest(f"{path} is not a digest (title or categories)")
    if (data.get("date"), data.get("group")) != (path.parent.name, path.stem):
        raise NotADigest(f"{path}: its date or group is not what its path says")
    counts = stats if isinstance(stats, dict) else {}
    new, replaced = counts.get("new"), counts.get("replaced")
    if not all(type(n) is int for n in (new, replaced)):
        raise NotADigest(f"{path} is not a digest (stats)")
    return escape(f"{title} {'; '.join(categories)}"), new, replaced


def write_index(output: Path, warn: Warn = _ignore) -> Path:
    check_output(output)
    path = output / "README.md"
    atomic_write(path, render_index(output, warn))
    return path
