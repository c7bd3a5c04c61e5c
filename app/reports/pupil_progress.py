"""A pupil's own progress across their class's assignments: their answers and mistakes, nobody else's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from app.classroom.assignments import assignments_of, has_started, is_open
from app.classroom.models import Assignment, AssignmentKind
from app.packs.library import CompiledPacks
from app.practice.services import visible_items
from app.reports.answers import Settled, by_pupil, settled_answers_of_pupil
from app.reports.scores import Detection, Labels, Verdict, detect, is_over_sceptical


@dataclass(frozen=True)
class Mistake:
    item: dict[str, Any]
    choice: str


@dataclass(frozen=True)
class AssignmentProgress:
    assignment: Assignment
    title: str
    language: str
    total: int
    settled: int
    scored: int
    correct: int
    detection: Detection
    mistakes: list[Mistake]
    reviewable: bool

    @property
    def over_sceptical(self) -> bool:
        return is_over_sceptical(self.detection)


def pupil_progress(
    db: Session, packs: CompiledPacks, *, pupil_id: str, class_id: int, allow_reflection: bool
) -> list[AssignmentProgress]:
    """The pupil's results per started assignment of their class, newest first: two queries."""
    assignments = [a for a in assignments_of(db, class_id) if has_started(a)]
    answers = settled_answers_of_pupil(db, pupil_id)
    result = []
    for assignment in assignments:
        compiled = packs.current(db, assignment.pack_id)
        if compiled is None:
            continue
        mine = by_pupil([a for a in answers if a.assignment_id == assignment.id], compiled).get(pupil_id, {})
        items = visible_items(compiled, allow_reflection=allow_reflection)
        result.append(progress_of(assignment, compiled, items, mine))
    return result


def progress_of(
    assignment: Assignment, compiled: dict[str, Any], items: list[dict[str, Any]], mine: dict[str, Settled]
) -> AssignmentProgress:
    """One assignment as the pupil did it: counts, real and fake recognised, the items they got wrong."""
    labels = Labels.of(compiled)
    answered = [(item, mine[item["key"]]) for item in items if item["key"] in mine]
    verdicts = [
        Verdict(kind, answer.choice)
        for item, answer in answered
        if labels is not None and (kind := labels.kind_of(item)) is not None
    ]
    return AssignmentProgress(
        assignment=assignment,
        title=str(compiled["title"]),
        language=str(compiled.get("language", "de")),
        total=len(items),
        settled=len(answered),
        scored=sum(1 for _, a in answered if a.is_correct is not None),
        correct=sum(1 for _, a in answered if a.is_correct),
        detection=detect(verdicts, labels) if labels else Detection(),
        mistakes=[Mistake(item, answer.choice) for item, answer in answered if answer.is_correct is False]
        if may_review(assignment)
        else [],
        reviewable=may_review(assignment),
    )


def may_review(assignment: Assignment) -> bool:
    """Explanations of mistakes: at once for practice; for live lessons and tests once they are over,
    so that no answer travels round the class while others still answer."""
    return assignment.kind == AssignmentKind.practice.value or not is_open(assignment)
