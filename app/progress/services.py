"""A class's progress over the packs opened for it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.classroom.models import Pupil
from app.practice.models import Answer


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
    pack_id: int
    title: str
    total: int
    items: list[ItemRow]


@dataclass
class ClassProgress:
    pupils: list[PupilRow]
    packs: list[PackProgress]


def class_progress(db: Session, *, class_id: int, packs: list[tuple[int, dict[str, Any]]]) -> ClassProgress:
    """Pupils × packs and items × share correct, from one query over the class's answers."""
    pupil_rows = {
        row.id: PupilRow(row.pseudonym)
        for row in db.execute(
            select(col(Pupil.id), col(Pupil.pseudonym))
            .where(col(Pupil.class_id) == class_id)
            .order_by(col(Pupil.pseudonym))
        )
    }
    items: dict[int, dict[str, ItemRow]] = {}
    for pack_id, compiled in packs:
        rows = {i["key"]: ItemRow(i["key"], i["position"], i["title"]) for i in compiled["items"]}
        # Statistics follow an item across versions: answers to its old id count for it.
        rows.update({i["renamed_from"]: rows[i["key"]] for i in compiled["items"] if i.get("renamed_from")})
        items[pack_id] = rows
    if packs and pupil_rows:
        answers = db.execute(
            select(col(Answer.pupil_id), col(Answer.pack_id), col(Answer.item_key), col(Answer.is_correct))
            .join(Pupil, Pupil.id == Answer.pupil_id)  # type: ignore[arg-type]
            .where(
                col(Pupil.class_id) == class_id,
                col(Answer.pack_id).in_([p for p, _ in packs]),
                col(Answer.final),
            )
        )
        answered: dict[tuple[str, int], int] = defaultdict(int)
        correct: dict[tuple[str, int], int] = defaultdict(int)
        for row in answers:
            item = items[row.pack_id].get(row.item_key)
            if item is None:  # answered in an earlier version, since removed
                continue
            answered[(row.pupil_id, row.pack_id)] += 1
            correct[(row.pupil_id, row.pack_id)] += int(bool(row.is_correct))
            if row.is_correct is not None:  # free text has no right or wrong
                item.answered += 1
                item.correct += int(row.is_correct)
        for (pupil_id, pack_id), count in answered.items():
            pupil_rows[pupil_id].answered[pack_id] = count
            pupil_rows[pupil_id].correct[pack_id] = correct[(pupil_id, pack_id)]
    return ClassProgress(
        pupils=list(pupil_rows.values()),
        packs=[
            PackProgress(
                pack_id,
                compiled["title"],
                len(compiled["items"]),
                sorted({id(i): i for i in items[pack_id].values()}.values(), key=lambda i: i.position),
            )
            for pack_id, compiled in packs
        ],
    )
