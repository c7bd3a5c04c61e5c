"""Reports from the database: one assignment's class report, and a pre-test with its retests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, select
from sqlmodel import Session, col

from app.classroom.models import Assignment, AssignmentKind
from app.packs.library import CompiledPacks
from app.practice.services import visible_items
from app.reports.answers import by_pupil, pupils_of_class, settled_answers
from app.reports.class_report import WHOLE_CLASS, ClassReport, PupilResult, build_class_report
from app.reports.heatmap import HeatMap, TechniqueAnswer, technique_heat_map


@dataclass(frozen=True)
class AssignmentReport:
    assignment: Assignment
    compiled: dict[str, Any]
    report: ClassReport


def class_report(
    db: Session, packs: CompiledPacks, assignment: Assignment, *, allow_reflection: bool
) -> AssignmentReport | None:
    """The class report of one assignment: two queries (pupils, settled answers)."""
    assert assignment.id is not None
    compiled = packs.current(db, assignment.pack_id)
    if compiled is None:
        return None
    pupils = pupils_of_class(db, assignment.class_id)
    answers = by_pupil(settled_answers(db, [assignment.id]), compiled)
    items = visible_items(compiled, allow_reflection=allow_reflection)
    return AssignmentReport(assignment, compiled, build_class_report(compiled, items, pupils, answers))


# Retests

ROUND_ORDER = {AssignmentKind.pre.value: 0, AssignmentKind.post.value: 1, AssignmentKind.delayed.value: 2}


@dataclass(frozen=True)
class PupilRounds:
    pseudonym: str
    rounds: list[PupilResult | None]


@dataclass(frozen=True)
class RetestReport:
    rounds: list[AssignmentReport]
    pupils: list[PupilRounds]  # pupils who took the pre-test and at least one later round
    heat: HeatMap  # columns: the rounds' assignment ids as text


def retests_of(db: Session, pre: Assignment) -> list[Assignment]:
    """The pre-test, then its post-test(s) and delayed retest(s) in that order."""
    order = case(ROUND_ORDER, value=col(Assignment.kind), else_=3)
    later = db.execute(
        select(Assignment).where(col(Assignment.retest_of) == pre.id).order_by(order, col(Assignment.created_at))
    ).scalars()
    return [pre, *later]


def retest_report(db: Session, packs: CompiledPacks, pre: Assignment, *, allow_reflection: bool) -> RetestReport:
    """Each round's class report from one query over all rounds' answers, and the pupils who took both."""
    rounds = retests_of(db, pre)
    pupils = pupils_of_class(db, pre.class_id)
    answers = settled_answers(db, [a.id for a in rounds if a.id is not None])
    reports: list[AssignmentReport] = []
    technique_answers: list[TechniqueAnswer] = []
    for assignment in rounds:
        compiled = packs.current(db, assignment.pack_id)
        if compiled is None:
            continue
        mine = by_pupil([a for a in answers if a.assignment_id == assignment.id], compiled)
        items = visible_items(compiled, allow_reflection=allow_reflection)
        report = build_class_report(compiled, items, pupils, mine, columns={})
        reports.append(AssignmentReport(assignment, compiled, report))
        technique_answers.extend(_round_techniques(report.heat, str(assignment.id)))
    columns = [str(r.assignment.id) for r in reports]
    return RetestReport(reports, _pupils_in_rounds(reports, pupils), technique_heat_map(technique_answers, columns))


def _pupils_in_rounds(reports: list[AssignmentReport], pupils: list[tuple[str, str]]) -> list[PupilRounds]:
    result = []
    for index, (_, pseudonym) in enumerate(pupils):
        rounds = [r.report.pupils[index] for r in reports]
        took = [p if p.settled else None for p in rounds]
        if took and took[0] is not None and any(p is not None for p in took[1:]):
            result.append(PupilRounds(pseudonym, took))
    return result


def _round_techniques(heat: HeatMap, column: str) -> list[TechniqueAnswer]:
    """The whole-class cells of one round, as answers in the round's column (counts are kept)."""
    result = []
    for row in heat.rows:
        cell = heat.cell(row, WHOLE_CLASS)
        result += [TechniqueAnswer(column, [row], False)] * cell.wrong
        result += [TechniqueAnswer(column, [row], True)] * (cell.total - cell.wrong)
    return result
