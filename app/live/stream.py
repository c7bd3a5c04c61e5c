"""Server-sent events for live pages: "re-fetch now", coalesced, capped per person.

A stream says only *that* something changed (``event: change``); the page fetches the
fragment it shows (static/js/live.js), so a stream never carries data the fragment's own
authorisation would not give.
"""

from __future__ import annotations

import inspect
import logging
import signal
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from types import FrameType
from typing import Any

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

from app.live.bus import CHANGED, Bus, Subscription, check_topic

log = logging.getLogger(__name__)

RETRY_MILLISECONDS = 2000  # the browser's wait before it reconnects
HEARTBEAT_SECONDS = 15.0  # a comment line keeps proxies from closing an idle stream
COALESCE_SECONDS = 0.15  # events within this time after the first become one message
STREAMS_PER_PERSON = 6  # per process; browsers open at most 6 streams per site over HTTP/1.1
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}

Render = Callable[[frozenset[str]], Awaitable[str] | str]

_open_streams: set[Subscription] = set()  # of this process, whichever app serves them
_exiting = False  # the server was told to stop: no new stream may hold it up


def event_stream(
    request: Request, bus: Bus, topics: Iterable[str], *, principal_key: str, render: Render | None = None
) -> Response:
    """A ``text/event-stream`` response: ``event: change`` at once, then once per burst of ``topics``.

    ``principal_key`` names the person (e.g. "pupil:42", "account:7"): beyond
    STREAMS_PER_PERSON open streams in this process the next one gets 429. ``render``,
    given the topics that fired (CHANGED for the first event), returns the event's data;
    without it the data is the topics, space-separated. A sync ``render`` runs in a thread.
    The client's disconnect (``request``'s receive channel) ends the stream.
    """
    return EventStream(bus, tuple(check_topic(topic) for topic in topics), principal_key=principal_key, render=render)


class EventStream(Response):
    """The stream itself; the cap is checked when it is sent, together with subscribing.

    The client's disconnect, bus.stop() (the lifespan shutdown) and uvicorn's exit signal end it.
    """

    media_type = "text/event-stream"

    def __init__(self, bus: Bus, topics: tuple[str, ...], *, principal_key: str, render: Render | None) -> None:
        self.status_code = 200
        self.background = None
        self.init_headers(STREAM_HEADERS)
        self.bus = bus
        self.topics = topics
        self.principal_key = principal_key
        self.render_data = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if _exiting:
            await PlainTextResponse("The server is restarting.", status_code=503)(scope, receive, send)
            return
        if self.bus.subscribers(self.principal_key) >= STREAMS_PER_PERSON:
            await too_many_streams()(scope, receive, send)
            return
        async with self.bus.subscribe(*self.topics, key=self.principal_key) as subscription:
            _open_streams.add(subscription)
            try:
                await self._send_stream(subscription, receive, send)
            finally:
                _open_streams.discard(subscription)

    async def _send_stream(self, subscription: Subscription, receive: Receive, send: Send) -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(_cancel_on_disconnect, receive, group.cancel_scope)
            try:
                await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
                async for message in self._messages(subscription):
                    await send({"type": "http.response.body", "body": message.encode(), "more_body": True})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            except OSError:  # the client went away while we wrote (ASGI servers of spec 2.4)
                log.debug("live stream: client gone")
            finally:
                group.cancel_scope.cancel()

    async def _messages(self, subscription: Subscription) -> AsyncIterator[str]:
        """The retry hint and a first change, then a change per burst and heartbeats between."""
        yield f"retry: {RETRY_MILLISECONDS}\n" + await self._change(frozenset({CHANGED}))
        while True:
            fired = await subscription.wait(HEARTBEAT_SECONDS)
            if subscription.closed:
                return
            if not fired:
                yield ": keep-alive\n\n"
                continue
            await anyio.sleep(COALESCE_SECONDS)  # let the rest of the burst arrive
            topics = frozenset(subscription.drain())
            if subscription.closed:
                return
            yield await self._change(topics)

    async def _change(self, topics: frozenset[str]) -> str:
        if self.render_data is None:
            data = " ".join(sorted(topics))
        elif inspect.iscoroutinefunction(self.render_data):
            data = await self.render_data(topics)
        else:
            data = await run_in_threadpool(self.render_data, topics)  # type: ignore[arg-type]
        lines = "".join(f"data: {line}\n" for line in str(data).splitlines() or [""])
        return f"event: change\n{lines}\n"


def too_many_streams() -> Response:
    """429 for the stream beyond the cap; live.js then polls instead."""
    return PlainTextResponse(
        "Too many live streams open for this person; close a tab.", status_code=429, headers={"Retry-After": "10"}
    )


async def _cancel_on_disconnect(receive: Receive, scope: anyio.CancelScope) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    scope.cancel()


def open_streams() -> int:
    """How many event streams this process serves now (for /metrics)."""
    return len(_open_streams)


def end_all_streams() -> None:
    """End every open stream of this process (from any thread or a signal handler)."""
    for subscription in list(_open_streams):
        subscription.close_threadsafe()


def end_streams_on_exit_signal() -> None:
    """From the lifespan startup: let the server's exit signal (SIGINT, SIGTERM) end the streams.

    uvicorn waits for open responses to finish *before* it runs the lifespan shutdown, so an
    endless stream would keep it from stopping: bus.stop() in the shutdown comes too late.
    The server's own handler (installed before the lifespan starts) still runs first.
    """
    if threading.current_thread() is not threading.main_thread():
        return  # signals belong to the main thread; an app run elsewhere (tests) has none
    for signum in (signal.SIGINT, signal.SIGTERM):
        server_handler = signal.getsignal(signum)
        if callable(server_handler) and not getattr(server_handler, "ends_live_streams", False):
            signal.signal(signum, _ending_streams(server_handler))


def _ending_streams(server_handler: Callable[[int, FrameType | None], Any]) -> Callable[[int, FrameType | None], Any]:
    def handler(signum: int, frame: FrameType | None) -> Any:
        global _exiting
        _exiting = True
        end_all_streams()
        return server_handler(signum, frame)

    handler.ends_live_streams = True  # type: ignore[attr-defined]
    return handler
