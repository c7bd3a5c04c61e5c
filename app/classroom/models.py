"""Class → Pupil, and the packs given to a class (assignments)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel, UniqueConstraint

from app.clock import now


class Class(SQLModel, table=True):
    """A school class run by one teacher; pupils join it with its code."""

    __tablename__ = "school_class"

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    teacher_id: int = Field(foreign_key="account.id", index=True)
    name: str = Field(max_length=80)
    join_code: str = Field(max_length=16, unique=True)
    is_open: bool = True
    created_at: datetime = Field(default_factory=now)


class Pupil(SQLModel, table=True):
    """A pseudonymous pupil: random id, pseudonym, class. Nothing else about them."""

    __table_args__ = (UniqueConstraint("class_id", "pseudonym"),)

    id: str = Field(primary_key=True, max_length=32)
    class_id: int = Field(foreign_key="school_class.id", index=True, ondelete="CASCADE")
    pseudonym: str = Field(max_length=40)
    resume_code_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=now)


class AssignmentKind(StrEnum):
    """How a class works through a pack."""

    practice = "practice"  # at the pupils' own pace, in class or as homework
    live = "live"  # the teacher paces the items on the projector
    pre = "pre"  # retest rounds: before a unit of work,
    post = "post"  # straight after it,
    delayed = "delayed"  # and about two weeks later, from a parallel form


class Assignment(SQLModel, table=True):
    """A pack given to a class. Pupils answer it between ``opens_at`` and ``closes_at``
    (either may be empty) until the teacher closes it; afterwards they can still review it."""

    id: int | None = Field(default=None, primary_key=True)
    class_id: int = Field(foreign_key="school_class.id", index=True, ondelete="CASCADE")
    pack_id: int = Field(foreign_key="pack.id", index=True)
    kind: str = Field(default=AssignmentKind.practice.value, max_length=12)
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    closed_at: datetime | None = None
    # A post-test or delayed retest points at the pre-test it is compared with.
    retest_of: int | None = Field(default=None, foreign_key="assignment.id", ondelete="CASCADE")
    created_at: datetime = Field(default_factory=now)
