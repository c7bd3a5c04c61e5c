"""The live event bus: "something changed in live:17" reaches every listener in every process.

An event is only a topic ("live:17", "assignment:17", "class:4"), never data: a listener
re-queries the database. One process keeps events in memory (MemoryBus, here); several
processes share them through PostgreSQL LISTEN/NOTIFY or Redis pub/sub (app/live/remote.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import suppress
from types import TracebackType
from typing import Protocol

from app.settings import Settings

log = logging.getLogger(__name__)

CHANGED = "*"  # "anything may have changed": after a reconnect, or when a subscriber fell behind
MAX_TOPIC_LENGTH = 200  # NOTIFY payloads must stay under 8,000 bytes
PENDING_LIMIT = 16


class Subscription:
    """What one listener has pending: each topic at most once; too many collapse to CHANGED.

    ``async with bus.subscribe("live:17") as events: async for topic in events: ...``
    """

    def __init__(self, hub: Hub, topics: frozenset[str], key: str | None, limit: int = PENDING_LIMIT) -> None:
        self.topics = topics
        self.key = key
        self.closed = hub.closed
        self._hub = hub
        self._limit = limit
        self._pending: dict[str, None] = {}  # an ordered set
        self._ready = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    async def __aenter__(self) -> Subscription:
        # No await before registering: a caller may check a count and subscribe atomically.
        self._loop = asyncio.get_running_loop()
        self._hub.add(self)
        return self

    async def __aexit__(self, *_exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._hub.remove(self)
        self.close()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> str:
        while not self._pending:
            if self.closed:
                raise StopAsyncIteration
            await self._ready.wait()
        topic = next(iter(self._pending))
        del self._pending[topic]
        if not self._pending and not self.closed:
            self._ready.clear()
        return topic

    async def wait(self, timeout: float | None = None) -> bool:
        """Wait until a topic is pending (True), or until ``timeout`` passes or the subscription ends (False)."""
        if not self._pending and not self.closed:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._ready.wait(), timeout)
        return bool(self._pending) and not self.closed

    def drain(self) -> list[str]:
        """The pending topics, oldest first; afterwards nothing is pending."""
        topics = list(self._pending)
        self._pending.clear()
        if not self.closed:
            self._ready.clear()
        return topics

    def put(self, topic: str) -> None:
        """Note that ``topic`` fired (on the subscription's loop)."""
        if self.closed or topic in self._pending or CHANGED in self._pending:
            return  # already known, or covered by "anything may have changed"
        if len(self._pending) >= self._limit:
            self._pending = {CHANGED: None}
        else:
            self._pending[topic] = None
        self._ready.set()

    def close(self) -> None:
        """End the subscription: iteration stops, waits return."""
        self.closed = True
        self._ready.set()

    def close_threadsafe(self) -> None:
        """close() from any thread (a signal handler, say)."""
        if self._loop is not None:
            _call_soon(self._loop, self.close)


class Hub:
    """The subscribers of one process and the fan-out to them; used on the bus's loop only."""

    def __init__(self) -> None:
        self.closed = False
        self._by_topic: dict[str, set[Subscription]] = {}
        self._everyone: set[Subscription] = set()

    def subscribe(self, topics: tuple[str, ...], key: str | None) -> Subscription:
        if not topics:
            raise ValueError("subscribe to at least one topic")
        return Subscription(self, frozenset(check_topic(topic) for topic in topics), key)

    def add(self, subscription: Subscription) -> None:
        if self.closed:
            subscription.close()
            return
        self._everyone.add(subscription)
        for topic in subscription.topics:
            self._by_topic.setdefault(topic, set()).add(subscription)

    def remove(self, subscription: Subscription) -> None:
        self._everyone.discard(subscription)
        for topic in subscription.topics:
            listeners = self._by_topic.get(topic)
            if listeners is not None:
                listeners.discard(subscription)
                if not listeners:
                    del self._by_topic[topic]

    def deliver(self, topic: str) -> None:
        for subscription in tuple(self._by_topic.get(topic, ())):
            subscription.put(topic)

    def deliver_to_everyone(self, topic: str = CHANGED) -> None:
        for subscription in tuple(self._everyone):
            subscription.put(topic)

    def count(self, key: str | None = None) -> int:
        if key is None:
            return len(self._everyone)
        return sum(1 for subscription in self._everyone if subscription.key == key)

    def close(self) -> None:
        self.closed = True
        for subscription in tuple(self._everyone):
            subscription.close()


class Bus(Protocol):
    """What the live pages need of a bus, whichever backend carries the events."""

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def publish(self, topic: str) -> None: ...
    def publish_threadsafe(self, topic: str) -> None: ...
    def subscribe(self, *topics: str, key: str | None = None) -> Subscription: ...
    def subscribers(self, key: str | None = None) -> int: ...


def check_topic(topic: str) -> str:
    """``topic`` if it can travel as a NOTIFY payload or Redis message, else ValueError."""
    if not isinstance(topic, str) or not 0 < len(topic) <= MAX_TOPIC_LENGTH or not topic.isprintable():
        raise ValueError(f"not a bus topic: {topic!r}")
    return topic


def _call_soon(loop: asyncio.AbstractEventLoop | None, callback: Callable[..., object], *args: object) -> None:
    if loop is None:
        log.debug("live bus not started: event dropped")
        return
    try:
        loop.call_soon_threadsafe(callback, *args)
    except RuntimeError:  # the loop is closed: the process is stopping, nobody listens
        log.debug("live bus stopped: event dropped")


class MemoryBus:
    """One process: events go straight from publish() to the local subscribers."""

    def __init__(self) -> None:
        self.hub = Hub()
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.hub = Hub() if self.hub.closed else self.hub

    async def stop(self) -> None:
        self.hub.close()

    async def publish(self, topic: str) -> None:
        """Tell every subscriber of ``topic``; returns at once."""
        self._send_later(check_topic(topic))

    def publish_threadsafe(self, topic: str) -> None:
        """publish() from a thread without an event loop (the answer writer)."""
        _call_soon(self._loop, self._send_later, check_topic(topic))

    def subscribe(self, *topics: str, key: str | None = None) -> Subscription:
        """An async context manager yielding each topic that fires; ``key`` counts it for a person."""
        return self.hub.subscribe(topics, key)

    def subscribers(self, key: str | None = None) -> int:
        """Open subscriptions in this process (those held for ``key`` when given)."""
        return self.hub.count(key)

    def _send_later(self, topic: str) -> None:
        self.hub.deliver(topic)


def create_bus(settings: Settings) -> Bus:
    """The bus ``LUPE_LIVE_BUS`` asks for; ``auto`` is PostgreSQL on PostgreSQL, else memory."""
    kind = settings.live_bus
    if kind == "auto":
        kind = "memory" if settings.is_sqlite else "postgres"
    if kind == "memory":
        if settings.workers > 1:
            log.warning("live bus in memory with %d workers: live pages see only their own process", settings.workers)
        return MemoryBus()
    from app.live.remote import PostgresBus, RedisBus  # psycopg and redis only where needed

    if kind == "postgres":
        if not settings.effective_database_url.startswith("postgresql"):
            raise ValueError("LUPE_LIVE_BUS=postgres needs LUPE_DATABASE_URL to be a PostgreSQL database")
        return PostgresBus(settings.effective_database_url)
    if not settings.redis_url:
        raise ValueError("LUPE_LIVE_BUS=redis needs LUPE_REDIS_URL, e.g. redis://127.0.0.1:6379/0")
    return RedisBus(settings.redis_url)
