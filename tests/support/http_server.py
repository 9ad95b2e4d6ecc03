"""A real HTTP server on 127.0.0.1 serving scripted responses, for arXiv feed/API tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/xml; charset=utf-8"
    # a body sent as it is made (chunked): endless, dripped, or too big to hold (tests/support/
    # hostile.py); the client may hang up at any point
    stream: Callable[[], Iterator[bytes]] | None = None


@dataclass
class Hit:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    at: float


class ScriptedServer:
    """Routes a path to a queue of replies; the last one repeats. Records every request."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                with server._lock:
                    server.hits.append(
                        Hit(parts.path, parse_qs(parts.query), dict(self.headers), time.monotonic())
                    )
                    queue = server.routes.get(parts.path)
                    if not queue:
                        reply = Reply(404, b"not found", content_type="text/plain")
                    else:
                        reply = queue.pop(0) if len(queue) > 1 else queue[0]
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                if reply.stream is not None:
                    self.chunked(reply)
                    return
                self.send_header("Content-Length", str(len(reply.body)))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(reply.body)

            def chunked(self, reply: Reply) -> None:
                assert reply.stream is not None
                self.send_header("Transfer-Encoding", "chunked")
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                try:
                    for part in reply.stream():
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                        self.wfile.flush()
                    self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client hung up, as it should on a hostile answer
                self.close_connection = True

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True  # a dripping answer must not hold up shutdown
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, path: str, *replies: Reply) -> None:
        with self._lock:
            self.routes[path] = list(replies)

    def hits_for(self, path: str) -> list[Hit]:
        return [h for h in self.hits if h.path == path]

    def start(self) -> ScriptedServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
