"""Deleting a pupil, a class or a school leaves no row behind in any table (SECURITY.md case 29)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from app.accounts.models import School
from app.db import Database
from app.packs.models import Pack, PackMedia
from app.privacy.deletion import delete_class, delete_pupil, delete_school
from tests.privacy.conftest import both_databases
from tests.privacy.world import SchoolWorld, build_school, doomed_rows, fill_empty_tables, leftovers, row_counts


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Any, sqlite_template: Any) -> str:
    """Both databases: foreign keys and cascades differ in the details."""
    return both_databases(request, tmp_path, sqlite_template)


def two_schools(database: Database) -> tuple[SchoolWorld, SchoolWorld, dict[str, int]]:
    """The school whose data is deleted, with every table filled, and a bystander school."""
    with database.writing() as db:
        victim = build_school(db, "Alpha")
        filled = fill_empty_tables(db, victim)
        bystander = build_school(db, "Beta")
    assert "audit_entry" not in filled and "answer" not in filled  # the world itself fills the known tables
    with database.read_session() as db:
        counts = row_counts(db)
    empty = [name for name, count in counts.items() if name != "purge_run" and count == 0]
    assert empty == [], f"the world leaves tables empty: {empty}"
    return victim, bystander, counts


def bystander_counts(database: Database, bystander: SchoolWorld) -> dict[str, int]:

    with database.read_session() as db:
        doomed = doomed_rows(db, {"school": {bystander.school_id}})
        return {name: len(rows) for name, rows in doomed.items()}


def test_deleting_a_pupil_leaves_nothing_of_them(database: Database) -> None:
    victim, bystander, _ = two_schools(database)
    before = bystander_counts(database, bystander)
    pupil_id, pseudonym = victim.pupil_ids[0], victim.pseudonyms[0]
    with database.read_session() as db:
        doomed = doomed_rows(db, {"pupil": {pupil_id}})
    assert doomed["answer"] and doomed["auth_session"]
    with database.writing() as db:
        delete_pupil(db, pupil_id)
    with database.read_session() as db:
        assert leftovers(db, doomed, [pseudonym, pupil_id]) == []
        # the classmate is still there
        assert leftovers(db, {}, [victim.pseudonyms[1]]) != []
    assert bystander_counts(database, bystander) == before


def test_deleting_a_class_leaves_nothing_of_it(database: Database) -> None:
    victim, bystander, _ = two_schools(database)
    before = bystander_counts(database, bystander)
    class_id = victim.class_ids[0]
    with database.read_session() as db:
        doomed = doomed_rows(db, {"school_class": {class_id}})
    assert doomed["pupil"] and doomed["assignment"] and doomed["live_session"] and doomed["answer"]
    with database.writing() as db:
        delete_class(db, class_id)
    gone = victim.pseudonyms[:2] + victim.pupil_ids[:2]
    with database.read_session() as db:
        assert leftovers(db, doomed, gone) == []
        assert leftovers(db, {}, [victim.pseudonyms[2]]) != []  # the other class stays
    assert bystander_counts(database, bystander) == before


def test_deleting_a_school_leaves_nothing_of_it_but_shipped_packs(database: Database) -> None:
    victim, bystander, counts = two_schools(database)
    before = bystander_counts(database, bystander)
    with database.read_session() as db:
        doomed = doomed_rows(db, {"school": {victim.school_id}})
        shipped = db.execute(select(Pack.id).where(Pack.shipped)).scalars().all()  # type: ignore[arg-type]
    assert doomed["account"] and doomed["pack"] and doomed["answer"] and doomed["retention_policy"]
    with database.writing() as db:
        delete_school(db, victim.school_id)
    with database.read_session() as db:
        assert leftovers(db, doomed, victim.pseudonyms + victim.pupil_ids + victim.strings) == []
        assert db.get(School, victim.school_id) is None
        assert db.get(PackMedia, victim.media_sha) is None  # its own picture went with its pack
        assert db.get(PackMedia, bystander.media_sha) is not None
        assert db.execute(select(Pack.id).where(Pack.shipped)).scalars().all() == shipped  # type: ignore[arg-type]
    assert bystander_counts(database, bystander) == before
    assert counts["pack_version"] > 0
