"""The purge: what each school's retention rules say must go, deleted; `lupe purge` and a daily job run it."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, delete, exists, null, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.accounts.models import AuthSession, School
from app.classroom.models import Class, Pupil
from app.clock import now
from app.db import Database
from app.packs.models import Item
from app.practice.models import Answer
from app.privacy import audit
from app.privacy.deletion import delete_pupils, delete_where
from app.privacy.models import PurgeRun
from app.privacy.retention import DEFAULTS, Retention, answers_cutoff, policy_of

log = logging.getLogger(__name__)

# Item types whose answer is text the pupil typed: blanked after the school's free-text days.
FREE_TEXT_TYPES = ("reflection", "short")
CHECK_EVERY = 3600  # seconds between two looks at the clock of the daily job
FIRST_CHECK_AFTER = 60  # let the server start before the first purge

_answers: Any = Answer.__table__  # type: ignore[attr-defined]
_pupils: Any = Pupil.__table__  # type: ignore[attr-defined]
_classes: Any = Class.__table__  # type: ignore[attr-defined]
_items: Any = Item.__table__  # type: ignore[attr-defined]
_sessions: Any = AuthSession.__table__  # type: ignore[attr-defined]


@dataclass
class SchoolPurge:
    """What went (or would go) at one school: counts only."""

    school_id: int
    school_name: str
    answers: int = 0
    free_text: int = 0
    pupils: int = 0
    audit_entries: int = 0

    @property
    def total(self) -> int:
        return self.answers + self.free_text + self.pupils + self.audit_entries


@dataclass
class PurgeReport:
    schools: list[SchoolPurge] = field(default_factory=list)
    sessions: int = 0
    audit_entries: int = 0  # instance-wide entries (no school)


def _answers_of_school(school_id: int) -> ColumnElement[bool]:
    pupils_of_school = select(_pupils.c.id).join(_classes, _classes.c.id == _pupils.c.class_id)
    return _answers.c.pupil_id.in_(pupils_of_school.where(_classes.c.school_id == school_id))


def _stale_pupils(school_id: int, rules: Retention, at: datetime, cutoff: datetime | None) -> Any:
    """Pupils of classes closed and quiet for the grace period, and pupils of a past school year
    (joined before its end and answered nothing since) once its grace period is over."""
    newer_pupil = select(_pupils.c.id).where(
        _pupils.c.class_id == _classes.c.id, _pupils.c.created_at >= at - timedelta(days=rules.grace_days)
    )
    newer_answer = (
        select(_answers.c.id)
        .join(_pupils, _pupils.c.id == _answers.c.pupil_id)
        .where(_pupils.c.class_id == _classes.c.id, _answers.c.created_at >= at - timedelta(days=rules.grace_days))
    )
    closed_and_quiet = select(_classes.c.id).where(
        _classes.c.school_id == school_id,
        _classes.c.is_open.is_(False),
        _classes.c.created_at < at - timedelta(days=rules.grace_days),
        ~exists(newer_pupil),
        ~exists(newer_answer),
    )
    condition: ColumnElement[bool] = _pupils.c.class_id.in_(closed_and_quiet)
    if cutoff is not None:
        answered_since = select(_answers.c.id).where(
            _answers.c.pupil_id == _pupils.c.id, _answers.c.created_at >= cutoff
        )
        condition = or_(condition, and_(_pupils.c.created_at < cutoff, ~exists(answered_since)))
    in_school = select(_classes.c.id).where(_classes.c.school_id == school_id)
    return select(_pupils.c.id).where(_pupils.c.class_id.in_(in_school), condition)


def purge_school(db: Session, school: School, at: datetime, zone: ZoneInfo) -> SchoolPurge:
    """Apply one school's rules as of ``at``."""
    assert school.id is not None
    rules = policy_of(db, school.id)
    done = SchoolPurge(school.id, school.name)
    cutoff = answers_cutoff(rules, at, zone)
    if cutoff is not None:
        done.answers = delete_where(db, _answers, and_(_answers_of_school(school.id), _answers.c.created_at < cutoff))
    done.pupils = delete_pupils(db, _stale_pupils(school.id, rules, at, cutoff))
    done.free_text = _blank_free_text(db, school.id, at - timedelta(days=rules.free_text_days))
    done.audit_entries = audit.delete_older_than(db, school.id, at - timedelta(days=rules.audit_days))
    return done


