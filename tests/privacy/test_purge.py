"""The purge: answers after the school year and grace, typed text sooner, quiet classes, sessions, audit."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from app.accounts.models import AuthSession
from app.classroom.models import Class, Pupil
from app.cli import cli
from app.db import Database
from app.packs.models import Item
from app.practice.models import Answer
from app.privacy import purge
from app.privacy.models import AuditEntry, PurgeRun
from app.privacy.purge import claim_day, run_purge
from app.settings import Settings
from tests.privacy.conftest import both_databases
from tests.privacy.world import SchoolWorld, build_school

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Any, sqlite_template: Any) -> str:
    return both_databases(request, tmp_path, sqlite_template)


def at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=BERLIN)


def date_class(database: Database, class_id: int, day: str, *, is_open: bool = True) -> None:
    """Move a class, its pupils and their answers to ``day``."""
    moment = at(day)
    with database.writing() as db:
        pupils = select(Pupil.id).where(Pupil.class_id == class_id)  # type: ignore[arg-type]
        db.execute(update(Answer).where(Answer.pupil_id.in_(pupils)).values(created_at=moment))  # type: ignore[attr-defined]
        db.execute(update(Pupil).where(Pupil.class_id == class_id).values(created_at=moment))  # type: ignore[arg-type]
        db.execute(update(Class).where(Class.id == class_id).values(created_at=moment, is_open=is_open))  # type: ignore[arg-type]


def answers_of(database: Database, class_id: int) -> tuple[int, int]:
    """(answers, typed texts still there) of a class."""
    with database.read_session() as db:
        rows = db.execute(
            select(Answer.response, Item.type)  # type: ignore[call-overload]
            .join(Item, Item.id == Answer.item_id)
            .join(Pupil, Pupil.id == Answer.pupil_id)
            .where(Pupil.class_id == class_id)
        ).all()
    return len(rows), sum(1 for response, kind in rows if kind == "reflection" and response)


def pupils_of(database: Database, class_id: int) -> int:
    with database.read_session() as db:
        return db.execute(select(func.count()).select_from(Pupil).where(Pupil.class_id == class_id)).scalar_one()  # type: ignore[arg-type]


@pytest.fixture
def school(database: Database) -> SchoolWorld:
    with database.writing() as db:
        world = build_school(db, "Alpha")
    date_class(database, world.class_ids[0], "2026-07-15")  # last school year
    date_class(database, world.class_ids[1], "2026-09-01")  # this one
    return world


def test_answers_go_on_the_purge_day_and_typed_text_after_30_days(database: Database, school: SchoolWorld) -> None:
    last_year, this_year = school.class_ids
    assert answers_of(database, last_year) == (10, 2)
    report = run_purge(database, zone=BERLIN, at=at("2026-10-28"))
    assert report.schools[0].answers == 0 and report.schools[0].free_text == 4
    assert answers_of(database, last_year) == (10, 0)
    assert answers_of(database, this_year) == (10, 0)
    report = run_purge(database, zone=BERLIN, at=at("2026-10-29"))
    assert report.schools[0].answers == 10 and report.schools[0].free_text == 0
    assert answers_of(database, last_year) == (0, 0)
    assert answers_of(database, this_year) == (10, 0)
    # the class is open, but quiet since the end of the school year: its pupils go too
    assert report.schools[0].pupils == 2 and pupils_of(database, last_year) == 0
    assert pupils_of(database, this_year) == 2


def test_typed_text_younger_than_the_limit_stays(database: Database, school: SchoolWorld) -> None:
    run_purge(database, zone=BERLIN, at=at("2026-09-30"))
    assert answers_of(database, school.class_ids[1]) == (10, 2)
    assert answers_of(database, school.class_ids[0]) == (10, 0)


def test_dry_run_counts_but_deletes_nothing(database: Database, school: SchoolWorld) -> None:
    dry = run_purge(database, zone=BERLIN, at=at("2026-10-29"), dry_run=True)
    assert (dry.schools[0].answers, dry.schools[0].free_text, dry.schools[0].pupils) == (10, 2, 2)
    assert answers_of(database, school.class_ids[0]) == (10, 2)
    real = run_purge(database, zone=BERLIN, at=at("2026-10-29"))
    assert real.schools == dry.schools


def test_pupils_of_closed_quiet_classes_go_after_the_grace_period(database: Database) -> None:
    with database.writing() as db:
        world = build_school(db, "Beta")
    closed, still_open = world.class_ids
    date_class(database, closed, "2026-05-01", is_open=False)
    date_class(database, still_open, "2026-05-01")
    report = run_purge(database, zone=BERLIN, at=at("2026-07-25"))  # 85 days quiet
    assert report.schools[0].pupils == 0
    report = run_purge(database, zone=BERLIN, at=at("2026-08-05"))  # 96 days quiet
    assert report.schools[0].pupils == 2
    assert pupils_of(database, closed) == 0 and pupils_of(database, still_open) == 2
    # an open class quiet since the end of the school year counts as archived once the answers go
    report = run_purge(database, zone=BERLIN, at=at("2026-10-29"))
    assert report.schools[0].pupils == 2 and pupils_of(database, still_open) == 0
    with database.read_session() as db:
        assert db.get(Class, still_open) is not None  # the class stays for its teacher


def test_expired_sessions_and_old_audit_entries_go(database: Database, school: SchoolWorld) -> None:
    moment = at("2026-10-01")
    with database.writing() as db:
        db.execute(update(AuthSession).values(expires_at=moment + timedelta(hours=1)))
        db.add(AuthSession(token_hash="e" * 64, pupil_id=school.pupil_ids[0], expires_at=moment - timedelta(minutes=1)))
        db.execute(update(AuditEntry).values(created_at=moment - timedelta(days=366)))
        db.add(AuditEntry(school_id=school.school_id, actor_kind="system", action="x", subject_type="school"))
    report = run_purge(database, zone=BERLIN, at=moment)
    assert report.sessions == 1 and report.schools[0].audit_entries == 2
    with database.read_session() as db:
        assert db.get(AuthSession, "e" * 64) is None
        actions = db.execute(select(AuditEntry.action)).scalars().all()  # type: ignore[call-overload]
    assert sorted(actions) == ["retention.purge", "x"]


def test_one_process_of_many_claims_each_day(database: Database) -> None:
    day = date(2026, 10, 29)
    with ThreadPoolExecutor(4) as pool:
        claims = list(pool.map(lambda _: claim_day(database, day), range(4)))
    assert claims.count(True) == 1
    assert claim_day(database, day) is False
    assert claim_day(database, day + timedelta(days=1)) is True


def test_the_daily_job_purges_once(database: Database, school: SchoolWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(purge, "FIRST_CHECK_AFTER", 0)
    with database.writing() as db:
        db.add(
            AuthSession(
                token_hash="f" * 64, pupil_id=school.pupil_ids[0], expires_at=datetime(2020, 1, 1, tzinfo=BERLIN)
            )
        )

    async def run_a_while() -> None:
        job = asyncio.create_task(purge.daily_purge(database, zone=BERLIN, hour=0))
        for _ in range(200):
            await asyncio.sleep(0.05)
            with database.read_session() as db:
                run = db.get(PurgeRun, "daily")
                if run is not None and run.finished_at is not None:
                    break
        job.cancel()

    asyncio.run(run_a_while())
    with database.read_session() as db:
        assert db.get(AuthSession, "f" * 64) is None
        assert db.get(PurgeRun, "daily").last_day is not None  # type: ignore[union-attr]


def test_lupe_purge_prints_counts_per_school(
    database: Database, school: SchoolWorld, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LUPE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("LUPE_DATABASE_URL", settings.database_url)
    result = CliRunner().invoke(cli, ["purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"school {school.school_id} (Schule Alpha): would delete 10 answers" in result.output
    assert "Qx" not in result.output  # counts only, never pseudonyms
    assert answers_of(database, school.class_ids[0])[0] == 10


def test_lupe_export_writes_a_school(
    database: Database, school: SchoolWorld, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import zipfile

    monkeypatch.setenv("LUPE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("LUPE_DATABASE_URL", settings.database_url)
    out = tmp_path / "school.zip"
    result = CliRunner().invoke(cli, ["export", "--school", str(school.school_id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "answers.csv" in zipfile.ZipFile(out).namelist()
    assert CliRunner().invoke(cli, ["export", "--school", "999", "--out", str(out)]).exit_code == 1


def test_a_pupil_of_a_past_school_year_goes_while_the_class_goes_on(database: Database) -> None:
    with database.writing() as db:
        world = build_school(db, "Gamma")
    class_id = world.class_ids[0]
    date_class(database, class_id, "2026-05-04")
    gone, staying = world.pupil_ids[:2]
    with database.writing() as db:  # one pupil went on answering in the new school year
        db.execute(update(Answer).where(Answer.pupil_id == staying).values(created_at=at("2026-09-10")))  # type: ignore[arg-type]
    report = run_purge(database, zone=BERLIN, at=at("2026-10-28"))
    assert report.schools[0].pupils == 0
    report = run_purge(database, zone=BERLIN, at=at("2026-10-29"))
    assert (report.schools[0].answers, report.schools[0].pupils) == (5, 1)
    with database.read_session() as db:
        assert db.get(Pupil, gone) is None and db.get(Pupil, staying) is not None
