"""The reports' queries: settled answers of assignments, pupils of a class. One query each."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlmodel import Session

from app.classroom.models import Assignment, Pupil
from app.practice.models import Answer

ANSWERS: Any = Answer.__table__  # type: ignore[attr-defined]
PUPILS: Any = Pupil.__table__  # type: ignore[attr-defined]
ASSIGNMENTS: Any = Assignment.__table__  # type: ignore[attr-defined]


class Settled(NamedTuple):
    """The try that settled one item for one pupil in one assignment (a tuple: thousands are made per report)."""

    assignment_id: int
    pupil_id: str
    item_key: str
    choice: str
    confidence: int | None
    score: float | None
    is_correct: bool | None


SETTLED_COLUMNS = (
    ANSWERS.c.assignment_id,
    ANSWERS.c.pupil_id,
    ANSWERS.c.item_key,
    ANSWERS.c.choice,
    ANSWERS.c.confidence,
    ANSWERS.c.score,
    ANSWERS.c.is_correct,
)


def settled_answers(db: Session, assignment_ids: Sequence[int]) -> list[Settled]:
    """Every settled answer of the assignments, in one plain SELECT over the answer index."""
    if not assignment_ids:
        return []
    return _settled(db, ANSWERS.c.assignment_id.in_(list(assignment_ids)))


def settled_answers_of_pupil(db: Session, pupil_id: str) -> list[Settled]:
    """Every settled answer of one pupil, in every assignment."""
    return _settled(db, ANSWERS.c.pupil_id == pupil_id)


def _settled(db: Session, condition: Any) -> list[Settled]:
    return [Settled(*row) for row in db.execute(select(*SETTLED_COLUMNS).where(condition, ANSWERS.c.final))]


def pupils_of_class(db: Session, class_id: int) -> list[tuple[str, str]]:
    """``(id, pseudonym)`` of a class's pupils, by pseudonym."""
    rows = db.execute(
        select(PUPILS.c.id, PUPILS.c.pseudonym).where(PUPILS.c.class_id == class_id).order_by(PUPILS.c.pseudonym)
    )
    return [(row[0], row[1]) for row in rows]


def current_keys(compiled: dict[str, Any]) -> dict[str, str]:
    """Item key as answered → key in this version: statistics follow an item through ``renamed-from``."""
    keys = {item["key"]: item["key"] for item in compiled["items"]}
    keys.update({item["renamed_from"]: item["key"] for item in compiled["items"] if item.get("renamed_from")})
    return keys


def by_pupil(answers: Sequence[Settled], compiled: dict[str, Any]) -> dict[str, dict[str, Settled]]:
    """Pupil id → current item key → settled answer; answers to items since removed are left out."""
    keys = current_keys(compiled)
    result: dict[str, dict[str, Settled]] = {}
    for answer in answers:
        key = keys.get(answer.item_key)
        if key is not None:
            result.setdefault(answer.pupil_id, {})[key] = answer
    return result
