"""Assignments: a pack given to a class for practice, a retest round or a live lesson."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlmodel import Session, col

from app.classroom.models import Assignment, AssignmentKind
from app.clock import now
from app.live.models import LiveSession

# The delayed retest comes about two weeks after the post-test, when effects begin to fade.
DELAYED_RETEST_AFTER = timedelta(days=14)


class AssignmentError(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Window:
    """When pupils may answer: both ends optional."""

    opens_at: datetime | None = None
    closes_at: datetime | None = None

    def check(self) -> Window:
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise AssignmentError("closes_before_opens")
        return self


def assignments_of(db: Session, class_id: int) -> list[Assignment]:
    """The class's assignments, newest first."""
    statement = select(Assignment).where(col(Assignment.class_id) == class_id).order_by(col(Assignment.id).desc())
    return list(db.execute(statement).scalars())


def create_assignment(
    db: Session,
    *,
    class_id: int,
    pack_id: int,
    kind: AssignmentKind = AssignmentKind.practice,
    window: Window = Window(),
    retest_of: Assignment | None = None,
) -> Assignment:
    """Give a pack to a class. Post-tests and delayed retests belong to a pre-test of the same class."""
    window.check()
    if kind in (AssignmentKind.post, AssignmentKind.delayed):
        if retest_of is None or retest_of.class_id != class_id or retest_of.kind != AssignmentKind.pre:
            raise AssignmentError("retest_needs_pre_test")
    elif retest_of is not None:
        raise AssignmentError("retest_needs_pre_test")
    assignment = Assignment(
        class_id=class_id,
        pack_id=pack_id,
        kind=kind.value,
        opens_at=window.opens_at,
        closes_at=window.closes_at,
        retest_of=retest_of.id if retest_of else None,
    )
    db.add(assignment)
    db.flush()
    if kind == AssignmentKind.live:
        assert assignment.id is not None
        db.add(LiveSession(assignment_id=assignment.id))
        db.flush()
    return assignment


def close_assignment(db: Session, assignment: Assignment) -> None:
    """No more answers; pupils can still look back at their results."""
    if assignment.closed_at is None:
        assignment.closed_at = now()
        db.add(assignment)
        db.flush()


def reopen_assignment(db: Session, assignment: Assignment) -> None:
    assignment.closed_at = None
    db.add(assignment)
    db.flush()


class Timing(Protocol):
    """An assignment's dates (an Assignment, or a row with these columns)."""

    @property
    def opens_at(self) -> datetime | None: ...
    @property
    def closes_at(self) -> datetime | None: ...
    @property
    def closed_at(self) -> datetime | None: ...


def is_open(assignment: Timing, at: datetime | None = None) -> bool:
    """Pupils may answer now."""
    at = at or now()
    if assignment.closed_at is not None:
        return False
    if assignment.opens_at is not None and at < assignment.opens_at:
        return False
    return assignment.closes_at is None or at < assignment.closes_at


def has_started(assignment: Timing, at: datetime | None = None) -> bool:
    """Pupils can see it (to answer or to review)."""
    return assignment.opens_at is None or (at or now()) >= assignment.opens_at


def suggested_delayed_date(post_test: Assignment) -> datetime:
    return (post_test.opens_at or post_test.created_at) + DELAYED_RETEST_AFTER
