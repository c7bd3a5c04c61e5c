"""PostgreSQL and Redis buses: events cross between buses (as between processes), and a lost
listening connection comes back with CHANGED for every subscriber (neither replays events)."""

from __future__ import annotations

import asyncio
import time

import psycopg
import pytest
import redis

from app.live.bus import CHANGED
from app.live.remote import PostgresBus, RedisBus, RemoteBus
from tests.live.conftest import run

pytestmark = pytest.mark.postgres


@pytest.fixture(params=["postgres", "redis"])
def make_bus(request: pytest.FixtureRequest):  # noqa: ANN201
    """A factory of buses of one backend, all on the same database or Redis."""
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        return lambda: PostgresBus(url)
    url = request.getfixturevalue("redis_url")
    return lambda: RedisBus(url)


def kill_listener(bus: RemoteBus) -> int:
    """Cut the bus's listening connection on the server's side; how many were cut."""
    name = f"{bus.name}-listen"
    if isinstance(bus, PostgresBus):
        with psycopg.connect(bus.conninfo, autocommit=True) as admin:
            rows = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s", (name,)
            ).fetchall()
        return len(rows)
    assert isinstance(bus, RedisBus)
    client = redis.Redis.from_url(bus.redis_url)
    try:
        ids = [entry["id"] for entry in client.client_list() if entry["name"] == name]
        for client_id in ids:
            client.client_kill_filter(_id=client_id)
        return len(ids)
    finally:
        client.close()


def test_an_event_published_on_one_bus_reaches_the_subscribers_of_another(make_bus) -> None:  # noqa: ANN001
    async def scenario() -> tuple[list[str], float]:
        teacher_side, pupil_side = make_bus(), make_bus()
        await teacher_side.start()
        await pupil_side.start()
        try:
            assert teacher_side.listening and pupil_side.listening
            async with teacher_side.subscribe("live:7") as events:
                events.drain()  # the CHANGED of the first connection is not what we wait for
                started = time.perf_counter()
                await pupil_side.publish("live:7")
                await pupil_side.publish("class:2")  # nobody there listens to it
                assert await events.wait(2)
                latency = time.perf_counter() - started
                await asyncio.sleep(0.1)
                return events.drain(), latency
        finally:
            await teacher_side.stop()
            await pupil_side.stop()

    topics, latency = run(scenario())
    assert topics == ["live:7"]
    assert latency < 0.5


def test_a_burst_of_publishes_goes_out_in_few_batches(make_bus) -> None:  # noqa: ANN001
    async def scenario() -> list[str]:
        bus = make_bus()
        await bus.start()
        try:
            async with bus.subscribe(*(f"assignment:{n}" for n in range(5))) as events:
                events.drain()
                for number in range(200):
                    await bus.publish(f"assignment:{number % 5}")
                await asyncio.sleep(0.3)
                return sorted(events.drain())
        finally:
            await bus.stop()

    assert run(scenario()) == [f"assignment:{n}" for n in range(5)]


def test_after_the_listening_connection_is_killed_every_subscriber_hears_changed(make_bus) -> None:  # noqa: ANN001
    async def scenario() -> tuple[str, str, str]:
        bus, other = make_bus(), make_bus()
        await bus.start()
        await other.start()
        try:
            async with bus.subscribe("live:1") as first, bus.subscribe("class:9") as second:
                first.drain(), second.drain()
                assert await asyncio.to_thread(kill_listener, bus) == 1
                synthetic = (await asyncio.wait_for(anext(first), 5), await asyncio.wait_for(anext(second), 5))
                assert bus.listening
                await other.publish("live:1")  # and the new connection listens again
                return (*synthetic, await asyncio.wait_for(anext(first), 2))
        finally:
            await bus.stop()
            await other.stop()

    assert run(scenario()) == (CHANGED, CHANGED, "live:1")


def test_publishing_survives_a_killed_sending_connection(make_bus) -> None:  # noqa: ANN001
    async def scenario() -> str:
        bus = make_bus()
        await bus.start()
        try:
            async with bus.subscribe("live:1") as events:
                events.drain()
                await bus.publish("live:1")
                await asyncio.wait_for(anext(events), 2)
                sender = bus._sender
                if isinstance(bus, PostgresBus):
                    with psycopg.connect(bus.conninfo, autocommit=True) as admin:
                        admin.execute("SELECT pg_terminate_backend(%s)", (sender.info.backend_pid,))
                else:
                    client = redis.Redis.from_url(bus.redis_url)
                    for entry in client.client_list():
                        if entry["name"] == f"{bus.name}-publish":
                            client.client_kill_filter(_id=entry["id"])
                    client.close()
                await bus.publish("live:1")
                return await asyncio.wait_for(anext(events), 3)
        finally:
            await bus.stop()

    assert run(scenario()) == "live:1"


def test_a_bus_that_cannot_connect_still_starts_and_keeps_trying() -> None:
    async def scenario() -> tuple[bool, float]:
        bus = PostgresBus("postgresql+psycopg://nobody@127.0.0.1:1/none")
        started = time.perf_counter()
        await bus.start()
        took = time.perf_counter() - started
        async with bus.subscribe("live:1") as events:
            await bus.publish("live:1")  # nobody else hears it; this process still does
            delivered = await events.wait(3)
        await bus.stop()
        return delivered, took

    delivered, took = run(scenario())
    assert delivered and took < 2
