"""今日概览: one request per group and day over its papers' English titles and 简介, cached.

An extra: whatever goes wrong here (the endpoint, a bad answer) leaves the overview out with a
warning, and never costs the digest its summaries.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from arxiv_digest.errors import ConfigError, DigestError, LLMError
from arxiv_digest.models import Entry
from arxiv_digest.reading import Unreadable, read_text
from arxiv_digest.summarize.prompts import BUNDLED, fence, find_prompts_dir
from arxiv_digest.summarize.validate import (
    _LIST_OR_HEADING,
    AnswerError,
    cjk_share,
    clean_summary,
    extract_json,
)
from arxiv_digest.untrusted import clean

if TYPE_CHECKING:
    from arxiv_digest.config import Settings
    from arxiv_digest.models import Digest
    from arxiv_digest.summarize.client import LLMClient
    from arxiv_digest.summarize.runner import Summarizer

OVERVIEW_FILE = "overview.md"
MAX_PAPERS = 30  # a busy day: the top ones by score (else the first), so the prompt stays small
MIN_CHARS, MAX_CHARS = 100, 300
MAX_TOKENS = 1024  # 300 字 and the JSON around them, with room for a model that says more
ALIASES = ("overview", "概览", "今日概览", "summary")


def with_overviews(
    digests: list[Digest], summarizer: Summarizer, settings: Settings, say: Callable[[str], None]
) -> list[Digest]:
    """The digests, those of groups with ``overview`` carrying their day's 今日概览 (or none,
    with a warning, when it could not be had)."""
    wanted = [d for d in digests if d.group.overview]
    if not wanted:
        return digests
    asks = [DayAsk(d.group.name, d.group.title, d.date, d.entries) for d in wanted]
    found = Overviews(summarizer, find_prompts_dir(settings.prompts_dir), say).run(asks)
    stats = summarizer.stats
    say(
        f"今日概览: {stats.overviews} request{'' if stats.overviews == 1 else 's'}, "
        f"{stats.overview_prompt_tokens} prompt / "
        f"{stats.overview_completion_tokens} completion tokens, {stats.overviews_cached} cached"
    )
    return [d.model_copy(update={"overview": found.get(d.group.name)}) for d in digests]


@dataclass(frozen=True)
class DayAsk:
    """One group's day to sum up."""

    name: str
    title: str
    date: dt.date
    entries: list[Entry]


