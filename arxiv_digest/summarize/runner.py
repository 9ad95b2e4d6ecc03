"""Summarize a day's papers: cache first, then one shared pool of concurrent LLM requests."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from rich.console import Console

from arxiv_digest.config import Settings
from arxiv_digest.errors import DigestError, LLMError
from arxiv_digest.models import Ask, Entry, Paper, Summary
from arxiv_digest.summarize.cache import SummaryCache, cache_key
from arxiv_digest.summarize.progress import RunProgress
from arxiv_digest.summarize.prompts import Prompts
from arxiv_digest.summarize.stats import RunStats
from arxiv_digest.summarize.stoppable import run_stoppable
from arxiv_digest.untrusted import printable

if TYPE_CHECKING:
    from arxiv_digest.summarize.client import Completion, LLMClient

from arxiv_digest.summarize.validate import (
    AnswerError,
    Limits,
    check_answer,
    check_fields,
    corrective_message,
    extract_json,
    prompt_placeholders,
)

T = TypeVar("T")


class Summarizer:
    """Owns the cache and client for one run; every group's papers go through one pool."""

    def __init__(
        self,
        settings: Settings,
        prompts: Prompts,
        cache: SummaryCache,
        console: Console | None = None,
    ) -> None:
        self.settings = settings
        self.prompts = prompts
        self.cache = cache
        self.console = console or Console(stderr=True, soft_wrap=True)
        self.limits = Limits(
            settings.summary_min_chars,
            settings.summary_max_chars,
            placeholders=prompt_placeholders(prompts.system, prompts.template),
            title_zh=prompts.asks_title_zh,
        )
        self.stats = RunStats()
        self.total = 0  # papers this run must have a summary for
        self.kept = 0  # of which are in the cache now

    def fingerprint(self, interests: str) -> str:
        """The prompts', and [extra_body] too when set (it can change the answer, e.g. thinking
        on or off), so changing it asks again; with none set, keys stay as they were."""
        base = self.prompts.judged_fingerprint(interests) if interests else self.prompts.fingerprint
        if not self.settings.extra_body:
            return base
        extra = json.dumps(
            self.settings.extra_body, sort_keys=True, ensure_ascii=False, default=str
        )
        return hashlib.sha256(f"{base}\0{extra}".encode()).hexdigest()[:16]

    def key(self, ask: Ask) -> str:
        return cache_key(ask.paper, self.settings.model, self.fingerprint(ask.interests))

    def run(self, asks: list[Ask]) -> dict[tuple[str, str], Entry]:
        """Entries by (paper id, interests): ok from cache or model, failed when the model
        couldn't do it. A summary-only ask for a paper that is also judged borrows that answer:
        a paper in two groups costs one request."""
        started = time.monotonic()
        asks = list({ask.slot: ask for ask in asks}.values())
        entries: dict[tuple[str, str], Entry] = {}
        todo: list[Ask] = []
        for ask in asks:
            cached = self.cache.get(self.key(ask))
            if cached is None:
                todo.append(ask)
            else:
                entries[ask.slot] = _ok(ask.paper, cached)
        judged = {ask.paper.id: ask for ask in asks if ask.interests}
        borrowing = [a for a in todo if not a.interests and a.paper.id in judged]
        todo = [a for a in todo if a.interests or a.paper.id not in judged]
        self.stats.papers = self.total = len(asks)
        self.stats.cached = self.kept = len(asks) - len(todo) - len(borrowing)
        self.stats.asked, self.stats.shared = len(todo), len(borrowing)
        try:
            if todo:
                entries.update(run_stoppable(self._ask_all(todo)))
            for ask in borrowing:
                entries[ask.slot] = self._borrow(ask, entries[judged[ask.paper.id].slot])
            self.stats.failed = sum(1 for e in entries.values() if e.status == "failed")
        finally:  # a run that stops (exit 3) still says how far it got
            self.stats.seconds = time.monotonic() - started
        return entries

    def _borrow(self, ask: Ask, judged: Entry) -> Entry:
        """The summary of a judged answer, kept under the summary-only key too."""
        if judged.status != "ok" or judged.summary is None:
            return judged.model_copy(update={"score": None, "reason": None})
        summary = Summary(tags=judged.tags, summary=judged.summary, title_zh=judged.title_zh)
        return self._keep(ask, summary, fresh=False)

    async def _ask_all(self, asks: list[Ask]) -> dict[tuple[str, str], Entry]:
        # imported here: the openai SDK takes ~0.6 s to import, a cached rerun needs none of it
        from arxiv_digest.summarize.client import LLMClient

        client = LLMClient(self.settings)
        size = self.settings.batch_size
        chunks = _chunks(asks, size) if size > 1 else []
        client.first_wave = min(client.first_wave, len(chunks) or len(asks))
        results: dict[tuple[str, str], Entry] = {}
        progress = RunProgress(self.console, len(asks))

        async def one(ask: Ask) -> None:
            entry = results[ask.slot] = await self._summarize(client, ask)
            progress.advance(failed=entry.status == "failed")

        async def batch(chunk: list[Ask]) -> None:
            done, rest = await self._summarize_batch(client, chunk)
            results.update(done)
            progress.advance(len(done))
            for ask in rest:  # a bad or missing item is asked again on its own
                await one(ask)

        # every paper is a task at once: the client's gate decides how many are in flight
        try:
            with progress:
                async with asyncio.TaskGroup() as group:
                    for chunk in chunks:
                        group.create_task(batch(chunk))
                    for ask in asks if not chunks else []:
                        group.create_task(one(ask))
        except* DigestError as errors:
            raise errors.exceptions[0] from None
        finally:
            self.stats.failed = sum(1 for e in results.values() if e.status == "failed")
            self.stats.requests += client.requests
            self.stats.problems = dict(client.problems)
            self.stats.truncated = client.truncated
            self.stats.cut = client.cut
            self.stats.slow = client.watch.note()
            self.stats.budget = client.budget
            self.stats.switched = list(client.shape.switched)
            self.stats.peak_concurrency = client.gate.peak
            await client.close()
        return results

    async def _summarize(self, client: LLMClient, ask: Ask) -> Entry:
        paper, judged = ask.paper, bool(ask.interests)
        key = self.key(ask)
        messages = self.prompts.messages(paper, ask.interests)
        estimate = _estimate(messages, self.settings.max_tokens)
        try:
            completion = await self._call(client, key, paper.id, messages, estimate)
            try:
                summary = read_answer(completion.text, self.limits, judged, paper.title)
            except AnswerError as error:
                # one corrective turn: show the model its answer and what was wrong with it
                retry = [
                    *messages,
                    {"role": "assistant", "content": completion.text},
                    {"role": "user", "content": corrective_message(error, self.limits, judged)},
                ]
                completion = await self._call(client, key, paper.id, retry, estimate)
                # the last try: a title_zh still wrong is left out, the summary kept
                summary = read_answer(completion.text, self.limits, judged, paper.title, True)
        except (LLMError, AnswerError) as exc:
            reason = str(exc) if isinstance(exc, LLMError) else f"answer rejected: {exc}"
            reason = printable(reason, 1000)  # kept in JSON and the cache, printed by later runs
            self.cache.record_failure(key, paper.id, reason)
            return Entry(paper=paper, status="failed", error=reason)
        return self._keep(ask, summary)

    def _keep(self, ask: Ask, summary: Summary, fresh: bool = True) -> Entry:
        """Committed to the cache before it counts as done: a killed run loses none of it."""
        if fresh and summary.title_zh:  # its characters, and the key around them
            self.stats.title_zh_tokens += len(summary.title_zh) + 6
        fingerprint = self.fingerprint(ask.interests)
        self.cache.put(self.key(ask), ask.paper, self.settings.model, fingerprint, summary)
        self.kept += 1
        return _ok(ask.paper, summary)

    async def _summarize_batch(
        self, client: LLMClient, asks: list[Ask]
    ) -> tuple[dict[tuple[str, str], Entry], list[Ask]]:
        """One request for several papers (one group's interests); returns the good ones and
        those to ask alone."""
        papers = [ask.paper for ask in asks]
        interests = asks[0].interests
        messages = self.prompts.batch_messages(papers, interests)
        max_tokens = self.settings.max_tokens * len(papers)
        key = "batch:" + ",".join(self.key(a)[:12] for a in asks)
        ids = ",".join(p.versioned_id for p in papers)
        try:
            completion = await self._call(
                client, key, ids, messages, _estimate(messages, max_tokens), max_tokens
            )
            items = safely(extract_json, completion.text, ("papers",)).get("papers")
        except (LLMError, AnswerError):
            return {}, asks
        by_id: dict[str, object] = {}
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict):
                by_id[str(item.get("id", "")).strip("[] ")] = item
        done: dict[tuple[str, str], Entry] = {}
        rest: list[Ask] = []
        for ask in asks:
            item = by_id.get(ask.paper.versioned_id) or by_id.get(ask.paper.id)
            try:
                summary = safely(
                    check_fields, item, self.limits, bool(interests), ask.paper.title
                )
            except AnswerError:
                rest.append(ask)
                continue
            done[ask.slot] = self._keep(ask, summary)
        return done, rest

    async def _call(
        self,
        client: LLMClient,
        key: str,
        paper_id: str,
        messages: list[dict[str, str]],
        estimate: int,
        max_tokens: int | None = None,
    ) -> Completion:
        completion = await client.complete(messages, estimate, max_tokens)
        self.stats.prompt_tokens += completion.prompt_tokens
        self.stats.completion_tokens += completion.completion_tokens
        self.cache.record_call(
            key,
            paper_id,
            self.settings.model,
            "answer",
            completion.prompt_tokens,
            completion.completion_tokens,
            completion.latency,
        )
        return completion


