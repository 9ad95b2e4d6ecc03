"""Every answer we read off the network is bounded: in decoded bytes and in whole time.

A 1 MB gzip bomb decodes to 1 GB, an endless chunked body never ends, and a server that sends one
byte a second never trips a read timeout (each read gets its byte in time). httpx bounds none of
these, so every client here (arXiv feed and export API, the openai SDK's chat requests and
/models) reads through a transport that

- asks only for gzip/deflate and decodes it itself, ``CHUNK`` bytes at a time, failing with
  ``ResponseTooLarge`` once the decoded body passes the request's cap (a Content-Length above the
  cap fails before the body is read);
- fails with ``RequestDeadline`` once the request's whole time (connect to last byte) passes its
  bound: checked at every socket read and write for the synchronous clients, whose per-read
  timeouts are clamped to what is left, and at every chunk for the asynchronous one (whose caller
  also holds an ``asyncio.timeout``).

Both errors are httpx errors, so the openai SDK turns them into APIConnectionError /
APITimeoutError like any other transport failure; ``caught`` finds them in its cause chain.
"""

from __future__ import annotations

import contextvars
import time
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpcore
import httpx

from arxiv_digest.untrusted import MAX_FEED_BYTES as MAX_FEED_BYTES  # 32 MB, re-exported

MB = 1024 * 1024
MAX_API_BYTES = 16 * MB  # one export API page of 100 entries is ~0.3 MB
MAX_ANSWER_BYTES = 4 * MB  # one chat completion within max_tokens_cap is tens of KB
MAX_MODELS_BYTES = 16 * MB  # GET /models: OpenRouter's ~400 models with metadata are ~1-2 MB
CHUNK = 64 * 1024  # decoded bytes produced per step, so one step never holds a bomb's output
ACCEPT_ENCODING = "gzip, deflate"  # what we decode ourselves; brotli/zstd never asked for

Cap = int | Callable[[httpx.Request], int]


class ResponseTooLarge(httpx.DecodingError):
    """The decoded body passed its cap: the answer is not what we asked for."""

    def __init__(self, limit: int, request: httpx.Request) -> None:
        super().__init__(
            f"the answer from {request.url.host} is larger than {_size(limit)} (decoded)",
            request=request,
        )
        self.limit = limit


class RequestDeadline(httpx.ReadTimeout):
    """The whole request (connect to last byte) took longer than its bound."""

    def __init__(self, seconds: float, request: httpx.Request | None = None) -> None:
        super().__init__(f"the answer took longer than {seconds:g} s in all", request=request)
        self.seconds = seconds