def load_prompt(folder: Path) -> str:
    """prompts/overview.md; a folder copied before it existed uses the shipped one."""
    path = folder / OVERVIEW_FILE
    if not path.is_file():
        path = BUNDLED / OVERVIEW_FILE
    try:
        text = read_text(path).strip()  # a FIFO never blocks, a non-UTF-8 file is named
    except Unreadable as exc:
        raise ConfigError(f"prompts: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if "overview" not in text:
        raise ConfigError(f'{path} must ask for the JSON key "overview"')
    return text


def pick(entries: list[Entry]) -> list[Entry]:
    """The papers the overview is written from: those with a 简介, the best scored when many."""
    done = [e for e in entries if e.status == "ok" and e.summary]
    if len(done) <= MAX_PAPERS:
        return done
    ranked = sorted(range(len(done)), key=lambda i: -(done[i].score or 0))  # stable
    keep = set(ranked[:MAX_PAPERS])  # positions: comparing entries would compare every field
    return [e for i, e in enumerate(done) if i in keep]


def messages(prompt: str, ask: DayAsk) -> list[dict[str, str]]:
    system = prompt.replace("{title}", ask.title).replace("{date}", ask.date.isoformat())
    lines = [
        f"{n}. {fence('title', ' '.join(e.paper.title.split()))}\n{e.summary}"  # arXiv's: data
        for n, e in enumerate(pick(ask.entries), start=1)
    ]
    return [{"role": "system", "content": system}, {"role": "user", "content": "\n\n".join(lines)}]


def check_overview(text: str) -> str:
    """One Chinese paragraph of MIN_CHARS–MAX_CHARS 字, or AnswerError saying what is wrong."""
    data = extract_json(text, ALIASES)
    value = next((data[k] for k in ALIASES if isinstance(data.get(k), str)), "")
    raw = clean(value).strip()
    if not raw:
        raise AnswerError('回答需要 JSON 对象 {"overview": "一段中文概览"}')
    if _LIST_OR_HEADING.search(raw.replace("**", "")):
        raise AnswerError("overview 必须是一段连续的文字，不能有标题或列表")
    overview = clean_summary(raw)
    if cjk_share(overview) < 0.4:
        raise AnswerError("overview 必须用中文撰写（模型名、术语可保留英文）")
    length = len(re.sub(r"\s", "", overview))
    if not MIN_CHARS <= length <= MAX_CHARS:
        raise AnswerError(f"overview 为 {length} 字，应为 {MIN_CHARS}–{MAX_CHARS} 字")
    return overview


class Overviews:
    """Asks the day's overviews of several groups at once, through the summarizer's cache."""

    def __init__(
        self, summarizer: Summarizer, prompts: Path, warn: Callable[[str], None]
    ) -> None:
        self.settings = summarizer.settings
        self.cache = summarizer.cache
        self.prompt = load_prompt(prompts)
        self.warn = warn
        self.stats = summarizer.stats

    def key(self, sent: list[dict[str, str]]) -> str:
        material = json.dumps([self.settings.model, self.prompt, sent])
        return hashlib.sha256(material.encode()).hexdigest()

    def run(self, asks: list[DayAsk]) -> dict[str, str | None]:
        """Overviews by group name; None where the day has no 简介 or the model failed."""
        found: dict[str, str | None] = {}
        todo = []
        for ask in asks:
            if not any(e.status == "ok" and e.summary for e in ask.entries):
                found[ask.name] = None
                continue
            sent = messages(self.prompt, ask)  # built once: the key and the request share it
            key = self.key(sent)
            if (cached := self.cache.get_overview(key)) is not None:
                found[ask.name] = cached
                self.stats.overviews_cached += 1
            else:
                todo.append((ask, sent, key))
        if todo:
            found.update(asyncio.run(self._ask_all(todo)))
        return found

    async def _ask_all(
        self, asks: list[tuple[DayAsk, list[dict[str, str]], str]]
    ) -> dict[str, str | None]:
        from arxiv_digest.summarize.client import LLMClient

        client = LLMClient(self.settings)
        try:
            answers = await asyncio.gather(*(self._ask(client, *todo) for todo in asks))
        finally:
            await client.close()
        return dict(zip((ask.name for ask, _, _ in asks), answers, strict=True))

    async def _ask(
        self, client: LLMClient, ask: DayAsk, sent: list[dict[str, str]], key: str
    ) -> str | None:
        estimate = sum(len(m["content"]) for m in sent) // 3 + MAX_TOKENS
        try:
            text = await self._complete(client, sent, estimate)
            try:
                overview = check_overview(text)
            except AnswerError as error:  # one corrective turn, as for a summary
                retry = [
                    *sent,
                    {"role": "assistant", "content": text},
                    {"role": "user", "content": f"你的回答不符合要求：{error}。请重新回答，"
                     f'只输出 JSON：{{"overview": "一段 {MIN_CHARS}–{MAX_CHARS} 字的中文概览"}}'},
                ]  # fmt: skip
                overview = check_overview(await self._complete(client, retry, estimate))
        except (LLMError, AnswerError, DigestError) as exc:
            self.warn(f"今日概览 of {ask.name} {ask.date} left out: {exc}")
            return None
        except Exception as exc:  # hostile answers: an extra never ends the run
            self.warn(f"今日概览 of {ask.name} {ask.date} left out: {type(exc).__name__}")
            return None
        self.cache.put_overview(key, overview)
        return overview

    async def _complete(
        self, client: LLMClient, sent: list[dict[str, str]], estimate: int
    ) -> str:
        bound = max(MAX_TOKENS, self.settings.max_tokens)
        completion = await client.complete(sent, estimate, bound)
        self.stats.note(completion.prompt_tokens, completion.completion_tokens)
        return completion.text
