"""Core SELECTs run straight on the driver's cursor, for the answer path.

A pupil's answer needs two small reads (who asks and whether they may play this; their tries so far).
Through SQLAlchemy's execution machinery each read cost 30–80 µs of Python, several times
what SQLite itself spends on it (see docs/benchmarks.md). Here a statement is compiled
once per dialect into its SQL, its bind and result conversions; executing it is then one
``cursor.execute`` and the same conversions SQLAlchemy would apply. The statements stay
ordinary Core selects, defined once and usable through a ``Session`` as well: the
functions that run them (``load_principal``, ``check_pupil_plays``, ``answers_of``) only call
``db.execute(statement, values)`` and read the rows by name or position.
"""

from __future__ import annotations

import threading
from collections import namedtuple
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable
from sqlmodel import Session


@dataclass
class _Plan:
    sql: str
    positions: tuple[str, ...] | None  # the bind names in order, for positional paramstyles (SQLite)
    defaults: dict[str, Any]  # values of binds the statement carries itself (literals)
    bind_processors: dict[str, Callable[[Any], Any]]
    row: type  # a named tuple of the selected columns
    types: list[Any]  # the selected columns' types
    # Set at the first execution: some conversions depend on the type the driver reports.
    result_processors: tuple[Callable[[Any], Any] | None, ...] | None = None

    def processors(self, dialect: Any, description: Any) -> tuple[Callable[[Any], Any] | None, ...]:
        if self.result_processors is None:
            self.result_processors = tuple(
                kind._cached_result_processor(dialect, column[1])
                for kind, column in zip(self.types, description, strict=True)
            )
        return self.result_processors


class PlainResult:
    """The rows of one plain query: iterate them or take the first."""

    def __init__(self, rows: list[Any]) -> None:
        self._rows = rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def first(self) -> Any:
        return self._rows[0] if self._rows else None


class PlainConnection:
    """A pooled driver connection that runs Core SELECTs through their compiled plans."""

    def __init__(self, raw: Any, plans: PlainPlans) -> None:
        self._raw = raw
        self._plans = plans

    def execute(self, statement: Executable, values: dict[str, Any]) -> PlainResult:
        plan = self._plans.plan(statement)
        merged = {**plan.defaults, **values}
        for name, process in plan.bind_processors.items():
            merged[name] = process(merged[name])
        parameters: Any = merged if plan.positions is None else tuple(merged[name] for name in plan.positions)
        cursor = self._raw.cursor()
        try:
            cursor.execute(plan.sql, parameters)
            fetched = cursor.fetchall()
            processors = plan.processors(self._plans.dialect, cursor.description)
        except self._plans.dbapi_error as error:
            self._plans.translate(error, plan.sql, parameters, self._raw, cursor)
        finally:
            cursor.close()
        row = plan.row
        if not any(processors):
            return PlainResult([row(*values) for values in fetched])
        return PlainResult(
            [
                row(
                    *[
                        value if process is None else process(value)
                        for process, value in zip(processors, values, strict=True)
                    ]
                )
                for values in fetched
            ]
        )


# What the functions shared by the answer path and the pages read through.
Reads = Session | Connection | PlainConnection


