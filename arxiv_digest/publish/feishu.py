"""Feishu / Lark custom bots: an interactive card, signed when the URL carries ``secret=``.

Facts as Feishu's custom-bot guide gives them (checked 2026-11-27): the webhook path is
``/open-apis/bot/v2/hook/<token>``; a signed bot wants ``timestamp`` (seconds) and ``sign`` =
base64(HMAC-SHA256 with key ``"{timestamp}\\n{secret}"`` over an empty message) in the body; the
answer is JSON whose ``code`` is 0 on success; an error still comes with HTTP 200, e.g.
``{"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current
time"}``; a request body may be at most 20 KB.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from arxiv_digest.publish.message import Brief, Item, PushError, fit, md_text, utf8_size

PATH = re.compile(r"/open-apis/bot/v2/hook/[^/]+/?$")
MAX_BYTES = 20_000


def is_feishu(url: str) -> bool:
    return bool(PATH.search(urlsplit(url).path))


def sign(secret: str, timestamp: int) -> str:
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def card(brief: Brief, items: list[Item], cut: bool) -> dict[str, Any]:
    elements: list[dict[str, Any]] = [_md(f"{md_text(brief.categories)} · {brief.counts}")]
    if brief.overview:
        elements.append(_md(f"**今日概览：**{md_text(brief.overview, model=True)}"))
    if items:
        lines = [f"**{brief.list_title}**"]
        for n, item in enumerate(items, start=1):
            zh = f"**{md_text(item.title_zh, model=True)}** ｜ " if item.title_zh else ""
            score = f" — {item.score} 分" if item.score is not None else ""
            reason = f"，{md_text(item.reason, model=True)}" if item.reason else ""
            lines.append(
                f"{n}. [{item.label}]({item.url}) {zh}{md_text(item.title)}{score}{reason}"
            )
        elements += [{"tag": "hr"}, _md("\n".join(lines))]
    if brief.digest_url:
        button = {
            "tag": "button",
            "text": {"tag": "plain_text", "content": "…完整列表" if cut else "查看完整日报"},
            "url": brief.digest_url,
            "type": "primary",
        }
        elements.append({"tag": "action", "actions": [button]})
    elif cut:
        elements.append(_md("…完整列表见当天的日报"))
    return {
        "msg_type": "interactive",
        "card": {
            "config": {"wide_screen_mode": True},
            "header": {
                "title": {"tag": "plain_text", "content": brief.heading},
                "template": "blue",
            },
            "elements": elements,
        },
    }


def payload(brief: Brief, secret: str | None, now: int | None = None) -> dict[str, Any]:
    """The request body, within MAX_BYTES with its signature fields."""
    def render(items: list[Item], cut: bool) -> str:
        return json.dumps(card(brief, items, cut), ensure_ascii=False)

    body = json.loads(fit(render, brief.items, MAX_BYTES - 200, utf8_size))
    if secret:
        timestamp = int(time.time()) if now is None else now
        body = {"timestamp": str(timestamp), "sign": sign(secret, timestamp), **body}
    return body


def send(url: str, brief: Brief, client: httpx.Client) -> None:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    secret = next((v for k, v in query if k == "secret"), None)
    kept = urlencode([(k, v) for k, v in query if k != "secret"])  # ours, not Feishu's
    response = client.post(urlunsplit(parts._replace(query=kept)), json=payload(brief, secret))
    try:
        answer = response.json()
    except ValueError:
        raise PushError(f"HTTP {response.status_code}, not a JSON answer") from None
    if not isinstance(answer, dict):
        answer = {}
    code = answer.get("code", answer.get("StatusCode"))  # (older bots answered StatusCode)
    if code != 0:  # a 200 with an error code is still an error
        message = answer.get("msg", answer.get("StatusMessage", ""))
        raise PushError(f"HTTP {response.status_code}, code {code}: {str(message)[:200]}")


def _md(text: str) -> dict[str, Any]:
    return {"tag": "div", "text": {"tag": "lark_md", "content": text}}
