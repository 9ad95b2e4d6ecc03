"""One daily run: feeds → selection → comments → summaries → files. Data flows one way."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from arxiv_digest.annotate import Annotator
from arxiv_digest.config import Settings, placeholder_key
from arxiv_digest.errors import ApiError, ConfigError, FetchError
from arxiv_digest.lines import say
from arxiv_digest.models import Ask, Digest, Entry, Group, Listing, Paper
from arxiv_digest.publish import Sent, publish
from arxiv_digest.rank import revised
from arxiv_digest.render.feed import write_feeds
from arxiv_digest.render.index import write_index
from arxiv_digest.render.links import Links
from arxiv_digest.render.markdown import render_digest
from arxiv_digest.request import Request, read_feed_file, resolve_groups
from arxiv_digest.select import select
from arxiv_digest.sources.api import ExportApi, clipped, enrich
from arxiv_digest.sources.feed import feed_url, fetch_feed, parse_feed
from arxiv_digest.sources.http import HttpFetcher
from arxiv_digest.storage import (
    last_published,
    recent_digests,
    run_lock,
    write_digest,
)
from arxiv_digest.summarize.cache import SummaryCache
from arxiv_digest.summarize.overview import with_overviews
from arxiv_digest.summarize.prompts import Prompts, find_prompts_dir

if TYPE_CHECKING:
    from arxiv_digest.summarize.model_choice import Choice
    from arxiv_digest.summarize.runner import Summarizer


@dataclass
class Job:
    """One group's day: what it will publish."""

    group: Group
    listing: Listing
    papers: list[Paper]

    @property
    def date(self) -> dt.date:
        return self.listing.date


@dataclass
class Outcome:
    written: list[Path] = field(default_factory=list)
    failed: list[Entry] = field(default_factory=list)
    digests: list[tuple[Digest, Path]] = field(default_factory=list)  # written, with the .md
    healed: list[tuple[Digest, int]] = field(default_factory=list)  # earlier days, papers fixed
    unreachable: list[str] = field(default_factory=list)  # groups whose feed could not be had
    pushes: list[Sent] = field(default_factory=list)  # sent or failed: never the exit code

    @property
    def exit_code(self) -> int:
        if self.unreachable:
            return 3
        return 1 if self.failed else 0


HEAL_DAYS = 7  # how far back failed papers are asked again


def _healed(
    entry: Entry, summaries: dict[tuple[str, str], Entry], group: Group, title_zh: bool
) -> Entry:
    """The failed entry with this run's answer, when it was for the very same version; the
    day's relevance and first publication stay, unless the model has now judged it; its
    中文标题 only where the group (as configured now) shows them."""
    new = summaries.get((entry.paper.id, group.judged))
    if entry.status != "failed" or new is None or new.paper != entry.paper:
        return entry
    update: dict[str, object] = {"first_seen": entry.first_seen}
    if not title_zh:
        update["title_zh"] = None
    if new.score is None:
        update.update(score=entry.score, reason=entry.reason)
    elif entry.paper.section == "replaced":
        update.update(revised(new.score, new.reason, group.replaced_weight))
    return new.model_copy(update=update)