class PlainPlans:
    """Compiled plans of an engine's dialect, by statement; hands out plain connections."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect
        self.dbapi_error: type[Exception] = self.dialect.loaded_dbapi.Error
        self._plans: dict[int, tuple[Executable, _Plan]] = {}
        self._local = threading.local()  # SQLite: each thread's own reading connection
        self._kept: dict[threading.Thread, Any] = {}  # the connection each reading thread keeps
        self._lock = threading.Lock()

    @contextmanager
    def connect(self) -> Iterator[PlainConnection]:
        """A connection on which each statement reads a snapshot of its own: a read that must agree
        with itself is one statement (as the answer path's two are).

        On SQLite each thread keeps its own connection (the pool's checkout and return cost a
        tenth of an answer's reads), in autocommit mode (app/db.py), so no BEGIN and ROLLBACK
        around the reads; elsewhere it is the pool's, handed back (and rolled back) at the end.
        """
        if self.dialect.name != "sqlite":
            raw = self._checkout()
            try:
                yield PlainConnection(raw, self)
            finally:
                raw.close()
            return
        raw = self._own_connection()
        try:
            yield PlainConnection(raw, self)
        finally:
            if not raw.is_valid:
                self._forget(raw)  # dropped after an error: the next read takes a new one

    def _own_connection(self) -> Any:
        raw = getattr(self._local, "raw", None)
        if raw is not None and raw.is_valid:
            return raw
        with self._lock:
            # Connections of threads that have ended go back to the pool (tests start a thread per client).
            for thread in [t for t in self._kept if not t.is_alive()]:
                self._kept.pop(thread).close()
            raw = self._local.raw = self._checkout()
            self._kept[threading.current_thread()] = raw
        return raw

    def _forget(self, raw: Any) -> None:
        self._local.raw = None
        with self._lock:
            self._kept.pop(threading.current_thread(), None)

    def close(self) -> None:
        """Hand back the connections threads kept (before the engine is disposed)."""
        with self._lock:
            kept, self._kept = self._kept, {}
        for raw in kept.values():
            raw.close()

    @contextmanager
    def transaction(self) -> Iterator[PlainConnection]:
        """A pooled connection in a write transaction (on SQLite one that takes the write lock at
        once), committed at the end, rolled back on an error."""
        raw = self._checkout()
        try:
            if self.dialect.name == "sqlite":
                self._run(raw, "BEGIN IMMEDIATE")
            yield PlainConnection(raw, self)
            if self.dialect.name == "sqlite":
                self._run(raw, "COMMIT")
            else:
                try:
                    raw.commit()
                except self.dbapi_error as error:
                    self.translate(error, "COMMIT", (), raw, None)
        finally:
            raw.close()  # the pool rolls back whatever was not committed

    def _checkout(self) -> Any:
        try:
            return self.engine.raw_connection()
        except self.dbapi_error as error:  # no connection to be had: the database is away
            raise DBAPIError.instance(
                None, None, error, self.dbapi_error, connection_invalidated=True, dialect=self.dialect
            ) from error

    def _run(self, raw: Any, sql: str) -> None:
        cursor = raw.cursor()
        try:
            cursor.execute(sql)
        except self.dbapi_error as error:
            self.translate(error, sql, (), raw, cursor)
        finally:
            cursor.close()

    def plan(self, statement: Executable) -> _Plan:
        found = self._plans.get(id(statement))
        if found is not None and found[0] is statement:
            return found[1]
        plan = self._compile(statement)
        self._plans[id(statement)] = (statement, plan)  # keeps the statement alive, so its id stays its own
        return plan

    def _compile(self, statement: Executable) -> _Plan:
        dialect = self.dialect
        compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
        sql, positions = str(compiled), compiled.positiontup
        # Constants SQLAlchemy renders into the SQL at each execution (say, a separator): rendered once here.
        constants = {compiled.bind_names[bind] for bind in compiled.literal_execute_params}
        if constants:
            expanded = compiled.construct_expanded_state(compiled.params)
            sql, positions = expanded.statement, expanded.positiontup
        bind_processors = {}
        for name, bind in compiled.binds.items():
            process = bind.type._cached_bind_processor(dialect)
            if process is not None and name not in constants:
                bind_processors[name] = process
        columns = list(statement.exported_columns)  # type: ignore[attr-defined]
        return _Plan(
            sql=sql,
            positions=tuple(positions) if positions is not None else None,
            defaults={name: v for name, v in compiled.params.items() if v is not None and name not in constants},
            bind_processors=bind_processors,
            row=namedtuple("PlainRow", [column.key or f"column_{i}" for i, column in enumerate(columns)], rename=True),  # type: ignore[misc]
            types=[column.type for column in columns],
        )

    def translate(self, error: Exception, sql: str, parameters: Any, raw: Any, cursor: Any) -> None:
        """Raise a driver error as SQLAlchemy would (OperationalError, DataError…), so the error
        pages treat it alike; a lost connection is dropped from the pool."""
        disconnected = self.dialect.is_disconnect(error, raw.driver_connection, cursor)  # type: ignore[arg-type]
        if disconnected:
            raw.invalidate(error)
        raise DBAPIError.instance(
            sql,
            parameters,
            error,
            self.dbapi_error,
            connection_invalidated=disconnected,
            dialect=self.dialect,
        ) from error