def safely(read: Callable[..., T], *args: Any) -> T:
    """Whatever an answer holds can fail only its paper, never the run."""
    try:
        return read(*args)
    except AnswerError:
        raise
    except Exception as exc:  # RecursionError, pydantic or json internals on hostile input
        raise AnswerError(f"回答无法读取（{type(exc).__name__}）") from None


def read_answer(
    text: str, limits: Limits, judged: bool = False, title: str = "", lenient: bool = False
) -> Summary:
    return safely(check_answer, text, limits, judged, title, lenient)


def _chunks(asks: list[Ask], size: int) -> list[list[Ask]]:
    """Batches of at most size, each judged against one set of interests (one prompt)."""
    by_interests: dict[str, list[Ask]] = {}
    for ask in asks:
        by_interests.setdefault(ask.interests, []).append(ask)
    return [
        same[i : i + size] for same in by_interests.values() for i in range(0, len(same), size)
    ]


def _estimate(messages: list[dict[str, str]], max_tokens: int) -> int:
    """Tokens a request may use, for the TPM bucket: ~3 characters a token plus the bound."""
    return sum(len(m["content"]) for m in messages) // 3 + max_tokens


def _ok(paper: Paper, summary: Summary) -> Entry:
    return Entry(
        paper=paper, status="ok", tags=summary.tags, summary=summary.summary,
        score=summary.score, reason=summary.reason, title_zh=summary.title_zh,
    )  # fmt: skip
