"""Local stand-ins for the push channels, on 127.0.0.1: a Feishu/Lark custom bot (checks the
signature as Feishu does and answers in its shapes, errors with HTTP 200), a WeCom group bot
(4096-byte markdown limit, errcode answers), a plain JSON receiver for apprise's json://, and an
SMTP server (aiosmtpd) for apprise's mailto://."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

# answers as the providers send them (Feishu custom-bot guide, WeCom group-bot guide)
FEISHU_OK = {"code": 0, "data": {}, "msg": "success"}
FEISHU_SIGN = {
    "code": 19021,
    "data": {},
    "msg": "sign match fail or timestamp is not within one hour from current time",
}
FEISHU_LIMIT = {"code": 11232, "data": {}, "msg": "frequency limited psm"}
WECOM_OK = {"errcode": 0, "errmsg": "ok"}
WECOM_BAD_KEY = {
    "errcode": 93000,
    "errmsg": "invalid webhook url, hint: [1764211200_41_8b0f], from ip: 127.0.0.1, more info at "
    "https://open.work.weixin.qq.com/devtool/query?e=93000",
}
WECOM_TOO_LONG = {
    "errcode": 40058,
    "errmsg": "markdown.content exceed max length 4096. invalid Request Parameter",
}


@dataclass
class Hooks:
    secret: str = ""  # the Feishu bot's signing secret, when it is a signed bot
    wecom_key: str = "wecom-key-7f3a"
    fail: dict[str, int] = field(default_factory=dict)  # kind → answers to fail before success

    def __post_init__(self) -> None:
        self.received: list[tuple[str, str, dict[str, Any]]] = []  # (kind, path?query, body)
        hooks = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                status, answer = hooks.answer(self.path, body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def feishu_url(self, token: str = "feishu-token-a1b2c3") -> str:
        url = f"{self.base}/open-apis/bot/v2/hook/{token}"
        return f"{url}?secret={self.secret}" if self.secret else url

    def wecom_url(self) -> str:
        return f"{self.base}/cgi-bin/webhook/send?key={self.wecom_key}"

    def json_url(self) -> str:
        return f"json://127.0.0.1:{self.httpd.server_address[1]}/receiver"

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [body for k, _, body in self.received if k == kind]

    def answer(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        parts = urlsplit(path)
        kind = (
            "feishu" if parts.path.startswith("/open-apis/bot/v2/hook/")
            else "wecom" if parts.path == "/cgi-bin/webhook/send" else "json"
        )  # fmt: skip
        self.received.append((kind, path, body))
        if self.fail.get(kind, 0) > 0:
            self.fail[kind] -= 1
            if kind == "json":
                return 500, {"error": "down"}
            return 200, FEISHU_LIMIT if kind == "feishu" else WECOM_BAD_KEY
        if kind == "feishu":
            expected = feishu_sign(body.get("timestamp", ""), self.secret)
            if self.secret and body.get("sign") != expected:
                return 200, FEISHU_SIGN
            return 200, FEISHU_OK
        if kind == "wecom":
            if parse_qs(parts.query).get("key") != [self.wecom_key]:
                return 200, WECOM_BAD_KEY
            if len(body["markdown"]["content"].encode()) > 4096:
                return 200, WECOM_TOO_LONG
            return 200, WECOM_OK
        return 200, {}

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def feishu_sign(timestamp: str, secret: str) -> str:
    """Feishu's check, written from its guide: HMAC-SHA256 keyed by "timestamp\\nsecret" over
    nothing, base64."""
    mac = hmac.new(f"{timestamp}\n{secret}".encode(), digestmod=hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


class Mailbox:
    """An SMTP server on 127.0.0.1 keeping every message it is given."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[EmailMessage] = []
        mailbox = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                mailbox.messages.append(
                    message_from_bytes(envelope.content, policy=policy.default)  # type: ignore[arg-type]
                )
                return "250 OK"

        with socket.socket() as probe:  # aiosmtpd needs a port it can connect to itself
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def url(self) -> str:
        return (
            f"mailto://127.0.0.1:{self.port}?from=digest@example.com&to=reader@example.com"
        )

    def stop(self) -> None:
        self.controller.stop()
