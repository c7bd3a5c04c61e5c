"""Teachers give packs to a class: practice (optionally between two dates), retest rounds, live lessons."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.classroom.assignments import (
    AssignmentError,
    Window,
    close_assignment,
    create_assignment,
    reopen_assignment,
)
from app.classroom.models import Assignment, AssignmentKind, Class
from app.packs.models import Pack
from app.security.authz import check_assignment, check_class, check_pack_usable, require_teacher
from app.web.deps import LupeDep, PrincipalDep

router = APIRouter()

Field = Annotated[str, Form(max_length=40)]


def parse_local_time(value: str, timezone: str) -> datetime | None:
    """A ``datetime-local`` form value in the school's time zone, or None when empty."""
    value = value.strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise AssignmentError("date_format") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    try:
        moment.astimezone(UTC)  # stored in UTC: 0001-01-01T00:30 in Berlin has no UTC time
    except OverflowError as error:
        raise AssignmentError("date_format") from error
    return moment


def _kind(value: str) -> AssignmentKind:
    try:
        return AssignmentKind(value)
    except ValueError as error:
        raise AssignmentError("kind") from error


@router.post("/teacher/classes/{class_id}/assignments")
def new_assignment(
    request: Request,
    lupe: LupeDep,
    principal: PrincipalDep,
    class_id: int,
    pack_id: Annotated[int, Form()],
    kind: Field = AssignmentKind.practice.value,
    opens_at: Field = "",
    closes_at: Field = "",
    retest_of: Annotated[int | None, Form()] = None,
) -> Response:
    account = require_teacher(principal)
    try:
        with lupe.db.writing() as db:
            school_class = check_class(account, db.get(Class, class_id))
            check_pack_usable(account, db.get(Pack, pack_id))
            zone = lupe.settings.timezone
            window = Window(parse_local_time(opens_at, zone), parse_local_time(closes_at, zone))
            pre_test = db.get(Assignment, retest_of) if retest_of is not None else None
            assignment = create_assignment(
                db, class_id=class_id, pack_id=pack_id, kind=_kind(kind), window=window, retest_of=pre_test
            )
    except AssignmentError as error:
        return _class_page_with_error(request, lupe, principal, class_id, error.code)
    if assignment.kind == AssignmentKind.live:
        return RedirectResponse(f"/teacher/live/{assignment.id}", status_code=303)
    return RedirectResponse(f"/teacher/classes/{school_class.id}#assignments", status_code=303)


def _class_page_with_error(
    request: Request, lupe: LupeDep, principal: PrincipalDep, class_id: int, code: str
) -> Response:
    from app.classroom.routes import class_page_response

    return class_page_response(request, lupe, principal, class_id, error=code, status_code=422)


@router.post("/teacher/assignments/{assignment_id}/close")
def close(lupe: LupeDep, principal: PrincipalDep, assignment_id: int) -> Response:
    account = require_teacher(principal)
    with lupe.db.writing() as db:
        assignment, school_class = check_assignment(db, account, db.get(Assignment, assignment_id))
        close_assignment(db, assignment)
    return RedirectResponse(f"/teacher/classes/{school_class.id}#assignments", status_code=303)


@router.post("/teacher/assignments/{assignment_id}/reopen")
def reopen(lupe: LupeDep, principal: PrincipalDep, assignment_id: int) -> Response:
    account = require_teacher(principal)
    with lupe.db.writing() as db:
        assignment, school_class = check_assignment(db, account, db.get(Assignment, assignment_id))
        reopen_assignment(db, assignment)
    return RedirectResponse(f"/teacher/classes/{school_class.id}#assignments", status_code=303)
