"""Plain reads and writes (app/plain.py): the same rows as through SQLAlchemy, the same errors."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlalchemy import literal, literal_column, select, table
from sqlalchemy.exc import IntegrityError, OperationalError

from app.classroom.models import Pupil
from app.db import Database
from app.practice.services import _ANSWERS_QUERY, _ITEM_QUERY, SETTLED, StoredAnswer, answers_of
from app.security.authz import _PLAYABLE_QUERY
from app.security.sessions import PRINCIPAL_QUERY, SessionCookies
from app.settings import Settings
from tests.test_db import answer, seed

BOTH = pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


@BOTH
def test_plain_rows_equal_sqlalchemy_rows(settings: Settings) -> None:
    """Dates, booleans, JSON, floats and literals come back exactly as SQLAlchemy returns them."""
    database = Database.from_settings(settings)
    pupils, target, items = seed(database, 2)
    with database.writing() as db:
        token = SessionCookies(settings).start(db, pupil_id=pupils[0])
        pupil = db.get(Pupil, pupils[0])
        assert pupil is not None
        class_id = pupil.class_id

    async def store() -> None:
        first = {**answer(pupils[0], target, items[0]), "response": {"options": ["a", "b"]}, "score": 0.5}
        await database.writer.store(first)
        await database.writer.store({**answer(pupils[0], target, items[1]), "is_correct": False, "attempt": 2})

    asyncio.run(store())
    token_hash = SessionCookies(settings).token_hash(token)
    cases = [
        (PRINCIPAL_QUERY, {"token_hash": token_hash}),
        (PRINCIPAL_QUERY, {"token_hash": "unknown"}),
        (_PLAYABLE_QUERY, {"class_id": class_id, "assignment_id": target["assignment_id"], "school_id": 1}),
        (_ANSWERS_QUERY, {"pupil_id": pupils[0], "assignment_id": target["assignment_id"]}),
        (_ITEM_QUERY, {"pupil_id": pupils[1], "assignment_id": target["assignment_id"], "item_key": items[0][1]}),
        (_ITEM_QUERY, {"pupil_id": pupils[0], "assignment_id": target["assignment_id"], "item_key": items[0][1]}),
    ]
    try:
        for statement, values in cases:
            with database.engine.connect() as connection:
                expected = [tuple(row) for row in connection.execute(statement, values)]
            with database.plain.connect() as plain:
                got = list(plain.execute(statement, values))
            assert [tuple(row) for row in got] == expected
            assert [type(v) for row in got for v in row] == [type(v) for row in expected for v in row]
        assert expected and expected[-1][5] == {"options": ["a", "b"]}  # the one response asked for, decoded
        with database.plain.connect() as plain:
            principal = plain.execute(PRINCIPAL_QUERY, {"token_hash": token_hash}).first()
        assert principal.pupil_id == pupils[0] and principal.expires_at.tzinfo is not None  # by name, aware
    finally:
        database.close()


@BOTH
def test_one_item_read_has_its_tries_in_full_and_the_other_settled_items_by_key(settings: Settings) -> None:
    database = Database.from_settings(settings)
    pupils, target, items = seed(database, 2)
    mine, other = pupils
    assignment = target["assignment_id"]

    async def store() -> None:
        await database.writer.store({**answer(mine, target, items[0]), "final": False, "is_correct": False})
        await database.writer.store({**answer(mine, target, items[0]), "attempt": 2, "choice": "Fake"})
        await database.writer.store(answer(mine, target, items[1]))
        await database.writer.store(answer(mine, target, items[2]))
        await database.writer.store({**answer(mine, target, items[3]), "final": False})  # not settled yet
        await database.writer.store(answer(other, target, items[4]))  # another pupil's

    asyncio.run(store())
    try:
        for reads in (database.plain.connect, database.engine.connect):  # plain and through SQLAlchemy alike
            with reads() as db:
                shown = answers_of(db, pupil_id=mine, assignment_id=assignment, item_key=items[0][1])
                fresh = answers_of(db, pupil_id=mine, assignment_id=assignment, item_key=items[5][1])
                theirs = answers_of(db, pupil_id=other, assignment_id=assignment, item_key=items[0][1])
            assert shown == {
                items[0][1]: StoredAnswer("Fake", None, True, None, None, 2, True),  # the latest try
                items[1][1]: SETTLED,
                items[2][1]: SETTLED,
            }
            assert fresh == {items[0][1]: SETTLED, items[1][1]: SETTLED, items[2][1]: SETTLED}
            assert theirs == {items[4][1]: SETTLED}
    finally:
        database.close()


@BOTH
def test_plain_errors_are_sqlalchemy_errors(settings: Settings) -> None:
    """The error pages see the same exception classes as on every other path (503, 400…)."""
    database = Database.from_settings(settings)
    pupils, target, items = seed(database, 1)
    try:
        # An answer of a pupil that does not exist:
        with pytest.raises(IntegrityError), database.writer.plain.transaction() as connection:
            database.writer._insert(connection, [answer("no-such-pupil", target, items[0])])
        broken = select(literal_column("no_such_column")).select_from(table("pupil"))
        expected = OperationalError if settings.is_sqlite else Exception
        with pytest.raises(expected) as raised, database.plain.connect() as plain:
            plain.execute(broken, {})
        assert raised.value.__class__.__module__.startswith("sqlalchemy")
        with database.plain.connect() as plain:  # and the pool still works
            assert plain.execute(select(literal(1)), {}).first() == (1,)
    finally:
        database.close()


def test_reading_threads_keep_one_connection_each_and_give_it_back_when_they_end(settings: Settings) -> None:
    """On SQLite a thread keeps its reading connection; threads that ended (a test client's, say)
    must not hold the pool's connections for ever."""
    database = Database.from_settings(settings)

    def read() -> None:
        with database.plain.connect() as plain:
            assert plain.execute(select(literal(1)), {}).first() == (1,)

    try:
        for _ in range(60):  # more threads than the pool has connections (20 + 10)
            thread = threading.Thread(target=read)
            thread.start()
            thread.join()
        read()
        read()  # the same thread reads again on the connection it kept
        assert len(database.plain._kept) <= 2
    finally:
        database.close()
    assert database.plain._kept == {}
