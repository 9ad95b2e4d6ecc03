"""WeCom (企业微信) group bots: one markdown message.

Facts as WeCom's group-bot guide gives them (checked 2026-11-27): POST to
``/cgi-bin/webhook/send?key=<key>`` with ``{"msgtype": "markdown", "markdown": {"content": …}}``;
content at most 4096 bytes of UTF-8; the answer is ``{"errcode": 0, "errmsg": "ok"}`` on success,
and an error also comes with HTTP 200 (93000 invalid webhook url, 45009 too many requests).
"""

from __future__ import annotations

import httpx

from arxiv_digest.publish.message import Brief, PushError, fit, markdown, utf8_size

PATH = "/cgi-bin/webhook/send"
MAX_BYTES = 4096


def is_wecom(url: str) -> bool:
    from urllib.parse import parse_qs, urlsplit

    parts = urlsplit(url)
    return parts.path.rstrip("/") == PATH and "key" in parse_qs(parts.query)


def content(brief: Brief) -> str:
    return fit(lambda items, cut: markdown(brief, items, cut), brief.items, MAX_BYTES, utf8_size)


def send(url: str, brief: Brief, client: httpx.Client) -> None:
    body = {"msgtype": "markdown", "markdown": {"content": content(brief)}}
    response = client.post(url, json=body)
    try:
        answer = response.json()
    except ValueError:
        raise PushError(f"HTTP {response.status_code}, not a JSON answer") from None
    code = answer.get("errcode") if isinstance(answer, dict) else None
    if code != 0:
        message = answer.get("errmsg", "") if isinstance(answer, dict) else ""
        raise PushError(f"HTTP {response.status_code}, errcode {code}: {str(message)[:200]}")
