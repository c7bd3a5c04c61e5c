"""Retention rules per school, the audit log, and the record of the daily purge."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, Index, SQLModel

from app.clock import now


class RetentionPolicy(SQLModel, table=True):
    """How long a school keeps pupil data. A school without a row has the defaults (see retention.py)."""

    __tablename__ = "retention_policy"

    school_id: int = Field(foreign_key="school.id", primary_key=True, ondelete="CASCADE")
    # The school year ends on this day (31 July in Germany); its answers go ``grace_days`` later.
    year_end_month: int
    year_end_day: int
    grace_days: int
    # Typed text (reflection and short answers) is blanked sooner.
    free_text_days: int
    audit_days: int
    updated_at: datetime = Field(default_factory=now)


class AuditEntry(SQLModel, table=True):
    """Who viewed or changed pupil data, and when. Ids only: never a pseudonym or free text."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_school_time", "school_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=now)
    school_id: int | None = Field(default=None, foreign_key="school.id", ondelete="CASCADE")
    # "account" (then actor_account_id), "pupil" or "system" (the purge).
    actor_kind: str = Field(max_length=10)
    actor_account_id: int | None = Field(default=None, foreign_key="account.id", index=True, ondelete="SET NULL")
    action: str = Field(max_length=40)
    subject_type: str = Field(max_length=20)
    # Empty once the subject (a pupil) is deleted: the entry keeps what happened, not to whom.
    subject_id: str | None = Field(default=None, max_length=40)


class PurgeRun(SQLModel, table=True):
    """The day a purge job last ran, so that of several processes only one purges each day."""

    __tablename__ = "purge_run"

    job: str = Field(primary_key=True, max_length=20)
    last_day: date | None = None
    finished_at: datetime | None = None
