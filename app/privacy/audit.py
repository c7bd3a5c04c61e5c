"""The audit log: who viewed or changed pupil data. Ids and actions only, never pseudonyms or free text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from app.clock import now
from app.db import Database
from app.privacy.models import AuditEntry
from app.security.sessions import SignedInAccount

# Views repeat (the class page polls its progress); one entry per person and subject in this time is enough.
VIEW_WINDOW = timedelta(minutes=10)
PAGE_SIZE = 50


def record(
    db: Session,
    *,
    actor: SignedInAccount | None,
    action: str,
    subject_type: str,
    subject_id: str | int | None,
    school_id: int | None,
) -> None:
    """Add one entry; ``actor`` None means the system (the purge job)."""
    db.add(
        AuditEntry(
            school_id=school_id,
            actor_kind="account" if actor else "system",
            actor_account_id=actor.id if actor else None,
            action=action[:40],
            subject_type=subject_type[:20],
            subject_id=None if subject_id is None else str(subject_id)[:40],
        )
    )


def record_view(
    database: Database, *, actor: SignedInAccount, action: str, subject_type: str, subject_id: str | int
) -> None:
    """Note that ``actor`` looked at pupil data, unless they did so a few minutes ago."""
    with database.read_session() as db:
        if _seen_recently(db, actor.id, action, str(subject_id)):
            return
    with database.writing() as db:
        record(
            db, actor=actor, action=action, subject_type=subject_type, subject_id=subject_id, school_id=actor.school_id
        )


def _seen_recently(db: Session, account_id: int, action: str, subject_id: str) -> bool:
    statement = select(col(AuditEntry.id)).where(
        col(AuditEntry.actor_account_id) == account_id,
        col(AuditEntry.action) == action,
        col(AuditEntry.subject_id) == subject_id,
        col(AuditEntry.created_at) >= now() - VIEW_WINDOW,
    )
    return db.execute(statement.limit(1)).first() is not None


@dataclass(frozen=True)
class AuditPage:
    entries: list[tuple[AuditEntry, str | None]]  # with the actor's display name, if the account still exists
    page: int
    pages: int


def page_of(db: Session, school_id: int, page: int) -> AuditPage:
    """One page of the school's log, newest first."""
    from app.accounts.models import Account

    total = db.execute(select(func.count()).select_from(AuditEntry).where(col(AuditEntry.school_id) == school_id))
    pages = max(1, -(-total.scalar_one() // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = db.execute(
        select(AuditEntry, Account.display_name)  # type: ignore[call-overload]
        .outerjoin(Account, col(Account.id) == AuditEntry.actor_account_id)
        .where(col(AuditEntry.school_id) == school_id)
        .order_by(col(AuditEntry.created_at).desc(), col(AuditEntry.id).desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    return AuditPage([(entry, name) for entry, name in rows], page, pages)


def delete_older_than(db: Session, school_id: int | None, before: datetime) -> int:
    """Drop entries older than ``before`` (the school's audit retention)."""
    school = col(AuditEntry.school_id)
    statement = delete(AuditEntry).where(
        school.is_(None) if school_id is None else school == school_id, col(AuditEntry.created_at) < before
    )
    return db.execute(statement).rowcount  # type: ignore[attr-defined,no-any-return]
