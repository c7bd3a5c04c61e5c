"""The in-memory bus: fan-out by topic, bounded subscribers, publishing from a thread, the choice of backend."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from app.live.bus import CHANGED, MemoryBus, Subscription, create_bus
from app.live.remote import PostgresBus, RedisBus
from app.settings import Settings
from tests.live.conftest import run


async def next_topic(subscription: Subscription, timeout: float = 2) -> str:
    return await asyncio.wait_for(anext(subscription), timeout)


def test_an_event_reaches_every_subscriber_of_its_topic_and_no_other() -> None:
    async def scenario() -> tuple[str, str, list[str]]:
        bus = MemoryBus()
        await bus.start()
        first, second, other = bus.subscribe("live:1"), bus.subscribe("live:1"), bus.subscribe("class:4")
        async with first, second, other:
            await bus.publish("live:1")
            await asyncio.sleep(0)
            return await next_topic(first), await next_topic(second), other.drain()

    assert run(scenario()) == ("live:1", "live:1", [])


def test_a_subscription_hears_each_of_its_topics() -> None:
    async def scenario() -> list[str]:
        bus = MemoryBus()
        await bus.start()
        async with bus.subscribe("live:1", "class:4") as events:
            await bus.publish("class:4")
            await bus.publish("live:1")
            return [await next_topic(events), await next_topic(events)]

    assert run(scenario()) == ["class:4", "live:1"]


def test_a_slow_subscriber_keeps_each_topic_once() -> None:
    async def scenario() -> list[str]:
        bus = MemoryBus()
        await bus.start()
        async with bus.subscribe("live:1", "class:4") as slow:
            for _ in range(10_000):
                await bus.publish("live:1")
                await bus.publish("class:4")
            return slow.drain()

    assert run(scenario()) == ["live:1", "class:4"]


def test_a_slow_subscriber_of_many_topics_collapses_to_one_change() -> None:
    async def scenario() -> list[str]:
        bus = MemoryBus()
        await bus.start()
        topics = [f"assignment:{number}" for number in range(40)]
        async with bus.subscribe(*topics) as slow:
            for topic in topics:
                await bus.publish(topic)
            return slow.drain()

    assert run(scenario()) == [CHANGED]


def test_leaving_a_subscription_stops_delivery_and_the_count() -> None:
    async def scenario() -> tuple[int, int, int, int]:
        bus = MemoryBus()
        await bus.start()
        async with bus.subscribe("live:1", key="pupil:1") as events:
            during = (bus.subscribers(), bus.subscribers("pupil:1"), bus.subscribers("pupil:2"))
        await bus.publish("live:1")
        assert events.drain() == []
        return (*during, bus.subscribers())

    assert run(scenario()) == (1, 1, 0, 0)


def test_publish_threadsafe_from_a_thread_without_a_loop() -> None:
    async def scenario() -> str:
        bus = MemoryBus()
        await bus.start()
        async with bus.subscribe("assignment:3") as events:
            thread = threading.Thread(target=bus.publish_threadsafe, args=("assignment:3",))
            thread.start()
            thread.join()
            return await next_topic(events)

    assert run(scenario()) == "assignment:3"


def test_stopping_the_bus_ends_its_subscriptions() -> None:
    async def scenario() -> list[str]:
        bus = MemoryBus()
        await bus.start()
        async with bus.subscribe("live:1") as events:
            asyncio.get_running_loop().call_later(0.05, lambda: asyncio.ensure_future(bus.stop()))
            received = [topic async for topic in events]
        async with bus.subscribe("live:1") as late:
            assert late.closed
        return received

    assert run(scenario()) == []


@pytest.mark.parametrize("topic", ["", "x" * 201, "live:1\n", 17])
def test_topics_that_cannot_travel_are_refused(topic: object) -> None:
    async def scenario() -> None:
        bus = MemoryBus()
        await bus.start()
        await bus.publish(topic)  # type: ignore[arg-type]

    with pytest.raises(ValueError, match="not a bus topic"):
        run(scenario())


def test_the_setting_chooses_the_backend(tmp_path: Path) -> None:
    postgres = "postgresql+psycopg://lupe:secret@db.example/lupe"
    assert type(create_bus(Settings(data_dir=tmp_path))) is MemoryBus
    assert type(create_bus(Settings(data_dir=tmp_path, database_url=postgres))) is PostgresBus
    assert type(create_bus(Settings(data_dir=tmp_path, database_url=postgres, live_bus="memory"))) is MemoryBus
    redis = create_bus(Settings(data_dir=tmp_path, live_bus="redis", redis_url="redis://127.0.0.1:6379/0"))
    assert type(redis) is RedisBus
    bus = create_bus(Settings(data_dir=tmp_path, database_url=postgres))
    assert isinstance(bus, PostgresBus) and bus.conninfo == "postgresql://lupe:secret@db.example/lupe"


def test_a_backend_without_what_it_needs_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="LUPE_REDIS_URL"):
        create_bus(Settings(data_dir=tmp_path, live_bus="redis"))
    with pytest.raises(ValueError, match="PostgreSQL"):
        create_bus(Settings(data_dir=tmp_path, live_bus="postgres"))


def test_the_app_starts_and_stops_its_bus(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from app.main import create_app
    from tests.conftest import LESSONS

    app = create_app(Settings(data_dir=tmp_path, secret_key="k", lessons_dir=LESSONS))
    bus = app.state.lupe.bus
    assert isinstance(bus, MemoryBus)
    with TestClient(app):
        assert bus._loop is not None and not bus.hub.closed
    assert bus.hub.closed
