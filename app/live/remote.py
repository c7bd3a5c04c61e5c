"""The live bus across processes: PostgreSQL LISTEN/NOTIFY or Redis pub/sub.

Each process keeps ONE listening connection that fans out to its local subscribers, and sends
its own events in batches on another. Neither server replays what a listener missed while it
was away, so after every (re)connection each local subscriber gets CHANGED and re-queries.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
from collections.abc import AsyncIterator
from contextlib import suppress
from typing import Any

from sqlalchemy.engine import make_url

from app.live.bus import CHANGED, MemoryBus

log = logging.getLogger(__name__)

CHANNEL = "lupe"
RECONNECT_DELAYS = (0.1, 0.5, 1.0, 2.0, 5.0)  # seconds; the last one repeats
HEALTH_CHECK_SECONDS = 30.0  # an idle listening connection is probed this often
CONNECT_WAIT_SECONDS = 5.0  # start() waits this long for the first listening connection
HEALTHY_SECONDS = 10.0  # a listening connection that lasted this long resets the backoff

_numbers = itertools.count(1)


class RemoteBus(MemoryBus):
    """Several processes: an outbox sent in batches, and one listening connection that reconnects."""

    def __init__(self) -> None:
        super().__init__()
        # Names this process's connections in pg_stat_activity / CLIENT LIST.
        self.name = f"lupe-live-{os.getpid()}-{next(_numbers)}"
        self._outbox: dict[str, None] = {}
        self._outbox_ready = asyncio.Event()
        self._listening = asyncio.Event()
        self._first_try = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        await super().start()
        self._outbox_ready = asyncio.Event()
        self._listening = asyncio.Event()
        self._first_try = asyncio.Event()
        self._tasks = [asyncio.create_task(self._listen_forever()), asyncio.create_task(self._send_forever())]
        # Events published before the listener is up would be lost: wait for its first try.
        with suppress(TimeoutError):
            await asyncio.wait_for(self._first_try.wait(), CONNECT_WAIT_SECONDS)
        if not self.listening:
            log.warning("live bus: not listening yet; it keeps trying in the background")

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await self._close_sender()
        await super().stop()

    @property
    def listening(self) -> bool:
        """Whether the listening connection is up now."""
        return self._listening.is_set()

    def _send_later(self, topic: str) -> None:
        self._outbox[topic] = None
        self._outbox_ready.set()

    async def _send_forever(self) -> None:
        while True:
            await self._outbox_ready.wait()
            self._outbox_ready.clear()
            topics = list(self._outbox)
            self._outbox.clear()
            await self._send_or_deliver_here(topics)

    async def _send_or_deliver_here(self, topics: list[str]) -> None:
        for attempt in (1, 2):  # a dropped sending connection gets one fresh try
            try:
                await self._send(topics)
                return
            except Exception as error:  # noqa: BLE001 - any failure: reconnect, then give up
                log.warning("live bus: publishing failed (attempt %d): %s", attempt, error)
                await self._close_sender()
        # Other processes miss these; at least this process's listeners hear them.
        for topic in topics:
            self.hub.deliver(topic)

    async def _listen_forever(self) -> None:
        loop = asyncio.get_running_loop()
        failures = 0
        while True:
            connected_at = None
            try:
                async for topic in self._listen():
                    if topic is None:  # listening now: whatever happened before must be re-queried
                        connected_at = loop.time()
                        self._listening.set()
                        self._first_try.set()
                        self.hub.deliver_to_everyone(CHANGED)
                    else:
                        self.hub.deliver(topic)
            except Exception as error:  # noqa: BLE001 - any failure: reconnect with backoff
                log.warning("live bus: listening connection lost: %s", error)
            self._listening.clear()
            self._first_try.set()
            # Only a connection that held a while resets the backoff: a flapping one must not make
            # every screen re-fetch ten times a second.
            if connected_at is not None and loop.time() - connected_at > HEALTHY_SECONDS:
                failures = 0
            await asyncio.sleep(RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)])
            failures += 1

    def _listen(self) -> AsyncIterator[str | None]:
        """Connect and listen: yield None once listening, then each topic received."""
        raise NotImplementedError

    async def _send(self, topics: list[str]) -> None:
        raise NotImplementedError

    async def _close_sender(self) -> None:
        raise NotImplementedError


class PostgresBus(RemoteBus):
    """LISTEN/NOTIFY on channel ``lupe`` (per database); the payload is the topic."""

    def __init__(self, database_url: str) -> None:
        super().__init__()
        self.conninfo = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._sender: Any = None

    async def _connect(self, name: str) -> Any:
        import psycopg

        return await psycopg.AsyncConnection.connect(
            self.conninfo, autocommit=True, connect_timeout=5, application_name=name
        )

    async def _listen(self) -> AsyncIterator[str | None]:  # type: ignore[override]
        async with await self._connect(f"{self.name}-listen") as connection:
            await connection.execute(f"LISTEN {CHANNEL}")
            yield None
            while True:
                async for notify in connection.notifies(timeout=HEALTH_CHECK_SECONDS):
                    yield notify.payload
                # Quiet for a while: make sure the connection is still alive.
                await asyncio.wait_for(connection.execute("SELECT 1"), HEALTH_CHECK_SECONDS)

    async def _send(self, topics: list[str]) -> None:
        if self._sender is None or self._sender.closed:
            self._sender = await self._connect(f"{self.name}-notify")
        await self._sender.execute("SELECT pg_notify(%s, topic) FROM unnest(%s::text[]) AS topic", (CHANNEL, topics))

    async def _close_sender(self) -> None:
        sender, self._sender = self._sender, None
        if sender is not None:
            with suppress(Exception):
                await sender.close()


class RedisBus(RemoteBus):
    """Redis pub/sub on channel ``lupe``; the message is the topic."""

    def __init__(self, redis_url: str) -> None:
        super().__init__()
        self.redis_url = redis_url
        self._sender: Any = None

    def _client(self, name: str) -> Any:
        import redis.asyncio
        from redis.asyncio.retry import Retry  # the asyncio client's own (redis 8 warns on the other)
        from redis.backoff import NoBackoff

        # No silent retries inside redis-py: this bus must notice every reconnection.
        return redis.asyncio.from_url(
            self.redis_url, retry=Retry(NoBackoff(), 0), socket_connect_timeout=5, client_name=name
        )

    async def _listen(self) -> AsyncIterator[str | None]:  # type: ignore[override]
        client = self._client(f"{self.name}-listen")
        pubsub = client.pubsub()
        try:
            await pubsub.subscribe(CHANNEL)
            while True:
                message = await pubsub.get_message(timeout=HEALTH_CHECK_SECONDS)
                if message is None:
                    await asyncio.wait_for(pubsub.ping(), HEALTH_CHECK_SECONDS)
                elif message["type"] == "subscribe":  # confirmed: from now on nothing is missed
                    yield None
                elif message["type"] == "message":
                    yield message["data"].decode()
        finally:
            with suppress(Exception):
                await pubsub.aclose()
            with suppress(Exception):
                await client.aclose()

    async def _send(self, topics: list[str]) -> None:
        if self._sender is None:
            self._sender = self._client(f"{self.name}-publish")
        async with self._sender.pipeline(transaction=False) as pipeline:
            for topic in topics:
                pipeline.publish(CHANNEL, topic)
            await pipeline.execute()

    async def _close_sender(self) -> None:
        sender, self._sender = self._sender, None
        if sender is not None:
            with suppress(Exception):
                await sender.aclose()
