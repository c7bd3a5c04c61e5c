"""Data-protection pages: retention and the audit log (school admin), export and deletion."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from babel.dates import format_date
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from app.accounts.models import School
from app.classroom.models import Class, Pupil
from app.classroom.services import pupils_of
from app.clock import now
from app.privacy import audit, retention
from app.privacy.deletion import delete_class, delete_pupil, delete_school
from app.privacy.export import Scope, download_name, export_to_temp_file, iter_file
from app.security.authz import (
    check_class,
    check_pupil,
    check_school_deletable,
    require_instance_admin,
    require_school_admin,
    require_teacher,
)
from app.security.sessions import Principal, SignedInAccount
from app.web.deps import DbDep, LupeDep, PrincipalDep

router = APIRouter(prefix="/privacy")

Number = Annotated[str, Form(max_length=10)]
Confirmation = Annotated[str, Form(max_length=300)]


# Retention and the audit log: the school admin


def _school_page(
    request: Request,
    lupe: LupeDep,
    principal: Principal,
    rules: retention.Retention,
    error: str | None,
    status: int = 200,
) -> Response:
    language = lupe.renderer.language(request, principal)
    today = now().astimezone(ZoneInfo(lupe.settings.timezone)).date()
    context = {
        "rules": rules,
        "bounds": retention.BOUNDS,
        "error": error,
        "next_purge": [format_date(d, "long", locale=language) for d in retention.next_purge(rules, today)],
        "saved": request.query_params.get("saved") == "1",
    }
    return lupe.renderer.render(request, "privacy/school.html", context, principal=principal, status_code=status)


@router.get("/school")
def school_page(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep) -> Response:
    admin = require_school_admin(principal)
    assert admin.school_id is not None
    return _school_page(request, lupe, principal, retention.policy_of(db, admin.school_id), None)


@router.post("/school/retention")
def change_retention(
    request: Request,
    lupe: LupeDep,
    principal: PrincipalDep,
    year_end_month: Number = "",
    year_end_day: Number = "",
    grace_days: Number = "",
    free_text_days: Number = "",
    audit_days: Number = "",
) -> Response:
    admin = require_school_admin(principal)
    assert admin.school_id is not None
    values = {"year_end_month": year_end_month, "year_end_day": year_end_day, "grace_days": grace_days}
    values |= {"free_text_days": free_text_days, "audit_days": audit_days}
    try:
        rules = retention.parse(values)
    except retention.RetentionError as error:
        with lupe.db.read_session() as db:
            current = retention.policy_of(db, admin.school_id)
        return _school_page(request, lupe, principal, current, error.field, status=422)
    with lupe.db.writing() as db:
        retention.save(db, admin.school_id, rules)
        audit.record(
            db,
            actor=admin,
            action="retention.change",
            subject_type="school",
            subject_id=admin.school_id,
            school_id=admin.school_id,
        )
    return RedirectResponse("/privacy/school?saved=1", status_code=303)


@router.get("/school/audit")
def audit_log(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, page: int = 1) -> Response:
    admin = require_school_admin(principal)
    assert admin.school_id is not None
    found = audit.page_of(db, admin.school_id, page)
    return lupe.renderer.render(request, "privacy/audit.html", {"log": found}, principal=principal)


# Export


def _download(lupe: LupeDep, actor: SignedInAccount, scope: Scope) -> Response:
    with lupe.db.read_session() as db:
        path = export_to_temp_file(db, scope)
    with lupe.db.writing() as db:
        audit.record(
            db,
            actor=actor,
            action=f"{scope.kind}.export",
            subject_type=scope.kind,
            subject_id=scope.key,
            school_id=scope.school_id,
        )
    headers = {"Content-Disposition": f'attachment; filename="{download_name(scope, now().date())}"'}
    return StreamingResponse(iter_file(path), media_type="application/zip", headers=headers)


@router.post("/school/export")
def export_school(lupe: LupeDep, principal: PrincipalDep) -> Response:
    admin = require_school_admin(principal)
    assert admin.school_id is not None
    return _download(lupe, admin, Scope("school", admin.school_id, admin.school_id))


@router.post("/classes/{class_id}/export")
def export_class(lupe: LupeDep, db: DbDep, principal: PrincipalDep, class_id: int) -> Response:
    account = require_teacher(principal)
    school_class = check_class(account, db.get(Class, class_id))
    return _download(lupe, account, Scope("class", class_id, school_class.school_id))


@router.post("/pupils/{pupil_id}/export")
def export_pupil(lupe: LupeDep, db: DbDep, principal: PrincipalDep, pupil_id: str) -> Response:
    account = require_teacher(principal)
    pupil, school_class = check_pupil(db, account, db.get(Pupil, pupil_id[:32]))
    return _download(lupe, account, Scope("pupil", pupil.id, school_class.school_id))


# A class's data: its pupils, with export and deletion


@router.get("/classes/{class_id}")
def class_data(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, class_id: int) -> Response:
    account = require_teacher(principal)
    school_class = check_class(account, db.get(Class, class_id))
    audit.record_view(lupe.db, actor=account, action="class.view", subject_type="class", subject_id=class_id)
    context = {
        "school_class": school_class,
        "pupils": pupils_of(db, class_id),
        "deleted": request.query_params.get("deleted") == "1",
    }
    return lupe.renderer.render(request, "privacy/class.html", context, principal=principal)


# Deletion, each with a confirmation: the name typed again


def _confirm_page(
    request: Request, lupe: LupeDep, principal: Principal, kind: str, name: str, action: str, error: str | None = None
) -> Response:
    context = {"kind": kind, "name": name, "action": action, "error": error}
    return lupe.renderer.render(
        request, "privacy/confirm.html", context, principal=principal, status_code=422 if error else 200
    )


def _confirmed(typed: str, name: str) -> bool:
    return " ".join(typed.split()) == " ".join(name.split())


@router.get("/pupils/{pupil_id}/delete")
def confirm_pupil_deletion(
    request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, pupil_id: str
) -> Response:
    pupil, _ = check_pupil(db, require_teacher(principal), db.get(Pupil, pupil_id[:32]))
    return _confirm_page(request, lupe, principal, "pupil", pupil.pseudonym, f"/privacy/pupils/{pupil.id}/delete")


@router.post("/pupils/{pupil_id}/delete")
def remove_pupil(
    request: Request, lupe: LupeDep, principal: PrincipalDep, pupil_id: str, confirm: Confirmation = ""
) -> Response:
    account = require_teacher(principal)
    with lupe.db.writing() as db:
        pupil, school_class = check_pupil(db, account, db.get(Pupil, pupil_id[:32]))
        if not _confirmed(confirm, pupil.pseudonym):
            db.rollback()
            return _confirm_page(
                request, lupe, principal, "pupil", pupil.pseudonym, f"/privacy/pupils/{pupil.id}/delete", "confirm"
            )
        delete_pupil(db, pupil.id)
        audit.record(
            db,
            actor=account,
            action="pupil.delete",
            subject_type="pupil",
            subject_id=None,
            school_id=school_class.school_id,
        )
    return RedirectResponse(f"/privacy/classes/{school_class.id}?deleted=1", status_code=303)


@router.get("/classes/{class_id}/delete")
def confirm_class_deletion(
    request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, class_id: int
) -> Response:
    school_class = check_class(require_teacher(principal), db.get(Class, class_id))
    return _confirm_page(request, lupe, principal, "class", school_class.name, f"/privacy/classes/{class_id}/delete")


@router.post("/classes/{class_id}/delete")
def remove_class(
    request: Request, lupe: LupeDep, principal: PrincipalDep, class_id: int, confirm: Confirmation = ""
) -> Response:
    account = require_teacher(principal)
    with lupe.db.writing() as db:
        school_class = check_class(account, db.get(Class, class_id))
        if not _confirmed(confirm, school_class.name):
            db.rollback()
            return _confirm_page(
                request, lupe, principal, "class", school_class.name, f"/privacy/classes/{class_id}/delete", "confirm"
            )
        school_id = school_class.school_id
        delete_class(db, class_id)
        audit.record(
            db, actor=account, action="class.delete", subject_type="class", subject_id=class_id, school_id=school_id
        )
    return RedirectResponse("/teacher", status_code=303)


@router.get("/schools/{school_id}/delete")
def confirm_school_deletion(
    request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, school_id: int
) -> Response:
    school = check_school_deletable(require_instance_admin(principal), db.get(School, school_id))
    return _confirm_page(request, lupe, principal, "school", school.name, f"/privacy/schools/{school_id}/delete")


@router.post("/schools/{school_id}/delete")
def remove_school(
    request: Request, lupe: LupeDep, principal: PrincipalDep, school_id: int, confirm: Confirmation = ""
) -> Response:
    admin = require_instance_admin(principal)
    with lupe.db.writing() as db:
        school = check_school_deletable(admin, db.get(School, school_id))
        if not _confirmed(confirm, school.name):
            db.rollback()
            return _confirm_page(
                request, lupe, principal, "school", school.name, f"/privacy/schools/{school_id}/delete", "confirm"
            )
        delete_school(db, school_id)
        audit.record(
            db, actor=admin, action="school.delete", subject_type="school", subject_id=school_id, school_id=None
        )
    return lupe.renderer.render(request, "privacy/deleted.html", {"kind": "school"}, principal=principal)
