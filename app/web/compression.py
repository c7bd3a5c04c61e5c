"""gzip for responses that are worth it: HTML pages and fragments, CSS, JavaScript, CSV, SVG.

Starlette's GZipMiddleware did the same at twice the cost: it gave every response zlib's
full 32 KB window and 256 KB of state, whose set-up cost more than compressing a 2.5 KB
answer fragment (about 45 of an answer's 550 µs). Here a whole body is compressed with
a window just large enough for it; a streamed body (a large file) gets the full window.
Server-sent events, pictures and archives pass untouched.
"""

from __future__ import annotations

import zlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MINIMUM_SIZE = 600  # smaller bodies gain less than the gzip header costs
LEVEL = 5  # nearly level 9's size for pages of a few KB, at a fraction of the time
SKIPPED_TYPES = ("text/event-stream", "image/", "audio/", "video/", "font/woff", "application/zip", "application/gzip")
_GZIP_WRAPPER = 16  # added to zlib's window bits: write a gzip header and trailer


class Compression:
    """Compress responses for clients that accept gzip."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _accepts_gzip(scope):
            await self.app(scope, receive, send)
            return
        start: Message | None = None  # held back until the first body shows what to do
        compressor: zlib._Compress | None = None
        passing = False

        async def compressing_send(message: Message) -> None:
            nonlocal start, compressor, passing
            kind = message["type"]
            if kind == "http.response.start":
                if _worth_compressing(message):
                    start = message
                else:
                    passing = True
                    await send(message)
                return
            if passing or start is None:
                await send(message)
                return
            if kind != "http.response.body":  # not a body (say, a file sent by path): as it is
                passing = True
                await send(start)
                await send(message)
                return
            body: bytes = message.get("body", b"")
            more = message.get("more_body", False)
            if compressor is None:  # the first body
                if not more and len(body) < MINIMUM_SIZE:
                    passing = True
                    await send(start)
                    await send(message)
                    return
                compressor = _compressor(None if more else len(body))
                headers = [(k, v) for k, v in start["headers"] if k not in (b"content-length", b"vary")]
                headers += [(b"content-encoding", b"gzip"), (b"vary", _vary(start["headers"]))]
                if not more:
                    body = compressor.compress(body) + compressor.flush()
                    headers.append((b"content-length", str(len(body)).encode()))
                    await send({**start, "headers": headers})
                    await send({"type": "http.response.body", "body": body})
                    return
                await send({**start, "headers": headers})
            data = compressor.compress(body)
            data += compressor.flush(zlib.Z_SYNC_FLUSH if more else zlib.Z_FINISH)  # each part readable on arrival
            await send({"type": "http.response.body", "body": data, "more_body": more})

        await self.app(scope, receive, compressing_send)


def _accepts_gzip(scope: Scope) -> bool:
    return any(name == b"accept-encoding" and b"gzip" in value for name, value in scope["headers"])


def _worth_compressing(start: Message) -> bool:
    if start["status"] in (204, 206, 304):
        return False
    content_type = b""
    for name, value in start.get("headers", ()):
        if name == b"content-encoding":
            return False  # compressed already
        if name == b"content-type":
            content_type = value
    text = content_type.decode("latin-1").lower()
    return bool(text) and not any(text.startswith(skipped) for skipped in SKIPPED_TYPES)


def _compressor(size: int | None) -> zlib._Compress:
    """A gzip compressor with a window (and state) fitted to ``size`` bytes; the full one when unknown."""
    if size is None:
        return zlib.compressobj(LEVEL, zlib.DEFLATED, _GZIP_WRAPPER + zlib.MAX_WBITS)
    window_bits = min(zlib.MAX_WBITS, max(9, (size - 1).bit_length()))
    return zlib.compressobj(LEVEL, zlib.DEFLATED, _GZIP_WRAPPER + window_bits, 4 if window_bits < 13 else 8)


def _vary(headers: list[tuple[bytes, bytes]]) -> bytes:
    present = [value for name, value in headers if name == b"vary"]
    return b", ".join([*present, b"Accept-Encoding"]) if present else b"Accept-Encoding"
