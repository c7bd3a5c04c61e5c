"""Drive an ASGI app's endless response by hand: read its chunks as they come, disconnect at will.

(httpx's ASGITransport waits for the whole body, which an event stream never ends.)
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import ASGIApp, Message


class OpenStream:
    """A GET to ``path`` whose response is read message by message."""

    def __init__(self, app: ASGIApp, path: str) -> None:
        self.app = app
        path, _, query = path.partition("?")
        self.scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": [(b"host", b"testserver"), (b"accept", b"text/event-stream"), (b"accept-encoding", b"gzip")],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        self.status = 0
        self.headers: dict[str, str] = {}
        self.ended = asyncio.Event()
        self._chunks: asyncio.Queue[bytes] = asyncio.Queue()
        self._buffer = ""
        self._started = asyncio.Event()
        self._disconnected = asyncio.Event()
        self._requested = False
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> OpenStream:
        self.task = asyncio.create_task(self.app(self.scope, self._receive, self._send))
        await asyncio.wait_for(self._started.wait(), 2)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self.disconnect()
        assert self.task is not None
        await asyncio.wait_for(self.task, 2)

    def disconnect(self) -> None:
        self._disconnected.set()

    async def message(self, timeout: float = 2) -> str:
        """The next SSE message (event or comment), without its closing blank line."""
        while "\n\n" not in self._buffer:
            self._buffer += (await asyncio.wait_for(self._chunks.get(), timeout)).decode()
        message, self._buffer = self._buffer.split("\n\n", 1)
        return message

    async def body(self, timeout: float = 2) -> str:
        """Everything up to the end of the response."""
        await asyncio.wait_for(self.ended.wait(), timeout)
        while not self._chunks.empty():
            self._buffer += self._chunks.get_nowait().decode()
        return self._buffer

    async def _receive(self) -> Message:
        if not self._requested:
            self._requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self._disconnected.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = {key.decode(): value.decode() for key, value in message["headers"]}
            self._started.set()
        elif message["type"] == "http.response.body":
            if message.get("body"):
                self._chunks.put_nowait(message["body"])
            if not message.get("more_body", False):
                self.ended.set()
