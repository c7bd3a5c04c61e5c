"""The class report reads a class's answers in a fixed number of queries, however many pupils and items."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select

from app.accounts.models import Account
from app.classroom.models import Assignment
from app.reports.services import class_report
from tests.conftest import set_up_school
from tests.reports.big_class import big_class


def test_class_report_of_30_pupils_and_200_items_takes_few_queries(client: Any, app: Any) -> None:
    set_up_school(client)
    lupe = app.state.lupe
    with lupe.db.read_session() as db:
        admin = db.execute(select(Account)).scalars().first()
    assignment_id = big_class(lupe.db, admin.school_id, admin.id)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    with lupe.db.read_session() as db:
        assignment = db.get(Assignment, assignment_id)
        class_report(db, lupe.packs, assignment, allow_reflection=False)  # fills the compiled-pack cache
        event.listen(lupe.db.engine, "before_cursor_execute", count)
        try:
            result = class_report(db, lupe.packs, assignment, allow_reflection=False)
        finally:
            event.remove(lupe.db.engine, "before_cursor_execute", count)
    assert result is not None
    assert len(result.report.pupils) == 30 and len(result.report.items) == 200
    assert all(p.settled == 200 for p in result.report.pupils)
    assert len(statements) <= 3, statements  # the pack, the pupils, the answers: never one per pupil or item