def _blank_free_text(db: Session, school_id: int, before: datetime) -> int:
    """Empty what pupils typed; the answer row stays, so progress still counts it."""
    free_text_items = select(_items.c.id).where(_items.c.type.in_(FREE_TEXT_TYPES))
    statement = (
        update(_answers)
        .where(
            _answers_of_school(school_id),
            _answers.c.item_id.in_(free_text_items),
            _answers.c.created_at < before,
            _answers.c.response.is_not(None),
        )
        .values(response=null(), choice="")
    )
    return db.execute(statement).rowcount  # type: ignore[attr-defined,no-any-return]


def run_purge(database: Database, *, zone: ZoneInfo, at: datetime | None = None, dry_run: bool = False) -> PurgeReport:
    """Purge every school, one transaction each; with ``dry_run`` only count."""
    at = at or now()
    report = PurgeReport()
    with database.read_session() as db:
        schools = list(db.execute(select(School).order_by(School.id)).scalars())  # type: ignore[arg-type]
    for school in schools:
        with database.write_session() as db:
            done = purge_school(db, school, at, zone)
            if done.total and not dry_run:
                audit.record(
                    db,
                    actor=None,
                    action="retention.purge",
                    subject_type="school",
                    subject_id=school.id,
                    school_id=school.id,
                )
            _finish(db, dry_run)
        report.schools.append(done)
    with database.write_session() as db:
        report.sessions = db.execute(delete(_sessions).where(_sessions.c.expires_at < at)).rowcount  # type: ignore[attr-defined]
        report.audit_entries = audit.delete_older_than(db, None, at - timedelta(days=DEFAULTS.audit_days))
        _finish(db, dry_run)
    return report


def _finish(db: Session, dry_run: bool) -> None:
    if dry_run:
        db.rollback()
    else:
        db.commit()


def claim_day(database: Database, day: date, job: str = "daily") -> bool:
    """True for the one process (of however many) that takes the purge of ``day``."""
    with database.writing() as db:
        if db.get(PurgeRun, job) is None:
            try:
                with db.begin_nested():
                    db.add(PurgeRun(job=job))
            except IntegrityError:  # another process added it in the same instant
                pass
        statement = (
            update(PurgeRun)
            .where(PurgeRun.job == job, or_(PurgeRun.last_day.is_(None), PurgeRun.last_day < day))  # type: ignore[arg-type,union-attr,operator]
            .values(last_day=day)
        )
        return bool(db.execute(statement).rowcount)  # type: ignore[attr-defined]


def _release_day(database: Database, day: date, job: str = "daily") -> None:
    """Let another try of today's purge happen after this one failed."""
    with database.writing() as db:
        row = db.get(PurgeRun, job)
        if row is not None and row.last_day == day:
            row.last_day = day - timedelta(days=1)


async def daily_purge(database: Database, *, zone: ZoneInfo, hour: int) -> None:
    """Once a day, at or after ``hour`` local time, one process purges (several may run this loop)."""
    await asyncio.sleep(FIRST_CHECK_AFTER)
    while True:
        local = now().astimezone(zone)
        if local.hour >= hour:
            await asyncio.to_thread(_purge_once, database, zone, local.date())
        await asyncio.sleep(CHECK_EVERY)


def _purge_once(database: Database, zone: ZoneInfo, day: date) -> None:
    try:
        if not claim_day(database, day):
            return
        report = run_purge(database, zone=zone)
        with database.writing() as db:
            db.execute(update(PurgeRun).where(PurgeRun.job == "daily").values(finished_at=now()))  # type: ignore[arg-type]
        log.info(
            "purge done: %d schools, %d items deleted or blanked, %d expired sessions",
            len(report.schools),
            sum(s.total for s in report.schools),
            report.sessions,
        )
    except Exception:  # the server must keep running; the next check tries again
        log.exception("purge failed")
        try:
            _release_day(database, day)
        except Exception:  # the database is gone too; tomorrow's check will claim a new day
            log.warning("purge day could not be released", exc_info=True)
