"""Prometheus metrics of a Lupe process, and their sum over several worker processes.

Off unless ``LUPE_METRICS=true``. With ``lupe serve --workers N`` the parent sets
``PROMETHEUS_MULTIPROC_DIR`` to a fresh folder: each worker writes its figures there
(prometheus_client's multiprocess mode) and whichever worker answers ``/metrics`` adds
them all up, so a scrape never depends on which process it reached.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from starlette.requests import Request
from starlette.responses import Response

from app.db import Database
from app.observability import MULTIPROCESS_VARIABLE
from app.security.authz import may_read_metrics

REFRESH_SECONDS = 5.0
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

disable_created_metrics()  # the *_created series only double what Prometheus scrapes


def multiprocess() -> bool:
    """Whether the figures of several worker processes are collected through a folder."""
    return bool(os.environ.get(MULTIPROCESS_VARIABLE))


class Metrics:
    """The metrics of one app; ``render()`` gives the text exposition format."""

    def __init__(self, database: Database, *, token: str = "") -> None:
        self.database = database
        self.token = token
        self.registry = CollectorRegistry()
        self._refresher: asyncio.Task[None] | None = None
        registry = self.registry
        self.requests = Counter(
            "lupe_http_requests",
            "HTTP requests by route template and status.",
            ["method", "route", "status"],
            registry=registry,
        )
        self.duration = Histogram(
            "lupe_http_request_duration_seconds",
            "Time from request to the end of the response, by route template.",
            ["method", "route"],
            buckets=DURATION_BUCKETS,
            registry=registry,
        )
        self.answers_stored = Counter(
            "lupe_answers_stored",
            "Answers the writer stored (new rows; repeats of a stored try not counted).",
            registry=registry,
        )
        self.writer_batches = Histogram(
            "lupe_answer_writer_batch_size",
            "Answers per writer transaction.",
            buckets=BATCH_BUCKETS,
            registry=registry,
        )
        self.writer_queue = Gauge(
            "lupe_answer_writer_queue_length",
            "Answers waiting for the writer.",
            multiprocess_mode="livesum",
            registry=registry,
        )
        self.pool_in_use = Gauge(
            "lupe_db_pool_connections_in_use",
            "Pooled database connections checked out by requests.",
            multiprocess_mode="livesum",
            registry=registry,
        )
        self.pool_size = Gauge(
            "lupe_db_pool_size",
            "Configured size of the request connection pool.",
            multiprocess_mode="livesum",
            registry=registry,
        )
        self.live_streams = Gauge(
            "lupe_live_streams_open",
            "Open server-sent event streams.",
            multiprocess_mode="livesum",
            registry=registry,
        )
        self.rss = Gauge(
            "lupe_process_resident_memory_bytes",
            "Resident memory of the app process.",
            multiprocess_mode="liveall",
            registry=registry,
        )
        database.writer.on_batch = self.writer_batch

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.duration.labels(method, route).observe(seconds)

    def writer_batch(self, size: int, stored: int) -> None:
        """Called by the answer writer after each transaction (from its thread)."""
        self.writer_batches.observe(size)
        if stored:
            self.answers_stored.inc(stored)

    def refresh(self) -> None:
        """Set the gauges to this process's figures now."""
        writer = self.database.writer
        self.writer_queue.set(writer.queue_length())
        pool: Any = self.database.engine.pool
        if hasattr(pool, "checkedout"):
            self.pool_in_use.set(pool.checkedout())
            self.pool_size.set(pool.size())
        self.live_streams.set(_open_live_streams())
        rss = resident_memory()
        if rss is not None:
            self.rss.set(rss)

    def render(self) -> bytes:
        """All figures in Prometheus text format: this process's, or every worker's added up."""
        self.refresh()
        if not multiprocess():
            return generate_latest(self.registry)
        from prometheus_client import multiprocess as collecting

        combined = CollectorRegistry()
        collecting.MultiProcessCollector(combined)
        return generate_latest(combined)

    async def endpoint(self, request: Request) -> Response:
        """GET /metrics (registered only when metrics are on)."""
        if not may_read_metrics(self.token, request.headers.get("authorization")):
            return Response("Unauthorized", status_code=401, headers={"WWW-Authenticate": "Bearer"})
        return Response(self.render(), media_type=CONTENT_TYPE_LATEST)

    def start(self) -> None:
        """In a worker of several, keep this process's gauges fresh for scrapes another worker answers."""
        if multiprocess() and self._refresher is None:
            self._refresher = asyncio.create_task(self._keep_refreshing())

    def stop(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
            self._refresher = None
        if multiprocess():
            from prometheus_client import multiprocess as collecting

            collecting.mark_process_dead(os.getpid())  # its live gauges go; its counters still count

    async def _keep_refreshing(self) -> None:
        while True:
            self.refresh()
            await asyncio.sleep(REFRESH_SECONDS)


def resident_memory() -> int | None:
    """This process's resident set size in bytes (Linux), or None where /proc is missing."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return pages * _PAGE_SIZE


def _open_live_streams() -> int:
    """Open server-sent event streams of this process (app/live/stream.py keeps them)."""
    stream = sys.modules.get("app.live.stream")  # not loaded: no stream was ever opened here
    if stream is None:
        return 0
    counter = getattr(stream, "open_streams", None)
    if callable(counter):
        return int(counter())
    return len(getattr(stream, "_open_streams", ()))
