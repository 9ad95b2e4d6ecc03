"""Pushes, after a group's digest is written: one message per notify URL, once per group and day.

Feishu/Lark and WeCom bots are recognised by their webhook's path (feishu.py, wecom.py, small
httpx senders); any other URL goes through apprise (other.py). A push is an extra: its failure
is a warning naming the channel (never its token), recorded so that the next run tries again,
and it never changes the exit code or touches the digest.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from arxiv_digest.config import Settings
from arxiv_digest.errors import InputError, StorageError
from arxiv_digest.models import Digest
from arxiv_digest.publish import feishu, other, wecom
from arxiv_digest.publish.ledger import Ledger
from arxiv_digest.publish.message import Brief, PushError, make_brief
from arxiv_digest.render.links import Links
from arxiv_digest.storage import NotADigest, digest_paths, load_digest

ATTEMPTS = 3  # per push and run; then the next run tries again
OWED_DAYS = 7  # a failed push is tried again by the runs of the week after
TIMEOUT = 20.0


@dataclass(frozen=True)
class Sent:
    """One push's outcome, for the log and the job summary."""

    group: str
    day: dt.date
    channel: str
    ok: bool
    detail: str = ""

    @property
    def where(self) -> str:
        return f"{self.group} {self.day.isoformat()} → {self.channel}"

    def line(self) -> str:
        if self.ok:
            return f"pushed {self.where}"
        return f"push {self.where} failed: {self.detail}; tried again on the next run"


def channel(url: str) -> str:
    """A name for the user that holds no token: Feishu and WeCom with their host, apprise's
    services by scheme (a Telegram URL's host is its bot token)."""
    parts = urlsplit(url)
    if feishu.is_feishu(url):
        return f"Feishu/Lark bot ({parts.hostname})"
    if wecom.is_wecom(url):
        return f"WeCom bot ({parts.hostname})"
    return f"{other.scheme(url)}://"


def redact(text: str, url: str) -> str:
    """Every secret-looking piece of the URL (path segments, query values, user, password)
    taken out of a message, whatever a server or library echoed back."""
    parts = urlsplit(url)
    pieces = [p for p in parts.path.split("/") if p]
    pieces += [v for _, v in parse_qsl(parts.query)] + [parts.username or "", parts.password or ""]
    if not (feishu.is_feishu(url) or wecom.is_wecom(url)):
        pieces.append(parts.hostname or "")  # tgram://TOKEN/…, pushplus://TOKEN …
    for piece in sorted({p for p in pieces if len(p) >= 4}, key=len, reverse=True):
        text = text.replace(piece, "***")
    return text


def notify_urls(settings: Settings, group_urls: list[str]) -> list[str]:
    return list(dict.fromkeys(u.strip() for u in [*group_urls, *settings.notify] if u.strip()))


def publish(
    digests: list[Digest], settings: Settings, links: Links, warn: Callable[[str], None],
    tell: Callable[[str], None] = print, pause: Callable[[float], None] = time.sleep,
) -> list[Sent]:  # fmt: skip
    """Sends what is owed: the digests written now, and earlier pushes that failed; each
    outcome told (a failure as a warning)."""
    if not settings.notify and not any(
        g.notify for g in [*settings.groups, *(d.group for d in digests)]
    ):
        return []  # nothing configured: not even the ledger is opened
    try:
        ledger = Ledger(settings.cache)
    except (sqlite3.Error, OSError, StorageError) as exc:
        warn(f"cannot record pushes in {settings.cache} ({exc}); nothing pushed this run")
        return []
    try:
        done, stopped = _publish(digests, settings, links, ledger, pause)
    except sqlite3.Error as exc:  # reading the ledger, before anything was sent
        warn(f"cannot read the pushes recorded in {settings.cache} ({exc}); nothing pushed")
        return []
    except OSError as exc:  # httpx's set-up: SSL_CERT_FILE names no usable certificates
        certs = os.environ.get("SSL_CERT_FILE")
        named = f"SSL_CERT_FILE={certs}: " if certs else ""
        warn(f"nothing pushed: cannot set up HTTPS ({named}{exc})")
        return []
    finally:
        ledger.close()
    for sent in done:
        (tell if sent.ok else warn)(sent.line())
    if stopped:
        warn(stopped)
    return done


def _publish(
    digests: list[Digest], settings: Settings, links: Links, ledger: Ledger,
    pause: Callable[[float], None],
) -> tuple[list[Sent], str]:  # fmt: skip
    """The pushes owed, each recorded as soon as it is tried; and why they stopped, if a push
    could not be recorded: every later one would go unrecorded too, and be sent again by
    every run after."""
    import httpx

    owed = _owed(digests, settings, ledger)
    done: list[Sent] = []
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
        for n, (digest, url) in enumerate(owed, start=1):
            brief = make_brief(digest, links)
            ok, detail = _try(url, brief, client, settings.retry_backoff, pause)
            sent = Sent(digest.group.name, digest.date, channel(url), ok, redact(detail, url))
            done.append(sent)
            try:
                ledger.record(sent.group, sent.day, url, ok, sent.detail)
            except sqlite3.Error as exc:
                if not ok:
                    done.pop()  # its line would promise a retry that nothing remembers
                then = (
                    "the next run may send it again"
                    if ok
                    else f"it failed ({sent.detail}) and the next run will not try it again"
                )
                left = f"; pushes stopped, {len(owed) - n} more not sent" if n < len(owed) else ""
                return done, (
                    f"cannot record the push of {sent.where} in {settings.cache} ({exc}): "
                    f"{then}{left}"
                )
    return done, ""


def _owed(digests: list[Digest], settings: Settings, ledger: Ledger) -> list[tuple[Digest, str]]:
    """(digest, url) pairs not yet sent: this run's digests, then earlier days' failures whose
    URL is still configured."""
    owed: list[tuple[Digest, str]] = []
    for digest in digests:
        for url in notify_urls(settings, digest.group.notify):
            if not ledger.sent(digest.group.name, digest.date, url):
                owed.append((digest, url))
    seen = {(d.group.name, d.date) for d in digests}
    groups = {g.name: g for g in settings.groups}
    for name, day in ledger.owed(OWED_DAYS):
        group = groups.get(name)
        digest = _load(settings.output, day, name) if (name, day) not in seen else None
        if digest is None:
            continue
        for url in notify_urls(settings, group.notify if group else []):
            if not ledger.sent(name, day, url):  # the configured URLs of today, fixed ones too
                owed.append((digest.model_copy(update={"group": group or digest.group}), url))
    return owed


def _load(output: Path, day: dt.date, group: str) -> Digest | None:
    try:
        return load_digest(digest_paths(output, day, group)[1])
    except (OSError, NotADigest, InputError):  # gone, not ours any more, or never a file name
        return None


def _try(
    url: str, brief: Brief, client: object, backoff: float, pause: Callable[[float], None]
) -> tuple[bool, str]:
    import httpx

    assert isinstance(client, httpx.Client)
    detail = ""
    for attempt in range(ATTEMPTS):
        if attempt:
            pause(backoff * 2 ** (attempt - 1))
        try:
            if feishu.is_feishu(url):
                feishu.send(url, brief, client)
            elif wecom.is_wecom(url):
                wecom.send(url, brief, client)
            else:
                other.send(url, brief)
            return True, ""
        except PushError as exc:
            detail = str(exc)
        except httpx.HTTPError as exc:
            detail = f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # a library's own fault must not cost the run
            detail = f"{type(exc).__name__}: {exc}"
    return False, detail
