"""Every other channel through apprise (the optional extra ``arxiv-digest[notify]``): e-mail
with an HTML part, Telegram, Slack, Discord, DingTalk, ServerChan, PushPlus, JSON …

Each service's own size limit comes from apprise (its ``body_maxlen``, checked 2026-11-27 with
apprise 2.3: Telegram 4096, Discord 2000, DingTalk 19985, Slack 35000 characters); e-mail is
kept under 100 KB so that Gmail shows it whole (it clips a message past 102 KB).
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from arxiv_digest.publish.message import (
    Brief,
    PushError,
    fit,
    html_body,
    markdown,
    utf8_size,
)

EMAIL = ("mailto", "mailtos")
EMAIL_BYTES = 100_000
NOTIFY_EXTRA = "pip install 'arxiv-digest[notify]'"


def scheme(url: str) -> str:
    return urlsplit(url).scheme.lower() or "?"


def send(url: str, brief: Brief) -> None:
    try:
        import apprise
    except ImportError:
        raise PushError(f"{scheme(url)}:// pushes need apprise: {NOTIFY_EXTRA}") from None
    service = apprise.Apprise.instantiate(url)
    if service is None:
        raise PushError(f"apprise does not understand this {scheme(url)}:// URL")
    notifier = apprise.Apprise()
    notifier.add(service)
    if scheme(url) in EMAIL:
        body = fit(lambda i, c: html_body(brief, i, c), brief.items, EMAIL_BYTES, utf8_size)
        kind = apprise.NotifyFormat.HTML
    else:
        limit = int(getattr(service, "body_maxlen", 0) or 4096)
        body = fit(lambda i, c: markdown(brief, i, c), brief.items, limit)
        kind = apprise.NotifyFormat.MARKDOWN
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as log:
        ok = notifier.notify(title=brief.heading, body=body, body_format=kind)
    if not ok:
        lines = [line.strip() for line in log.getvalue().splitlines() if line.strip()]
        raise PushError(lines[-1][:300] if lines else "apprise could not deliver it")
