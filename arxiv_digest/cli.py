"""The command line: `arxiv-digest summarize` and the small commands around it."""

from __future__ import annotations

import contextlib
import datetime as dt
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from arxiv_digest import __version__
from arxiv_digest.categories import matching
from arxiv_digest.config import load_settings
from arxiv_digest.errors import DigestError, InputError
from arxiv_digest.lines import Unbroken, echo, say
from arxiv_digest.pipeline import Pipeline, Request
from arxiv_digest.render.index import write_index
from arxiv_digest.render.markdown import render_digest
from arxiv_digest.report import RunReport, failure_lines, write_job_summary
from arxiv_digest.storage import atomic_write, check_output, try_load
from arxiv_digest.summarize.cache import SummaryCache
from arxiv_digest.untrusted import valid_day

app = typer.Typer(
    help="Turn each weekday's arXiv announcements into a Chinese digest (Markdown + JSON).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
# a log line stays one line; a reader that went away (stderr piped to a closed reader) must not
# end the run before the digest is written
console = Console(file=Unbroken("stderr"), highlight=False, soft_wrap=True)


def fail(exc: DigestError) -> typer.Exit:
    say(console, str(exc), "red", "error:")
    return typer.Exit(exc.exit_code)


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP (a closed terminal or SSH session), raised where the program is, like
    Ctrl-C: a run stops the same way for all three, temp files removed, cache kept."""

    def __init__(self, signum: int = signal.SIGTERM) -> None:
        super().__init__(signum)
        self.code = 128 + signum  # 143 for SIGTERM, 129 for SIGHUP


@contextlib.contextmanager
def interrupts() -> Iterator[None]:
    def terminate(signum: int, frame: object) -> None:
        raise Terminated(signum)

    previous = {sig: signal.signal(sig, terminate) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date like 2025-04-28") from None
    if not valid_day(day):
        raise typer.BadParameter(f"{value!r} is before arXiv began (1991) or too far ahead")
    return day


@app.command()
def summarize(
    group: Annotated[
        list[str] | None,
        typer.Option("-g", "--group", help="Only this configured group (repeatable)."),
    ] = None,
    category: Annotated[
        list[str] | None,
        typer.Option(
            "-c", "--category", help="An ad-hoc group from these categories (repeatable)."
        ),
    ] = None,
    feed: Annotated[
        Path | None, typer.Option("--feed", help="Read the listing from a saved RSS file.")
    ] = None,
    date: Annotated[
        str | None, typer.Option("--date", help="Folder name YYYY-MM-DD; default: the feed's date.")
    ] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Default ./output.")] = None,
    no_llm: Annotated[
        bool, typer.Option("--no-llm", help="No 简介/标签; no endpoint needed.")
    ] = False,
    no_enrich: Annotated[
        bool, typer.Option("--no-enrich", help="Skip the export API (no 备注).")
    ] = False,
    model: Annotated[str | None, typer.Option("--model", help="LLM model name.")] = None,
    concurrency: Annotated[
        str | None,
        typer.Option(
            "--concurrency", help="Parallel LLM requests: auto (default, adapts) or a number."
        ),
    ] = None,
    rpm: Annotated[int | None, typer.Option("--rpm", help="Requests per minute cap.")] = None,
    batch_size: Annotated[
        int | None,
        typer.Option("--batch-size", help="Papers per request (default 1: one each)."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Write even if this announcement was published.")
    ] = False,
    config: Annotated[
        Path | None, typer.Option("--config", help="Default ./arxiv-digest.toml when present.")
    ] = None,
) -> None:
    """Fetch today's listings, summarize each paper, write output/DATE/GROUP.md and .json."""
    request = Request(
        categories=category or [],
        groups=group or [],
        feed=feed,
        date=parse_date(date),
        no_llm=no_llm,
        no_enrich=no_enrich,
        force=force,
    )
    pipeline: Pipeline | None = None
    report = RunReport(code=0)
    try:
        with interrupts():
            settings = load_settings(
                config,
                output=output,
                model=model,
                concurrency=concurrency,
                rpm=rpm,
                batch_size=batch_size,
            )
            pipeline = Pipeline(settings, console)
            report.code = pipeline.run(request).exit_code
        for line in failure_lines(pipeline.outcome.failed):
            say(console, line)
    except DigestError as exc:
        report.code, report.error = exc.exit_code, str(exc)
        if exc.exit_code == 3 and pipeline is not None:  # how far the run got before it stopped
            line = pipeline.llm_report()[0]
            if line:
                console.print(line, markup=False, soft_wrap=True)
        fail(exc)
    except KeyboardInterrupt as exc:
        done, total = pipeline.progress() if pipeline is not None else (0, 0)
        what = f"{done} of {total} summarized and cached" if total else "nothing summarized yet"
        report.error = f"interrupted: {what}; run again to finish"
        report.code = exc.code if isinstance(exc, Terminated) else 130
        say(console, report.error)
    if pipeline is not None:
        report.outcome = pipeline.outcome
        report.stats_line, report.advice = pipeline.llm_report()
        report.model = pipeline.model_line()
    write_job_summary(report)
    raise typer.Exit(report.code)


@app.command()
def doctor(
    config: Annotated[
        Path | None, typer.Option("--config", help="Default ./arxiv-digest.toml when present.")
    ] = None,
) -> None:
    """Check the setup end to end: config, key, arXiv, endpoint, model, JSON mode, one paper."""
    from arxiv_digest.doctor import Doctor

    healthy = Doctor(config, lambda check: echo(check.line())).run()
    echo("all checks passed" if healthy else "some checks failed: see the ✗ lines")
    raise typer.Exit(0 if healthy else 1)


def warn(text: str) -> None:
    say(console, text, "yellow", "warning:")


OutputOption = Annotated[Path, typer.Option("-o", "--output", help="The output folder.")]


@app.command()
def render(
    date: Annotated[str, typer.Argument(help="The day to re-render, YYYY-MM-DD.")],
    group: Annotated[
        list[str] | None, typer.Option("-g", "--group", help="Only this group (repeatable).")
    ] = None,
    output: OutputOption = Path("output"),
) -> None:
    """Rewrite a day's Markdown from its JSON (after a renderer update), no network needed."""
    folder = output / (parse_date(date) or dt.date.min).isoformat()
    paths = sorted(folder.glob("*.json"))
    if not paths:
        raise fail(InputError(f"no digests in {folder}"))
    if group:
        missing = [name for name in group if name not in {p.stem for p in paths}]
        if missing:
            there = ", ".join(p.stem for p in paths)
            raise fail(InputError(f"no digest for group {', '.join(missing)} in {folder} "
                                  f"(there: {there})"))
        paths = [p for p in paths if p.stem in group]
    try:
        check_output(output, folder)
        rendered = 0
        for path in paths:
            digest = try_load(path, warn)  # not ours, or damaged: named, and left alone
            if digest is None:
                continue
            atomic_write(path.with_suffix(".md"), render_digest(digest))
            say(console, f"rendered {path.with_suffix('.md')}")
            rendered += 1
        write_index(output, warn)
    except DigestError as exc:
        raise fail(exc) from None
    if rendered < len(paths):
        raise typer.Exit(InputError.exit_code)


@app.command()
def index(output: OutputOption = Path("output")) -> None:
    """Rebuild output/README.md, the index of days, from what is on disk."""
    try:
        say(console, f"wrote {write_index(output, warn)}")
    except DigestError as exc:
        raise fail(exc) from None


@app.command()
def site(
    output: OutputOption = Path("output"),
    dest: Annotated[
        Path, typer.Option("--dest", help="Where the site goes (replaced whole); default ./_site.")
    ] = Path("_site"),
) -> None:
    """Build the web reader from the output folder's JSON: static pages, search, no server."""
    from arxiv_digest.site.build import build_site

    try:
        built = build_site(output, dest, lambda line: say(console, line))
    except DigestError as exc:
        raise fail(exc) from None
    say(
        console,
        f"wrote {dest}: {built.pages} pages ({built.rendered} rendered, the rest kept from the "
        f"last build), {built.papers} papers, search: {built.search} ({built.seconds:.1f} s)",
    )


@app.command("cache-stats")
def cache_stats(config: Annotated[Path | None, typer.Option("--config")] = None) -> None:
    """How many summaries are cached, calls made, tokens used, papers still failing."""
    try:
        settings = load_settings(config)
        cache = SummaryCache(settings.cache)
        stats = cache.stats()
        reasons = cache.failure_reasons()
        cache.close()
    except DigestError as exc:
        raise fail(exc) from None
    echo(
        f"cache {stats.path}: {stats.summaries} summaries, {stats.calls} calls, "
        f"{stats.prompt_tokens} prompt / {stats.completion_tokens} completion tokens, "
        f"{stats.failures} papers failing"
    )
    for reason, count in reasons:
        echo(f"  {count:>5} failing: {reason}")


@app.command()
def categories(
    prefix: Annotated[str, typer.Argument(help="Only categories starting with this.")] = "",
) -> None:
    """The arXiv categories and the Chinese names used for ad-hoc -c groups."""
    found = matching(prefix)
    if not found:
        say(console, f"no arXiv category starts with {prefix!r}")
        raise typer.Exit(1)
    for code, name in found.items():
        echo(f"{code:20} {name}")


def show_version(value: bool) -> None:
    if value:
        typer.echo(f"arxiv-digest {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=show_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """arxiv-digest: the day's arXiv announcements as a Chinese digest."""
