"""The answer writer: a burst of a whole class stores every answer once."""

from __future__ import annotations

import asyncio
import secrets
import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from app.classroom.models import Assignment, Class, Pupil
from app.clock import now
from app.db import Database, create_db_engine
from app.packs.models import Item, Pack
from app.plain import PlainConnection
from app.practice.models import Answer
from app.settings import Settings


def seed(database: Database, pupils: int) -> tuple[list[str], dict[str, int], list[tuple[int, str]]]:
    """A school with one class of ``pupils`` pupils, the shipped pack given to it, and the pack's items."""
    from app.accounts.services import create_school_with_admin

    with database.writing() as db:
        admin = create_school_with_admin(
            db,
            school_name="Schule",
            email=f"{secrets.token_hex(4)}@x.example",
            display_name="A",
            password="korrekt-pferd-batterie",
        )
        school_class = Class(
            school_id=admin.school_id, teacher_id=admin.id, name="7a", join_code=secrets.token_hex(4).upper()
        )
        db.add(school_class)
        db.flush()
        ids = []
        for number in range(pupils):
            pupil = Pupil(
                id=secrets.token_hex(8),
                class_id=school_class.id,
                pseudonym=f"P{number}",
                resume_code_hash=secrets.token_hex(32),
            )
            db.add(pupil)
            ids.append(pupil.id)
        pack = db.execute(select(Pack).where(Pack.key == "echt-oder-erfunden")).scalar_one()
        items = [
            (row.id, row.key)
            for row in db.execute(select(Item.id, Item.key).where(Item.pack_version_id == pack.current_version_id))
        ]
        assignment = Assignment(class_id=school_class.id, pack_id=pack.id)
        db.add(assignment)
        db.flush()
        return ids, {"pack_id": pack.id, "assignment_id": assignment.id}, items


def answer(pupil_id: str, target: dict[str, int], item: tuple[int, str], choice: str = "Fakt") -> dict:
    return {
        "pupil_id": pupil_id,
        **target,
        "item_id": item[0],
        "item_key": item[1],
        "choice": choice,
        "confidence": None,
        "is_correct": True,
        "created_at": now(),
    }


@pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_class_burst_stores_every_answer_once(settings: Settings) -> None:
    database = Database(create_db_engine(settings.effective_database_url))
    pupil_ids, pack_id, items = seed(database, 30)

    async def burst() -> list[bool]:
        # Every pupil answers two items, and every request is sent twice (a retry).
        calls = [database.writer.store(answer(p, pack_id, item)) for p in pupil_ids for item in items[:2]]
        return await asyncio.gather(
            *calls, *[database.writer.store(answer(p, pack_id, items[0], "Fake")) for p in pupil_ids]
        )

    results = asyncio.run(burst())
    assert results.count(True) == 60
    assert results.count(False) == 30
    with database.read_session() as db:
        assert db.execute(select(func.count()).select_from(Answer)).scalar_one() == 60
        assert db.execute(select(func.count()).select_from(Answer).where(Answer.choice == "Fake")).scalar_one() == 0
    database.close()


def test_one_bad_answer_does_not_fail_the_rest_of_its_batch(settings: Settings) -> None:
    database = Database(create_db_engine(settings.effective_database_url))
    pupil_ids, pack_id, items = seed(database, 3)

    async def mixed() -> list[object]:
        good = [database.writer.store(answer(p, pack_id, items[0])) for p in pupil_ids]
        bad = database.writer.store(answer("no-such-pupil", pack_id, items[0]))
        return await asyncio.gather(*good, bad, return_exceptions=True)

    results = asyncio.run(mixed())
    assert results[:3] == [True, True, True]
    assert isinstance(results[3], RuntimeError)
    database.close()


def test_sqlite_connections_use_wal_and_foreign_keys(settings: Settings) -> None:
    database = Database(create_db_engine(settings.effective_database_url))
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    database.close()


@pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_a_batch_is_one_insert_and_a_doubled_answer_in_it_is_stored_once(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = Database(create_db_engine(settings.effective_database_url))
    pupil_ids, target, items = seed(database, 20)
    inserts: list[str] = []
    execute = PlainConnection.execute

    def recording(connection: PlainConnection, statement: Any, values: dict[str, Any]) -> Any:
        sql = database.writer.plain.plan(statement).sql
        if sql.startswith("INSERT"):
            inserts.append(sql)
        return execute(connection, statement, values)

    # Not through monkeypatch: the burst below undoes its own patch with monkeypatch.undo().
    PlainConnection.execute = recording  # type: ignore[method-assign]

    async def burst() -> list[bool]:
        monkeypatch.setattr(database.writer, "start", lambda: None)  # queue the whole burst: one batch
        calls = [database.writer.store(answer(p, target, items[0])) for p in pupil_ids]
        doubled = database.writer.store(answer(pupil_ids[0], target, items[0], "Fake"))
        waiting = asyncio.gather(*calls, doubled)
        await asyncio.sleep(0.05)
        monkeypatch.undo()
        database.writer.start()
        return await waiting

    try:
        results = asyncio.run(burst())
    finally:
        PlainConnection.execute = execute  # type: ignore[method-assign]
    assert results == [True] * 20 + [False]
    assert len(inserts) == 1
    with database.read_session() as db:
        assert db.execute(select(func.count()).select_from(Answer)).scalar_one() == 20
        assert db.execute(select(func.count()).select_from(Answer).where(Answer.choice == "Fake")).scalar_one() == 0
    database.close()


@pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_request_reads_leave_the_event_loop_on_postgresql_only(settings: Settings) -> None:
    database = Database(create_db_engine(settings.effective_database_url))

    async def where() -> str:
        return await database.run_reads(lambda: threading.current_thread().name)

    ran_in = asyncio.run(where())
    expected_main = database.engine.dialect.name == "sqlite"
    assert (ran_in == threading.main_thread().name) is expected_main
    database.close()


def test_a_failure_after_the_commit_leaves_no_request_waiting(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in the writer's bookkeeping must not kill its thread and hang every pupil after it."""
    database = Database.from_settings(settings)
    calls = iter([[], [True]])  # the first batch comes back without its result: a bug after the commit
    monkeypatch.setattr(type(database.writer), "_insert", lambda _self, _connection, _rows: next(calls))

    async def two_batches() -> list[object]:
        first = await asyncio.gather(database.writer.store({"assignment_id": 1}), return_exceptions=True)
        second = await asyncio.wait_for(database.writer.store({"assignment_id": 2}), timeout=10)
        return [*first, second]

    try:
        first, second = asyncio.run(two_batches())
    finally:
        database.close()
    assert isinstance(first, RuntimeError)  # told it failed, not left hanging
    assert second is True  # and the writer still works
