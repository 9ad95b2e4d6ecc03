"""What a run was asked for: the command line's request, and the groups it names (configured,
ad hoc from -c, or the one a saved feed names), checked before anything is
downloaded or paid for."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from arxiv_digest.categories import group_title, validate_categories
from arxiv_digest.config import Settings
from arxiv_digest.errors import ConfigError, InputError
from arxiv_digest.models import Group, Listing
from arxiv_digest.sources.feed import parse_feed
from arxiv_digest.storage import MAX_GROUP_NAME
from arxiv_digest.untrusted import MAX_FEED_BYTES


@dataclass
class Request:
    """What the user asked for on the command line."""

    categories: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    feed: Path | None = None
    date: dt.date | None = None
    no_llm: bool = False
    no_enrich: bool = False
    force: bool = False



def adhoc_group(categories: list[str], settings: Settings) -> Group:
    return Group(
        name="+".join(categories),
        title=group_title(categories, settings.names),
        categories=categories,
        title_zh=settings.title_zh,
        overview=settings.overview,
    )


def resolve_groups(settings: Settings, request: Request, feed: Listing | None) -> list[Group]:
    """-c makes an ad-hoc group; -g picks configured ones; --feed alone names its own."""
    if request.categories:
        groups = [adhoc_group(request.categories, settings)]
    elif request.groups:
        known = {g.name: g for g in settings.groups}
        missing = [name for name in request.groups if name not in known]
        if missing:
            raise ConfigError(
                f"no group named {', '.join(missing)} in the config "
                f"(known: {', '.join(known) or 'none'})"
            )
        groups = [known[name] for name in request.groups]
    elif feed is not None:
        same = [g for g in settings.groups if sorted(g.categories) == sorted(feed.categories)]
        groups = same[:1] or [adhoc_group(feed.categories, settings)]
    else:
        groups = list(settings.groups)
    if not groups:
        raise ConfigError(
            "no groups to publish: add [[groups]] to arxiv-digest.toml or pass -c CATEGORY"
        )
    if feed is not None and len(groups) > 1:
        raise InputError("--feed holds one listing: name one group with -g or -c")
    for group in groups:
        validate_categories(group.categories, settings.names)
        if len(group.name) > MAX_GROUP_NAME:  # checked before anything is downloaded or paid for
            raise InputError(
                f"{len(group.categories)} categories make the file name {group.name[:40]}… "
                f"{len(group.name)} characters long (at most {MAX_GROUP_NAME}); put them in a "
                "[[groups]] entry with a short name in arxiv-digest.toml and use -g NAME"
            )
    return groups


def read_feed_file(path: Path) -> Listing:
    """At most MAX_FEED_BYTES, as a downloaded feed: `--feed /dev/zero` must not fill memory."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_FEED_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read feed {path}: {exc.strerror or exc}") from exc
    if len(data) > MAX_FEED_BYTES:
        raise InputError(
            f"feed {path} is larger than {MAX_FEED_BYTES // 2**20} MB; arXiv's daily feeds are "
            "a few MB"
        )
    return parse_feed(data, source=str(path))
