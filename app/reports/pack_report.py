"""A pack's report for its authors: every class of the school that used it, as anonymous aggregates.

No pseudonyms, no class names. Each pupil's work on one assignment counts as one attempt. A class
gets its own column only with at least MIN_GROUP pupils; smaller classes count in the total only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.classroom.models import Class
from app.packs.library import CompiledPacks
from app.practice.services import visible_items
from app.reports.answers import ASSIGNMENTS, Settled, by_pupil, settled_answers
from app.reports.class_report import ClassReport, build_class_report
from app.reports.scores import GroupDetection, group_detection, mean_of

MIN_GROUP = 5
CLASSES: Any = Class.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class GroupFigures:
    """One class, shown only as "Group n"."""

    name: str
    pupils: int
    accuracy: float | None
    detection: GroupDetection


@dataclass(frozen=True)
class PackReport:
    compiled: dict[str, Any]
    classes: int
    small_classes: int  # classes with fewer than MIN_GROUP pupils: in the total only
    report: ClassReport  # attempts, never shown one by one
    groups: list[GroupFigures]


def pack_report(
    db: Session, packs: CompiledPacks, *, pack_id: int, school_id: int, allow_reflection: bool
) -> PackReport | None:
    """The pack's figures over the school's classes: one query for assignments, one for answers."""
    compiled = packs.current(db, pack_id)
    if compiled is None:
        return None
    rows = db.execute(
        select(ASSIGNMENTS.c.id, ASSIGNMENTS.c.class_id)
        .join(CLASSES, CLASSES.c.id == ASSIGNMENTS.c.class_id)
        .where(ASSIGNMENTS.c.pack_id == pack_id, CLASSES.c.school_id == school_id)
    ).all()
    class_of = {assignment_id: class_id for assignment_id, class_id in rows}
    answers = settled_answers(db, list(class_of))
    return build_pack_report(compiled, visible_items(compiled, allow_reflection=allow_reflection), answers, class_of)


def build_pack_report(
    compiled: dict[str, Any], items: list[dict[str, Any]], answers: list[Settled], class_of: dict[int, int]
) -> PackReport:
    """Attempts (pupil × assignment) grouped by class; groups numbered in the order of the classes' ids."""
    attempts: dict[str, int] = {}
    for answer in answers:
        attempts.setdefault(f"{answer.assignment_id}:{answer.pupil_id}", class_of[answer.assignment_id])
    renamed = [a._replace(pupil_id=f"{a.assignment_id}:{a.pupil_id}") for a in answers]
    sizes = Counter(attempts.values())
    shown = sorted(class_id for class_id, size in sizes.items() if size >= MIN_GROUP)
    names = {class_id: str(index) for index, class_id in enumerate(shown, start=1)}
    columns = {attempt: names[class_id] for attempt, class_id in attempts.items() if class_id in names}
    report = build_class_report(compiled, items, [(a, "") for a in attempts], by_pupil(renamed, compiled), columns)
    groups = []
    for class_id in shown:
        mine = [p for p in report.pupils if attempts[p.pupil_id] == class_id]
        accuracy = mean_of(p.accuracy for p in mine)
        groups.append(GroupFigures(names[class_id], len(mine), accuracy, group_detection([p.detection for p in mine])))
    return PackReport(compiled, len(sizes), len(sizes) - len(shown), report, groups)