class Pipeline:
    """Runs one request with one HTTP client, one LLM pool and one cache for all groups."""

    def __init__(self, settings: Settings, console: Console, http: HttpFetcher | None = None):
        self.settings = settings
        self.console = console
        self._http = http
        self.summarizer: Summarizer | None = None
        self.choice: Choice | None = None  # the model asked and why, once decided
        self.outcome = Outcome()  # filled as the run goes: what a failed run still got done
        self._feeds: dict[str, Listing | FetchError] = {}  # by URL, for this run

    @property
    def links(self) -> Links:
        """Where feeds and pushes send readers: site_url, else the digest on GitHub."""
        return Links.make(self.settings.site_url, self.settings.output, os.environ)

    @property
    def http(self) -> HttpFetcher:
        """Made on first use: a run from a saved feed without comments never opens one."""
        if self._http is None:
            total = self.settings.fetch_timeout
            self._http = HttpFetcher(timeout=min(30.0, total), total=total, on_retry=self._say)
        return self._http

    def run(self, request: Request) -> Outcome:
        """The whole day under a lock next to the cache: a second run waits, then gives up, so
        no paper is ever asked twice and no digest written by two runs at once."""
        if request.no_llm:
            return self._publish(self._run(request))  # no cache, no calls: nothing to share
        lock = self.settings.cache.with_name(self.settings.cache.name + ".lock")
        with run_lock(lock, self.settings.lock_wait, self._say):
            return self._publish(self._run(request))

    def _publish(self, outcome: Outcome) -> Outcome:
        """Pushes (publish/) for the days written now, and those a failed push still owes,
        also when nothing new was written."""
        healed = {(digest.date, digest.group.name) for digest, _ in outcome.healed}
        fresh = [d for d, _ in outcome.digests if (d.date, d.group.name) not in healed]
        outcome.pushes = publish(fresh, self.settings, self.links, self._say, self._print)
        return outcome

    def _say(self, text: str) -> None:
        self._print(text, "yellow")

    def _warn(self, text: str) -> None:
        self._print(text, "yellow", "warning:")

    def _print(self, text: str, style: str = "", label: str = "") -> None:
        say(self.console, text, style, label)

    def llm_report(self) -> tuple[str, list[str]]:
        """The end-of-run LLM line and advice, once papers were asked ("" when none were); a
        model's coming shutdown on every run."""
        warnings = list(self.choice.warnings) if self.choice is not None else []
        if self.summarizer is None or not self.summarizer.stats.papers:
            return "", warnings
        stats = self.summarizer.stats
        return stats.line(self.settings), stats.advice(self.settings) + warnings

    def model_line(self) -> str:
        """Which model the run asks and why ("" before it is decided)."""
        return self.choice.line() if self.choice is not None else ""

    def progress(self) -> tuple[int, int]:
        """(papers with a summary cached, papers to summarize) so far, for an interrupted run."""
        if self.summarizer is None:
            return 0, 0
        return self.summarizer.kept, self.summarizer.total

    def _run(self, request: Request) -> Outcome:
        if not request.no_llm:
            self.summarizer = self._summarizer()
        feed = read_feed_file(request.feed) if request.feed else None
        groups = resolve_groups(self.settings, request, feed)
        outcome = self.outcome
        jobs = []
        for group in groups:  # one group's feed failing does not stop the others
            try:
                jobs.append(self._job(group, feed))
            except FetchError as exc:
                self._print(f"{exc}; the other groups go on", "red", "error:")
                outcome.unreachable.append(f"{group.name}: {exc}")
        jobs = [job for job in jobs if self._worth_publishing(job, request)]
        sick = self._failed_days(jobs, request) if self.summarizer is not None else []
        if not jobs and not sick:
            return outcome
        if jobs and not request.no_enrich:
            self._enrich(jobs)
        summaries = self._summarize(jobs, sick, request)
        digests = []
        with Annotator(
            self.settings, lambda: self.http, self._say, request.no_enrich, request.no_llm
        ) as notes:
            for job in jobs:
                date = request.date or job.date
                entries = [summaries[(paper.id, job.group.judged)] for paper in job.papers]
                entries = notes.annotate(job.group, job.papers, entries, date, job.listing.papers)
                digests.append(Digest(date=date, group=job.group, entries=entries,
                                      searched=notes.searched.get(job.group.name, [])))  # fmt: skip
        if self.summarizer is not None:  # 今日概览: an extra, left out with a warning
            digests = with_overviews(digests, self.summarizer, self.settings, self._say)
        for digest in digests:
            md_path, _ = self._write(digest, outcome)
            stats = digest.stats
            self._print(  # say() escapes and keeps it one line
                f"{digest.group.name}: {stats['new']} new, {stats['replaced']} replaced → "
                f"{md_path}{notes.notes.get(digest.group.name, '')}"
            )
        for digest in sick:
            zh = self._shows_title_zh(digest.group.name)
            entries = [_healed(e, summaries, digest.group, zh) for e in digest.entries]
            healed = digest.model_copy(update={"entries": entries})
            fixed = len(digest.failed) - len(healed.failed)
            if fixed:
                self._write(healed, outcome)
                outcome.healed.append((healed, fixed))
                self._print(
                    f"{healed.group.name} {healed.date}: {fixed} papers that had failed now "
                    "summarized; day rewritten"
                )
            else:
                outcome.failed += healed.failed
        write_feeds(self.settings.output, [digest for digest, _ in outcome.digests], self.links)
        write_index(self.settings.output, self._warn)
        return outcome

    def _shows_title_zh(self, group: str) -> bool:
        known = {g.name: g.title_zh for g in self.settings.groups}
        return known.get(group, self.settings.title_zh)

    def _write(self, digest: Digest, outcome: Outcome) -> tuple[Path, Path]:
        md_path, json_path = write_digest(self.settings.output, digest, render_digest(digest))
        outcome.written += [md_path, json_path]
        outcome.digests.append((digest, md_path))
        outcome.failed += digest.failed
        return md_path, json_path

    def _failed_days(self, jobs: list[Job], request: Request) -> list[Digest]:
        """Digests of the last HEAL_DAYS days with papers still marked failed, so that
        "下次运行时重试" holds: their papers are asked again in this run's pool."""
        writing = {((request.date or job.date), job.group.name) for job in jobs}
        newest = max((d for d, _ in writing), default=dt.datetime.now(dt.UTC).date())
        return [
            digest
            for digest in recent_digests(self.settings.output, newest, HEAL_DAYS, self._warn)
            if digest.failed and (digest.date, digest.group.name) not in writing
        ]

    def _summarizer(self) -> Summarizer:
        """Checked before any download, so a bad setup fails fast and costs nothing."""
        if self.settings.api_key is None:
            raise ConfigError(
                "no API key: set OPENAI_API_KEY (and OPENAI_BASE_URL for other endpoints), "
                "or pass --no-llm"
            )
        if problem := placeholder_key(self.settings.api_key):
            raise ConfigError(problem)
        from arxiv_digest.summarize.model_choice import decide
        from arxiv_digest.summarize.runner import Summarizer  # openai is slow to import

        prompts = Prompts.load(find_prompts_dir(self.settings.prompts_dir))
        cache = SummaryCache(self.settings.cache)
        if cache.moved_aside is not None:
            self._print(
                f"the summary cache {cache.path} was not a database; moved it to "
                f"{cache.moved_aside} and started a new one", "yellow", "warning:"
            )
        self.choice = decide(self.settings, cache)  # GET /models at most once a day
        for warning in self.choice.warnings:
            self._say(f"warning: {warning}")
        return Summarizer(self.settings, prompts, cache, self.console)

    def _listing(self, categories: list[str]) -> Listing:
        """Each feed URL downloaded once a run, however many groups read it (or its failure)."""
        url = feed_url(self.settings.rss_url, categories)
        if url not in self._feeds:
            try:
                data = fetch_feed(self.http, self.settings.rss_url, categories)
                self._feeds[url] = listing = parse_feed(data, f"feed {'+'.join(categories)}")
                self._notes(listing)
            except FetchError as exc:
                self._feeds[url] = exc
        found = self._feeds[url]
        if isinstance(found, FetchError):
            raise found
        return found

    def _job(self, group: Group, feed: Listing | None) -> Job:
        if feed is None:
            listing = self._listing(group.categories)
        else:
            listing = feed
            self._notes(listing)
        return Job(group=group, listing=listing, papers=select(listing.papers, group))

    def _notes(self, listing: Listing) -> None:
        for note in listing.skipped:
            self._print(f"skipped {note}", "yellow", "warning:")
        for note in listing.clipped:
            self._print(note, "yellow", "warning:")

    def _worth_publishing(self, job: Job, request: Request) -> bool:
        date = request.date or job.date
        if not job.papers:
            why = "no announcements" if not job.listing.papers else "no papers match the keywords"
            self._print(f"{why} for {job.group.name} on {date}: nothing written")
            return False
        if request.force:
            return True
        previous = last_published(self.settings.output, job.group.name, date, self._warn)
        if previous is not None and {e.paper.versioned_id for e in previous.entries} == {
            p.versioned_id for p in job.papers
        }:
            self._print(
                f"{job.group.name}: this announcement was already published on "
                f"{previous.date} (arXiv served a stale feed?); nothing written, "
                "--force to override"
            )
            return False
        return True

    def _enrich(self, jobs: list[Job]) -> None:
        api = ExportApi(self.http, self.settings.api_url)
        ids = [paper.id for job in jobs for paper in job.papers]
        batches = -(-len(set(ids)) // api.batch_size)
        if batches > 1:
            self._print(
                f"fetching comments for {len(set(ids))} papers from the export API "
                f"({batches} requests, {api.interval:g} s apart as arXiv asks)"
            )
        try:
            metadata = api.lookup(ids)
        except ApiError as exc:
            self._print(f"{exc}; the digest goes on without 备注", "yellow", "warning:")
            return
        for note in clipped(metadata):
            self._warn(note)
        for job in jobs:
            job.papers = enrich(job.papers, metadata)

    def _summarize(
        self, jobs: list[Job], sick: list[Digest], request: Request
    ) -> dict[tuple[str, str], Entry]:
        """Entries by (paper id, the interests the model judged it against, "" for none)."""
        asks = [Ask(paper=e.paper, interests=d.group.judged) for d in sick for e in d.failed]
        asks += [Ask(paper=p, interests=job.group.judged) for job in jobs for p in job.papers]
        if self.summarizer is None:
            return {a.slot: Entry(paper=a.paper, status="skipped") for a in asks}
        entries = self.summarizer.run(asks)
        stats = self.summarizer.stats
        self._print(stats.line(self.settings))
        for note in stats.advice(self.settings):
            self._print(note, "yellow", "note:")
        return entries
