"""Event streams: a first event at once, one message per burst, heartbeats, a cap per person, and an end
on disconnect or shutdown — tested on the ASGI app directly."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.live import stream
from app.live.bus import MemoryBus
from app.live.stream import STREAMS_PER_PERSON, end_all_streams, event_stream, open_streams
from app.settings import Settings
from tests.live.app import create
from tests.live.asgi import OpenStream
from tests.live.conftest import run

Scenario = Callable[[MemoryBus, Starlette], Awaitable[object]]


def with_app(scenario: Scenario) -> object:
    async def body() -> object:
        bus = MemoryBus()
        await bus.start()
        try:
            return await scenario(bus, create(bus=bus))
        finally:
            await bus.stop()

    return run(body())


def test_the_stream_opens_with_a_retry_hint_and_a_change() -> None:
    async def scenario(bus: MemoryBus, app: Starlette) -> None:
        async with OpenStream(app, "/events?topic=live:1") as events:
            assert events.status == 200
            assert events.headers["content-type"].startswith("text/event-stream")
            assert events.headers["cache-control"] == "no-cache"
            assert events.headers["x-accel-buffering"] == "no"
            assert "content-length" not in events.headers
            assert await events.message() == "retry: 2000\nevent: change\ndata: *"

    with_app(scenario)


def test_an_event_on_the_topic_becomes_a_change_within_a_fraction_of_a_second() -> None:
    async def scenario(bus: MemoryBus, app: Starlette) -> float:
        async with OpenStream(app, "/events?topic=live:1&topic=class:4") as events:
            await events.message()
            await bus.publish("class:9")  # not this stream's
            started = time.perf_counter()
            await bus.publish("class:4")
            assert await events.message() == "event: change\ndata: class:4"
            return time.perf_counter() - started

    assert with_app(scenario) < 0.5  # type: ignore[operator]


def test_a_burst_of_events_becomes_a_handful_of_messages() -> None:
    async def scenario(bus: MemoryBus, app: Starlette) -> int:
        async with OpenStream(app, "/events?topic=live:1") as events:
            await events.message()
            for _ in range(60):  # sixty answers within a second
                await bus.publish("live:1")
                await asyncio.sleep(1 / 60)
            await asyncio.sleep(0.3)
            messages = 0
            while True:
                try:
                    assert await events.message(timeout=0.05) == "event: change\ndata: live:1"
                    messages += 1
                except TimeoutError:
                    return messages

    assert 1 <= with_app(scenario) <= 10  # type: ignore[operator]


def test_a_quiet_stream_sends_heartbeats(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "HEARTBEAT_SECONDS", 0.05)

    async def scenario(bus: MemoryBus, app: Starlette) -> list[str]:
        async with OpenStream(app, "/events") as events:
            await events.message()
            return [await events.message(), await events.message()]

    assert with_app(scenario) == [": keep-alive", ": keep-alive"]


def test_the_seventh_stream_of_one_person_is_refused_with_429() -> None:
    async def scenario(bus: MemoryBus, app: Starlette) -> tuple[int, int, int, int]:
        streams = [OpenStream(app, "/events?who=pupil:1") for _ in range(STREAMS_PER_PERSON)]
        for opened in streams:
            await opened.__aenter__()
        async with OpenStream(app, "/events?who=pupil:1") as seventh:
            refused = seventh.status
            assert "close a tab" in await seventh.body()
        async with OpenStream(app, "/events?who=pupil:2") as someone_else:
            other = someone_else.status
        counted = bus.subscribers()
        await streams[0].__aexit__()
        async with OpenStream(app, "/events?who=pupil:1") as after_closing_one:
            again = after_closing_one.status
        for opened in streams[1:]:
            await opened.__aexit__()
        return refused, other, counted, again

    assert with_app(scenario) == (429, 200, STREAMS_PER_PERSON, 200)


def test_the_stream_ends_when_the_client_disconnects() -> None:
    async def scenario(bus: MemoryBus, app: Starlette) -> tuple[int, int, int, int]:
        events = OpenStream(app, "/events")
        await events.__aenter__()
        await events.message()
        during = bus.subscribers(), open_streams()
        events.disconnect()
        assert events.task is not None
        await asyncio.wait_for(events.task, 1)
        return (*during, bus.subscribers(), open_streams())

    assert with_app(scenario) == (1, 1, 0, 0)


def test_the_stream_ends_when_the_bus_stops() -> None:
    async def scenario(bus: MemoryBus, app: Starlette) -> str:
        async with OpenStream(app, "/events") as events:
            await events.message()
            await bus.stop()
            return await events.body(timeout=1)

    assert with_app(scenario) == ""


def test_the_stream_ends_when_the_server_is_told_to_exit() -> None:
    async def scenario(bus: MemoryBus, app: Starlette) -> int:
        async with OpenStream(app, "/events") as events:
            await events.message()
            end_all_streams()
            await events.body(timeout=1)
            return bus.subscribers()

    assert with_app(scenario) == 0


def test_render_gives_the_data_of_each_change() -> None:
    seen: list[frozenset[str]] = []

    def render(topics: frozenset[str]) -> str:  # sync: runs in a thread
        seen.append(topics)
        return "<p>3 answered</p>\n<p>of 5</p>"

    async def scenario(bus: MemoryBus, _app: Starlette) -> list[str]:
        async def endpoint(request: Request) -> Response:
            return event_stream(request, bus, ["live:2"], principal_key="account:1", render=render)

        app = Starlette(routes=[Route("/events", endpoint)])
        async with OpenStream(app, "/events") as events:
            first = await events.message()
            await bus.publish("live:2")
            return [first, await events.message()]

    first, second = with_app(scenario)  # type: ignore[misc]
    assert first.endswith("event: change\ndata: <p>3 answered</p>\ndata: <p>of 5</p>")
    assert second == "event: change\ndata: <p>3 answered</p>\ndata: <p>of 5</p>"
    assert seen == [frozenset({"*"}), frozenset({"live:2"})]


def test_lupes_middleware_passes_the_stream_through_unbuffered(tmp_path: Path) -> None:
    """Gzip, security headers and the rest must neither buffer nor compress an event stream."""
    from app.main import create_app
    from tests.conftest import LESSONS

    lupe_app = create_app(Settings(data_dir=tmp_path, secret_key="k", lessons_dir=LESSONS))
    bus = lupe_app.state.lupe.bus

    async def endpoint(request: Request) -> Response:
        return event_stream(request, bus, ["live:5"], principal_key="account:1")

    lupe_app.add_route("/test-events", endpoint)

    async def scenario() -> tuple[dict[str, str], str, str]:
        await bus.start()
        try:
            async with OpenStream(lupe_app, "/test-events") as events:
                first = await events.message()
                await bus.publish("live:5")
                return events.headers, first, await events.message()
        finally:
            await bus.stop()

    headers, first, second = run(scenario())
    assert "content-encoding" not in headers
    assert "default-src 'self'" in headers["content-security-policy"]
    assert first.endswith("event: change\ndata: *")
    assert second == "event: change\ndata: live:5"
