"""The answer path's remembered sign-in and grant (app/security/grants.py): every change to what
decides who may play what takes effect at the next answer, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.clock import now
from app.security.grants import VERSION_QUERY, RememberedGrants
from tests.conftest import html, pupil_playing

BOTH = pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


def version(app: Any) -> int:
    with app.state.lupe.db.engine.connect() as connection:
        return int(connection.execute(VERSION_QUERY).scalar_one())


def run(app: Any, *statements: str, **values: Any) -> None:
    """Statements in one transaction, as any writer (a route, the CLI, another process) would run them."""
    with app.state.lupe.db.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement), values)


@pytest.fixture
def answering(client: TestClient, app: Any) -> Iterator[tuple[TestClient, int, list[str]]]:
    """A pupil who has answered once, so their sign-in and grant are remembered."""
    pupil, assignment_id, first_key = pupil_playing(client, app, "Igel")
    keys = [first_key]
    answered = pupil.post(f"/play/{assignment_id}/items/{keys[0]}", data={"choice": "Fakt"})
    assert answered.status_code == 200
    keys.append(html(answered).select_one(".next a")["href"].rsplit("/", 1)[-1])
    assert app.state.lupe.grants._rows, "the first answer remembers the sign-in and grant"
    yield pupil, assignment_id, keys


def answer(pupil: TestClient, assignment_id: int, key: str) -> Any:
    return pupil.post(f"/play/{assignment_id}/items/{key}", data={"choice": "Fakt"}, follow_redirects=False)


@BOTH
def test_triggers_count_updates_and_deletions_of_every_watched_table_not_insertions(
    answering: tuple[TestClient, int, list[str]], app: Any
) -> None:
    changes = [
        "UPDATE school SET name = name",
        "UPDATE account SET display_name = display_name",
        "UPDATE pupil SET pseudonym = pseudonym",
        "UPDATE school_class SET name = name",
        "UPDATE assignment SET kind = kind",
        "UPDATE pack SET current_version_id = current_version_id",
        "UPDATE auth_session SET expires_at = expires_at",
        "DELETE FROM auth_session WHERE pupil_id IS NOT NULL",
    ]
    for change in changes:  # SQLite counts each row, PostgreSQL each transaction
        before = version(app)
        run(app, change)
        assert version(app) > before, change
    before = version(app)
    run(
        app,
        "INSERT INTO school (name, allow_reflection, admins_need_two_factor, created_at) "
        "VALUES ('Neue Schule', false, false, :at)",
        at=now(),
    )
    assert version(app) == before


@pytest.mark.parametrize("database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_on_postgresql_one_transaction_counts_once(answering: tuple[TestClient, int, list[str]], app: Any) -> None:
    before = version(app)
    run(app, "UPDATE school SET name = name", "UPDATE pupil SET pseudonym = pseudonym", "UPDATE pack SET key = key")
    assert version(app) == before + 1


@BOTH
def test_a_closed_assignment_refuses_the_next_answer(answering: tuple[TestClient, int, list[str]], app: Any) -> None:
    pupil, assignment_id, keys = answering
    run(app, "UPDATE assignment SET closed_at = :at WHERE id = :id", at=now() - timedelta(seconds=1), id=assignment_id)
    assert answer(pupil, assignment_id, keys[1]).status_code == 409


@BOTH
def test_an_ended_session_or_a_closed_class_signs_the_pupil_out_at_once(
    answering: tuple[TestClient, int, list[str]], app: Any
) -> None:
    pupil, assignment_id, keys = answering
    run(app, "UPDATE school_class SET is_open = false")
    refused = answer(pupil, assignment_id, keys[1])
    assert refused.status_code == 303 and refused.headers["location"] == "/"
    run(app, "UPDATE school_class SET is_open = true")
    assert answer(pupil, assignment_id, keys[1]).status_code == 200
    run(app, "DELETE FROM auth_session WHERE pupil_id IS NOT NULL")
    assert answer(pupil, assignment_id, keys[1]).headers["location"] == "/"


@BOTH
def test_time_rules_are_judged_on_every_answer(answering: tuple[TestClient, int, list[str]], app: Any) -> None:
    """An expiry that passes while the row is remembered: nothing changed in the tables, yet it counts."""
    pupil, assignment_id, keys = answering
    remembered = app.state.lupe.grants._rows
    for key, (seen, row) in list(remembered.items()):
        remembered[key] = (seen, row._replace(expires_at=now() - timedelta(seconds=1)))
    assert answer(pupil, assignment_id, keys[1]).headers["location"] == "/"


class ScriptedReads:
    """A reading connection that returns the given rows in turn."""

    def __init__(self, *results: Any) -> None:
        self.results = list(results)
        self.statements = 0

    def execute(self, _statement: Any, _values: dict[str, Any]) -> Any:
        self.statements += 1
        result = self.results.pop(0)

        class Result:
            def first(self) -> Any:
                return result

        return Result()


class Row:
    def __init__(self, access_version: int) -> None:
        self.access_version = access_version


def test_a_row_read_while_something_changed_is_not_remembered() -> None:
    grants = RememberedGrants(database=None, size=10)  # type: ignore[arg-type]
    grants._usable = True
    changed = Row(access_version=6)
    assert grants.row(ScriptedReads((5,), changed), "q", {}, "key") is changed  # version 5, then the row at 6
    assert grants._rows == {}
    steady = Row(access_version=6)
    assert grants.row(ScriptedReads((6,), steady), "q", {}, "key") is steady
    reads = ScriptedReads((6,))
    assert grants.row(reads, "q", {}, "key") is steady and reads.statements == 1  # remembered: only the version
    reads = ScriptedReads((7,), Row(access_version=7))
    assert grants.row(reads, "q", {}, "key") is not steady and reads.statements == 2  # changed since: read anew


@BOTH
def test_without_its_triggers_nothing_is_remembered(app: Any) -> None:
    database = app.state.lupe.db

    def usable() -> bool:
        with database.plain.connect() as db:
            return RememberedGrants(database).usable(db)

    assert usable()
    dropped = "DROP TRIGGER pupil_update_access" + ("" if database.engine.dialect.name == "sqlite" else " ON pupil")
    run(app, dropped)
    assert not usable()
