"""A class's progress over its open assignments."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, select
from sqlmodel import Session, col

from app.classroom.models import Pupil
from app.practice.models import Answer

ANSWERS: Any = Answer.__table__  # type: ignore[attr-defined]
PUPILS: Any = Pupil.__table__  # type: ignore[attr-defined]


@dataclass
class PupilRow:
    pseudonym: str
    answered: dict[int, int] = field(default_factory=dict)
    correct: dict[int, int] = field(default_factory=dict)


@dataclass
class ItemRow:
    key: str
    position: int
    title: str
    answered: int = 0
    correct: int = 0

    @property
    def share(self) -> float | None:
        return self.correct / self.answered if self.answered else None


@dataclass
class PackProgress:
    assignment_id: int
    title: str
    total: int
    items: list[ItemRow]


@dataclass
class ClassProgress:
    pupils: list[PupilRow]
    packs: list[PackProgress]


def class_progress(db: Session, *, class_id: int, packs: list[tuple[int, dict[str, Any]]]) -> ClassProgress:
    """Pupils × assignments and items × share correct, from one query over the class's answers.

    ``packs`` pairs each assignment's id with the compiled pack (the items pupils see)."""
    pupil_rows = {
        row.id: PupilRow(row.pseudonym)
        for row in db.execute(
            select(col(Pupil.id), col(Pupil.pseudonym))
            .where(col(Pupil.class_id) == class_id)
            .order_by(col(Pupil.pseudonym))
        )
    }
    items: dict[int, dict[str, ItemRow]] = {}
    for assignment_id, compiled in packs:
        rows = {i["key"]: ItemRow(i["key"], i["position"], i["title"]) for i in compiled["items"]}
        # Statistics follow an item across versions: answers to its old id count for it.
        rows.update({i["renamed_from"]: rows[i["key"]] for i in compiled["items"] if i.get("renamed_from")})
        items[assignment_id] = rows
    if packs and pupil_rows:
        _count_answers(db, class_id, items, pupil_rows)
    return ClassProgress(
        pupils=list(pupil_rows.values()),
        packs=[
            PackProgress(
                assignment_id,
                compiled["title"],
                len(compiled["items"]),
                sorted({id(i): i for i in items[assignment_id].values()}.values(), key=lambda i: i.position),
            )
            for assignment_id, compiled in packs
        ],
    )


def _count_answers(
    db: Session, class_id: int, items: dict[int, dict[str, ItemRow]], pupil_rows: dict[str, PupilRow]
) -> None:
    """Fill in the counts, summed by the database per pupil and item key (not row by row in Python)."""
    right = func.sum(case((ANSWERS.c.is_correct, 1), else_=0))
    scored = func.sum(case((ANSWERS.c.is_correct.is_not(None), 1), else_=0))
    rows = db.execute(
        select(ANSWERS.c.pupil_id, ANSWERS.c.assignment_id, ANSWERS.c.item_key, func.count(), right, scored)
        .join(PUPILS, PUPILS.c.id == ANSWERS.c.pupil_id)
        .where(PUPILS.c.class_id == class_id, ANSWERS.c.assignment_id.in_(list(items)), ANSWERS.c.final)
        .group_by(ANSWERS.c.pupil_id, ANSWERS.c.assignment_id, ANSWERS.c.item_key)
    )
    for pupil_id, assignment_id, item_key, count, correct, with_result in rows:
        item = items[assignment_id].get(item_key)
        if item is None:  # answered in an earlier version, since removed
            continue
        pupil = pupil_rows[pupil_id]
        pupil.answered[assignment_id] = pupil.answered.get(assignment_id, 0) + count
        pupil.correct[assignment_id] = pupil.correct.get(assignment_id, 0) + int(correct or 0)
        item.answered += int(with_result or 0)  # free text has no right or wrong
        item.correct += int(correct or 0)