def caught(exc: BaseException | None) -> ResponseTooLarge | RequestDeadline | None:
    """One of ours anywhere in the cause/context chain (the SDK wraps transport errors)."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, ResponseTooLarge | RequestDeadline):
            return exc
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def _size(limit: int) -> str:
    return f"{limit / MB:g} MB" if limit >= MB else f"{limit} bytes"


# -- whole-request deadline for the synchronous clients ------------------------------------------
_DEADLINE: contextvars.ContextVar[tuple[float, float] | None] = contextvars.ContextVar(
    "arxiv_digest_deadline", default=None
)  # (monotonic deadline, the bound in seconds) of the request this thread is reading


def _left(timeout: float | None) -> float | None:
    """The socket timeout for one read/write: the client's, but never past the deadline."""
    current = _DEADLINE.get()
    if current is None:
        return timeout
    deadline, seconds = current
    left = deadline - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout(f"the answer took longer than {seconds:g} s in all")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self.inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.inner.read(max_bytes, _left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, _left(timeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:  # fmt: skip
        return _DeadlineStream(self.inner.start_tls(ssl_context, server_hostname, _left(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self.inner = inner

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None, socket_options: Any = None,
                    ) -> httpcore.NetworkStream:  # fmt: skip
        return _DeadlineStream(
            self.inner.connect_tcp(host, port, _left(timeout), local_address, socket_options)
        )

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Any = None) -> httpcore.NetworkStream:  # fmt: skip
        return _DeadlineStream(self.inner.connect_unix_socket(path, _left(timeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


def _with_deadline(transport: httpx.HTTPTransport) -> httpx.HTTPTransport:
    """Socket reads and writes (headers included) never wait past the request's deadline."""
    pool = getattr(transport, "_pool", None)  # httpcore's pool: the one place sockets are made
    backend = getattr(pool, "_network_backend", None)
    if backend is not None and not isinstance(backend, _DeadlineBackend):
        pool._network_backend = _DeadlineBackend(backend)  # type: ignore[union-attr]
    return transport


# -- decoding with a cap --------------------------------------------------------------------------
class _Decoder:
    """gzip/deflate (or nothing) decoded in steps of at most CHUNK bytes, counted against a cap."""

    def __init__(self, encoding: str, limit: int, request: httpx.Request) -> None:
        self.limit = limit
        self.request = request
        self.total = 0
        self.zlib: Any = None
        self.raw_deflate = False
        if encoding == "gzip":
            self.zlib = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif encoding == "deflate":
            self.zlib = zlib.decompressobj()
        elif encoding not in ("", "identity"):
            raise httpx.DecodingError(
                f"the answer from {request.url.host} is encoded as {encoding!r}, "
                f"which was not asked for",
                request=request,
            )

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self.zlib is None:
            yield self._count(data)
            return
        try:
            out = self._decompress(data)
            while True:
                yield self._count(out)
                tail = self.zlib.unconsumed_tail
                if not tail:
                    return
                out = self.zlib.decompress(tail, CHUNK)
        except zlib.error as exc:
            raise httpx.DecodingError(
                f"bad compressed answer: {exc}", request=self.request
            ) from None

    def _decompress(self, data: bytes) -> bytes:
        try:
            return self.zlib.decompress(data, CHUNK)
        except zlib.error:
            if self.total or self.raw_deflate:
                raise
            # "deflate" as many servers send it: raw, without the zlib header (as httpx accepts)
            self.raw_deflate = True
            self.zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            return self.zlib.decompress(data, CHUNK)

    def _count(self, data: bytes) -> bytes:
        self.total += len(data)
        if self.total > self.limit:
            raise ResponseTooLarge(self.limit, self.request)
        return data


def _prepare(request: httpx.Request) -> None:
    request.headers["Accept-Encoding"] = ACCEPT_ENCODING


def _open(response: httpx.Response, request: httpx.Request, limit: int) -> tuple[_Decoder, list]:
    """The decoder for this answer and the headers httpx may see (no encoding left to undo)."""
    encodings = [e.strip().lower() for e in response.headers.get("content-encoding", "").split(",")]
    encodings = [e for e in encodings if e and e != "identity"]
    if len(encodings) > 1:
        raise httpx.DecodingError(
            f"the answer from {request.url.host} is encoded {len(encodings)} times over",
            request=request,
        )
    length = response.headers.get("content-length", "")
    if not encodings and length.isdigit() and int(length) > limit:
        raise ResponseTooLarge(limit, request)
    decoder = _Decoder(encodings[0] if encodings else "", limit, request)
    headers = [
        (key, value)
        for key, value in response.headers.multi_items()
        if not encodings or key.lower() not in ("content-encoding", "content-length")
    ]
    return decoder, headers


def _limit(cap: Cap, request: httpx.Request) -> int:
    """The request's own cap (extensions={"max_bytes": n}) or the transport's."""
    asked = request.extensions.get("max_bytes")
    if isinstance(asked, int):
        return asked
    return cap(request) if callable(cap) else cap


class _CappedStream(httpx.SyncByteStream):
    def __init__(self, response: httpx.Response, decoder: _Decoder,
                 deadline: tuple[float, float] | None) -> None:  # fmt: skip
        self.response = response
        self.decoder = decoder
        self.deadline = deadline

    def __iter__(self) -> Iterator[bytes]:
        token = _DEADLINE.set(self.deadline)
        try:
            for raw in self.response.stream:
                _check(self.deadline, self.decoder.request)
                yield from self.decoder.feed(raw)
        except httpx.TimeoutException as exc:
            _raise_deadline(self.deadline, self.decoder.request, exc)
            raise
        finally:
            _DEADLINE.reset(token)

    def close(self) -> None:
        self.response.close()


class CappedTransport(httpx.BaseTransport):
    """httpx's own transport, with a decoded-size cap and a whole-request deadline."""

    def __init__(self, cap: Cap, total: float | None,
                 inner: httpx.BaseTransport | None = None) -> None:  # fmt: skip
        self.cap = cap
        self.total = total
        self.inner = inner or _with_deadline(httpx.HTTPTransport())

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        _prepare(request)
        deadline = (time.monotonic() + self.total, self.total) if self.total else None
        token = _DEADLINE.set(deadline)
        try:
            response = self.inner.handle_request(request)
        except httpx.TimeoutException as exc:
            _raise_deadline(deadline, request, exc)
            raise
        finally:
            _DEADLINE.reset(token)
        try:
            decoder, headers = _open(response, request, _limit(self.cap, request))
        except httpx.HTTPError:
            response.close()
            raise
        return httpx.Response(
            response.status_code,
            headers=headers,
            stream=_CappedStream(response, decoder, deadline),
            extensions=response.extensions,
            request=request,
        )

    def close(self) -> None:
        self.inner.close()


class _CappedAsyncStream(httpx.AsyncByteStream):
    def __init__(self, response: httpx.Response, decoder: _Decoder,
                 deadline: tuple[float, float] | None) -> None:  # fmt: skip
        self.response = response
        self.decoder = decoder
        self.deadline = deadline

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for raw in self.response.stream:  # type: ignore[union-attr]
            _check(self.deadline, self.decoder.request)
            for part in self.decoder.feed(raw):
                yield part

    async def aclose(self) -> None:
        await self.response.aclose()


class CappedAsyncTransport(httpx.AsyncBaseTransport):
    """The same for httpx.AsyncClient (the openai SDK's chat requests)."""

    def __init__(self, cap: Cap, total: float | None,
                 inner: httpx.AsyncBaseTransport | None = None) -> None:  # fmt: skip
        self.cap = cap
        self.total = total
        self.inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        _prepare(request)
        # the request's own timeout when it has one: a slow server's grows during the run
        read = (request.extensions.get("timeout") or {}).get("read")
        total = read if isinstance(read, int | float) and read > 0 else self.total
        deadline = (time.monotonic() + total, total) if total else None
        response = await self.inner.handle_async_request(request)
        try:
            decoder, headers = _open(response, request, _limit(self.cap, request))
        except httpx.HTTPError:
            await response.aclose()
            raise
        return httpx.Response(
            response.status_code,
            headers=headers,
            stream=_CappedAsyncStream(response, decoder, deadline),
            extensions=response.extensions,
            request=request,
        )

    async def aclose(self) -> None:
        await self.inner.aclose()


def _check(deadline: tuple[float, float] | None, request: httpx.Request) -> None:
    if deadline is not None and time.monotonic() > deadline[0]:
        raise RequestDeadline(deadline[1], request)


def _raise_deadline(deadline: tuple[float, float] | None, request: httpx.Request,
                    exc: Exception) -> None:  # fmt: skip
    """A timeout at or past the deadline is the deadline's, and says so."""
    if deadline is not None and time.monotonic() >= deadline[0] - 0.05:
        raise RequestDeadline(deadline[1], request) from exc


# -- the LLM endpoint's clients -------------------------------------------------------------------
def llm_cap(request: httpx.Request) -> int:
    """Model lists may be long; a chat answer never is."""
    return (
        MAX_MODELS_BYTES if request.url.path.rstrip("/").endswith("/models") else MAX_ANSWER_BYTES
    )


# the openai SDK's own defaults for its httpx client (DEFAULT_CONNECTION_LIMITS), kept as they are
_SDK_LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=100)


def llm_async_client(timeout: float) -> httpx.AsyncClient:
    """For AsyncOpenAI(http_client=…): the SDK's defaults, answers capped by ``llm_cap``."""
    return httpx.AsyncClient(
        timeout=timeout,
        limits=_SDK_LIMITS,
        follow_redirects=True,
        transport=CappedAsyncTransport(llm_cap, timeout),
    )


def llm_client(timeout: float) -> httpx.Client:
    """For OpenAI(http_client=…) (doctor, GET /models): capped, and whole-request bounded."""
    return httpx.Client(
        timeout=timeout,
        limits=_SDK_LIMITS,
        follow_redirects=True,
        transport=CappedTransport(llm_cap, timeout),
    )
