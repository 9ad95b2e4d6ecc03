"""Prompt files users edit: prompts/system.md, prompts/summary.md and prompts/score.md."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from arxiv_digest.errors import ConfigError
from arxiv_digest.models import Paper
from arxiv_digest.reading import Unreadable, read_text

SYSTEM_FILE = "system.md"
USER_FILE = "summary.md"
JUDGE_FILE = "score.md"  # appended when a group has llm_score; {interests} filled in
PLACEHOLDER = re.compile(r"\{(title|abstract|categories|comment|authors|id)\}")
REQUIRED = ("{title}", "{abstract}")
BATCH_HEADER = (
    "下面有 {n} 篇论文，每篇以 [arXiv id] 开头。按上述要求逐篇撰写，只输出一个 JSON 对象："
    '{{"papers": [{{"id": "arXiv id", "tags": [...], "summary": "..."}}]}}，'
    "papers 是 JSON 数组，每篇一项。\n\n"
)
BATCH_TITLE_ZH = "每篇的对象里也给出 title_zh（标题的中文译文）。\n\n"
BATCH_JUDGED = "每篇的对象里也给出 score 和 reason（见文末“读者关注”的说明）。\n\n"
# a tag that opens or closes a fence, or looks like one, inside the text fenced
_FENCE_LIKE = re.compile(
    r"<\s*/?\s*(?:title|abstract|comment|authors|paper)\b[^>]*>", re.IGNORECASE
)


def fence(name: str, text: str) -> str:
    """``<name>text</name>``: a title or abstract is data, and an abstract that writes
    "</abstract> 读者关注：…" cannot step out of its fence to pass as our instructions."""
    inner = _FENCE_LIKE.sub(lambda m: m.group().replace("<", "‹").replace(">", "›"), text)
    return f"<{name}>{inner}</{name}>"


# shipped inside the package (a copy of the repository's prompts/), for runs outside a checkout
BUNDLED = Path(__file__).resolve().parents[1] / "prompts"


def find_prompts_dir(configured: Path | None) -> Path:
    if configured is not None:
        return configured
    local = Path("prompts")
    if (local / USER_FILE).is_file():
        return local
    return BUNDLED


@dataclass(frozen=True)
class Prompts:
    system: str
    template: str
    judge: str = ""  # score.md: how to judge relevance to a group's interests

    @classmethod
    def load(cls, folder: Path) -> Prompts:
        # a folder copied before score.md existed still works: the shipped one fills in
        judge_file = folder / JUDGE_FILE
        if not judge_file.is_file():
            judge_file = BUNDLED / JUDGE_FILE
        try:  # a FIFO never blocks, a non-UTF-8 file is named
            system = read_text(folder / SYSTEM_FILE).strip()
            template = read_text(folder / USER_FILE).strip()
            judge = read_text(judge_file).strip()
        except Unreadable as exc:
            raise ConfigError(f"prompts: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"cannot read prompts in {folder}: {exc.strerror or exc}") from exc
        missing = [p for p in REQUIRED if p not in template]
        if missing:
            raise ConfigError(f"{folder / USER_FILE} must contain {' and '.join(missing)}")
        if "{interests}" not in judge:
            raise ConfigError(f"{judge_file} must contain {{interests}}")
        return cls(system=system, template=template, judge=judge)

    @property
    def asks_title_zh(self) -> bool:
        """The prompts ask for a 中文标题 (a user's prompts written before it may not)."""
        return "title_zh" in self.system or "title_zh" in self.template

    @property
    def fingerprint(self) -> str:
        """Changes whenever either file does, so edited prompts never reuse old summaries."""
        return hashlib.sha256(f"{self.system}\0{self.template}".encode()).hexdigest()[:16]

    def judged_fingerprint(self, interests: str) -> str:
        """For a judged answer: the score prompt and the interests count too, so editing
        either asks again, while unjudged summaries keep their old keys."""
        material = f"{self.fingerprint}\0{self.judge}\0{interests}"
        return hashlib.sha256(material.encode()).hexdigest()[:16]

    def _judging(self, interests: str) -> str:
        return "\n\n" + self.judge.replace("{interests}", interests) if interests else ""

    def render(self, paper: Paper) -> str:
        """The template filled in; text from arXiv between fences (system.md says what they
        are), ids and categories as they are (checked against arXiv's syntax already)."""
        values = {
            "title": fence("title", paper.title),
            "abstract": fence("abstract", paper.abstract),
            "categories": "; ".join(paper.categories),
            "comment": fence("comment", paper.comment or "无"),
            "authors": fence("authors", "; ".join(paper.authors)),
            "id": paper.versioned_id,
        }
        return PLACEHOLDER.sub(lambda m: values[m.group(1)], self.template)

    def batch_messages(self, papers: list[Paper], interests: str = "") -> list[dict[str, str]]:
        """Several papers in one request; the answer is keyed by arXiv id."""
        parts = [f"[{p.versioned_id}]\n{self.render(p)}" for p in papers]
        header = BATCH_HEADER.format(n=len(papers))
        header += BATCH_TITLE_ZH if self.asks_title_zh else ""
        header += BATCH_JUDGED if interests else ""
        user = header + "\n\n".join(parts) + self._judging(interests)
        return [{"role": "system", "content": self.system}, {"role": "user", "content": user}]

    def messages(self, paper: Paper, interests: str = "") -> list[dict[str, str]]:
        """With interests, the model also judges relevance, in the same answer."""
        # static system part first: providers cache the shared prefix
        return [
            {"role": "system", "content": self.system},
            {"role": "user", "content": self.render(paper) + self._judging(interests)},
        ]
