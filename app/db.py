"""Database access: the engine, SQLite pragmas, read and write sessions, the answer writer.

SQLite allows one writer at a time. Ordinary writes open their transaction with
``BEGIN IMMEDIATE`` so they queue on the busy timeout instead of failing when a read
turns into a write; answers, which arrive in bursts, go through :class:`AnswerWriter`,
one thread that writes them in batches.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Engine, bindparam, create_engine, event, text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.plain import PlainConnection, PlainPlans
from app.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_MS = 15_000
WRITER_BATCH = 256
GATHER_AFTER = 0.005  # a commit less than this long ago means answers are coming in…
GATHER_FOR = 0.004  # …so the writer waits this long for more before it writes
ANSWER_KEY = ("pupil_id", "assignment_id", "item_key", "attempt")  # unique: a retry stores nothing


def create_db_engine(url: str, *, pool_size: int = 20) -> Engine:
    """An engine for ``url`` with Lupe's connection settings for SQLite or PostgreSQL."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_size=pool_size,
            max_overflow=10,
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=10, pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN IMMEDIATE is possible.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("lupe_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


@dataclass
class Database:
    """The engine of one app process and the ways to use it."""

    engine: Engine
    writer: AnswerWriter = field(init=False)

    def __post_init__(self) -> None:
        self.plain = PlainPlans(self.engine)  # the answer path's reads, without SQLAlchemy's per-query work
        self._write_engine = self.engine.execution_options(lupe_begin="IMMEDIATE")
        # The writer has an engine (and connection) of its own: requests waiting for it must
        # never be able to take the last pooled connection it needs.
        writer_engine = create_db_engine(self.engine.url.render_as_string(hide_password=False), pool_size=1)
        self.writer = AnswerWriter(writer_engine.execution_options(lupe_begin="IMMEDIATE"))

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        if settings.is_sqlite:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(create_db_engine(settings.effective_database_url))

    async def run_reads(self, reads: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a request's blocking reads: in place on SQLite (fast local calls), in a worker thread
        on PostgreSQL, where each network round trip on the event loop would stall every request."""
        if self.engine.dialect.name == "sqlite":
            return reads(*args, **kwargs)
        return await run_in_threadpool(reads, *args, **kwargs)

    def read_session(self) -> Session:
        """A session for reading; writes through it may wait on SQLite."""
        return Session(self.engine, expire_on_commit=False)

    def write_session(self) -> Session:
        """A session whose transaction takes the write lock at its start."""
        return Session(self._write_engine, expire_on_commit=False)

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A write session committed on success and rolled back on error."""
        with self.write_session() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def is_reachable(self) -> bool:
        """Whether a trivial query succeeds now."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:  # any driver error means "not reachable"
            log.warning("database unreachable", exc_info=True)
            return False

    def close(self) -> None:
        self.writer.stop()
        self.writer.engine.dispose()
        self.plain.close()
        self.engine.dispose()


class AnswerWriter:
    """The one place that stores answers: a thread that writes them in batches.

    A whole class submitting in the same second becomes a few transactions instead
    of thirty competing for SQLite's write lock. ``INSERT … ON CONFLICT DO NOTHING``
    on the answer's unique key makes a double click or a retried request store one row.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.plain = PlainPlans(engine)
        self._statements: dict[int, Any] = {}  # the INSERT for each batch size, built once
        self._queue: queue.SimpleQueue[tuple[Any, asyncio.Future[bool]] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._last_commit = 0.0
        # Told (batch size, rows stored) after each transaction; app/observability/metrics.py sets it.
        self.on_batch: Callable[[int, int], None] | None = None
        # Told the assignments that got new answers, after the commit: live screens re-query them.
        self.on_stored: Callable[[set[int]], None] | None = None

    def queue_length(self) -> int:
        """Answers waiting to be written (approximate, for metrics)."""
        return self._queue.qsize()

    def start(self) -> None:
        """Start the writer's thread unless it runs (checked without the lock first: every answer asks)."""
        if self._running():
            return
        with self._lock:
            if not self._running():
                self._thread = threading.Thread(target=self._run, name="lupe-answer-writer", daemon=True)
                self._thread.start()

    def _running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def stop(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                self._queue.put(None)
                self._thread.join(timeout=10)
            self._thread = None

    async def store(self, values: dict[str, Any]) -> bool:
        """Store one answer; True when it is new, False when it was already stored."""
        self.start()
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.put((values, future))
        return await future

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            if time.monotonic() - self._last_commit < GATHER_AFTER:
                # Answers are coming in: wait a moment for more, so that one transaction stores
                # several. One at a time, a transaction each cost more than the rest of an answer.
                time.sleep(GATHER_FOR)
            while len(batch) < WRITER_BATCH:
                try:
                    entry = self._queue.get_nowait()
                except queue.Empty:
                    break
                if entry is None:
                    self._write_safely(batch)
                    return
                batch.append(entry)
            self._write_safely(batch)
            self._last_commit = time.monotonic()

    def _write_safely(self, batch: list[tuple[Any, asyncio.Future[bool]]]) -> None:
        """Write a batch; whatever goes wrong, no request is left waiting and the writer lives on."""
        try:
            self._write(batch)
        except Exception as error:
            log.exception("answer writer failed on a batch")
            failed = RuntimeError(f"answer could not be stored: {error}")
            _resolve_all([(future, False, failed) for _, future in batch])

    def _write(self, batch: list[tuple[Any, asyncio.Future[bool]]]) -> None:
        try:
            with self.plain.transaction() as connection:
                results = self._insert(connection, [values for values, _ in batch])
        except (OperationalError, InterfaceError) as error:
            # The database is away, locked or full: every waiting request gets it (the 503 page), at once;
            # trying the rows one by one would make each wait out the outage again.
            log.warning("answers could not be stored, database unavailable: %s", error.orig)
            _resolve_all([(future, False, error) for _, future in batch])
            return
        except Exception:
            # One bad row (say, a pupil deleted meanwhile) must not fail its neighbours.
            if len(batch) > 1:
                for entry in batch:
                    self._write([entry])
                return
            _resolve_all([(batch[0][1], False, RuntimeError("answer could not be stored"))])
            log.exception("answer could not be stored")
            return
        _resolve_all([(future, inserted, None) for (_, future), inserted in zip(batch, results, strict=True)])
        stored = {values["assignment_id"] for (values, _), inserted in zip(batch, results, strict=True) if inserted}
        if self.on_stored is not None and stored:
            try:
                self.on_stored(stored)
            except Exception:  # telling screens must never stop the writer
                log.exception("answer writer: telling live screens failed")
        if self.on_batch is not None:
            try:
                self.on_batch(len(batch), sum(results))
            except Exception:  # counting must never stop the writer
                log.exception("answer writer hook failed")

    def _insert(self, connection: PlainConnection, rows: list[dict[str, Any]]) -> list[bool]:
        """Insert a batch in one statement; for each row, whether it is new (of equal keys, only the first)."""
        values = {
            f"{name}_{i}": row[name] if name in row else _missing(name)
            for i, row in enumerate(rows)
            for name in _columns()
        }
        # RETURNING, not rowcount: drivers disagree on rowcount for ON CONFLICT.
        new = {tuple(row) for row in connection.execute(self._statement(len(rows)), values)}
        results = []
        for i in range(len(rows)):
            key = tuple(values[f"{name}_{i}"] for name in ANSWER_KEY)  # as inserted, defaults filled in
            results.append(key in new)
            new.discard(key)
        return results

    def _statement(self, size: int) -> Any:
        """``INSERT … VALUES (…), (…) ON CONFLICT DO NOTHING RETURNING`` the key, for ``size`` rows."""
        statement = self._statements.get(size)
        if statement is None:
            table = _answer_table()
            # Only this database's dialect: PostgreSQL's would cost an SQLite process 2.5 MB (docs/benchmarks.md, 4).
            if self.engine.dialect.name == "postgresql":
                from sqlalchemy.dialects.postgresql import insert
            else:
                from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
            rows = [
                {name: bindparam(f"{name}_{i}", type_=table.c[name].type) for name in _columns()} for i in range(size)
            ]
            statement = (
                insert(table)
                .values(rows)
                .on_conflict_do_nothing(index_elements=list(ANSWER_KEY))
                .returning(*(table.c[name] for name in ANSWER_KEY))
            )
            self._statements[size] = statement
        return statement


def _answer_table() -> Any:
    from app.practice.models import Answer

    return Answer.__table__  # type: ignore[attr-defined]


@cache
def _columns() -> tuple[str, ...]:
    return tuple(column.name for column in _answer_table().c if column.name != "id")


def _missing(name: str) -> Any:
    """The model's default for a column a row leaves out."""
    default = _answer_table().c[name].default
    if default is None:
        return None
    return default.arg(None) if default.is_callable else default.arg


def _resolve_all(outcomes: list[tuple[asyncio.Future[bool], bool, Exception | None]]) -> None:
    """Tell the waiting requests: one wake-up of their event loop for a whole batch, not one each."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[bool], bool, Exception | None]]] = {}
    for outcome in outcomes:
        by_loop.setdefault(outcome[0].get_loop(), []).append(outcome)
    for loop, settled in by_loop.items():
        try:
            loop.call_soon_threadsafe(_settle, settled)
        except RuntimeError:  # the waiting loop is gone; nobody is left to tell
            log.debug("answer results dropped: event loop closed")


def _settle(outcomes: list[tuple[asyncio.Future[bool], bool, Exception | None]]) -> None:
    for future, result, error in outcomes:
        if future.done():
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)
