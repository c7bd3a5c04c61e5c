"""Report pages: a class's assignment, retests compared, a pack over the school, a pupil's own progress."""

from __future__ import annotations

from functools import partial
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.classroom.models import Assignment, Class
from app.i18n import gettext_for
from app.packs.models import Pack
from app.practice.services import allows_reflection
from app.privacy import audit
from app.reports import presentation as shown
from app.reports.class_report import ClassReport
from app.reports.csv_export import attachment, csv_bytes
from app.reports.export import item_rows, pupil_rows
from app.reports.pack_report import pack_report
from app.reports.pupil_progress import pupil_progress
from app.reports.services import AssignmentReport, class_report, retest_report
from app.security.authz import (
    NotVisible,
    check_assignment,
    check_pack_report,
    require_pupil,
    require_teacher,
)
from app.security.sessions import Principal, SignedInAccount
from app.web.deps import DbDep, LupeDep, PrincipalDep

router = APIRouter()


def _words(lupe: LupeDep, request: Request, principal: Principal) -> tuple[str, Any]:
    language = lupe.renderer.language(request, principal)
    return language, gettext_for(language)[0]


def _formatters(language: str, gettext: Any) -> dict[str, Any]:
    return {
        "num": partial(shown.signed, language=language),
        "pct": shown.share,
        "choice_text": partial(shown.choice_text, gettext=gettext),
    }


def _charts(report: ClassReport, gettext: Any, columns: dict[str, str]) -> dict[str, Any]:
    """The heat map and the answer distributions of a class or pack report."""
    title = gettext("Share of wrong answers per technique")
    return {
        "heat_svg": shown.heat_map_chart(report.heat, gettext, columns, title=title),
        "columns": columns,
        "charts": {r.item["key"]: shown.item_chart(r, gettext, r.item["position"] + 1) for r in report.items},
    }


def _report(
    lupe: LupeDep, db: DbDep, account: SignedInAccount, assignment_id: int, action: str = "report.view"
) -> tuple[AssignmentReport, Class]:
    assignment, school_class = check_assignment(db, account, db.get(Assignment, assignment_id))
    reflection = allows_reflection(db, school_class.school_id)
    result = class_report(db, lupe.packs, assignment, allow_reflection=reflection)
    if result is None:
        raise NotVisible
    audit.record_view(lupe.db, actor=account, action=action, subject_type="assignment", subject_id=assignment_id)
    return result, school_class


def _class_context(result: AssignmentReport, school_class: Class, language: str, gettext: Any) -> dict[str, Any]:
    report = result.report
    columns = {"": gettext("Whole class"), **{p.pupil_id: p.pseudonym for p in report.pupils}}
    return {
        "result": result,
        "report": report,
        "compiled": result.compiled,
        "school_class": school_class,
        "printable": False,
        **_charts(report, gettext, columns),
        **_formatters(language, gettext),
    }


@router.get("/teacher/assignments/{assignment_id}/report")
def assignment_report(
    request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, assignment_id: int
) -> Response:
    account = require_teacher(principal)
    result, school_class = _report(lupe, db, account, assignment_id)
    language, gettext = _words(lupe, request, principal)
    context = _class_context(result, school_class, language, gettext)
    return lupe.renderer.render(request, "reports/class_report.html", context, principal=principal)


@router.get("/teacher/assignments/{assignment_id}/report/print")
def assignment_report_print(
    request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, assignment_id: int
) -> Response:
    account = require_teacher(principal)
    result, school_class = _report(lupe, db, account, assignment_id)
    language, gettext = _words(lupe, request, principal)
    context = {**_class_context(result, school_class, language, gettext), "printable": True}
    return lupe.renderer.render(request, "reports/class_report.html", context, principal=principal)


@router.get("/teacher/assignments/{assignment_id}/report.csv")
def assignment_report_csv(
    request: Request,
    lupe: LupeDep,
    db: DbDep,
    principal: PrincipalDep,
    assignment_id: int,
    part: Literal["pupils", "items"] = "pupils",
) -> Response:
    """The class report as a spreadsheet: one row per pupil, or (part=items) one per item."""
    account = require_teacher(principal)
    result, school_class = _report(lupe, db, account, assignment_id, action="report.export")
    _, gettext = _words(lupe, request, principal)
    rows = pupil_rows(result, gettext) if part == "pupils" else item_rows(result, gettext)
    headers = attachment(school_class.name, str(result.compiled["key"]), part)
    return Response(csv_bytes(rows), media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/teacher/retests/{assignment_id}")
def retest_comparison(
    request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, assignment_id: int
) -> Response:
    account = require_teacher(principal)
    pre, school_class = check_assignment(db, account, db.get(Assignment, assignment_id))
    if pre.kind != "pre":
        raise NotVisible
    reflection = allows_reflection(db, school_class.school_id)
    report = retest_report(db, lupe.packs, pre, allow_reflection=reflection)
    audit.record_view(lupe.db, actor=account, action="report.view", subject_type="assignment", subject_id=assignment_id)
    language, gettext = _words(lupe, request, principal)
    names = shown.round_names(report, gettext)
    title = gettext("Share of wrong answers per technique")
    context = {
        "school_class": school_class,
        "retest": report,
        "rounds_svg": shown.rounds_chart(report, gettext),
        "heat_svg": shown.heat_map_chart(report.heat, gettext, names, title=title),
        "round_names": names,
        **_formatters(language, gettext),
    }
    return lupe.renderer.render(request, "reports/retest.html", context, principal=principal)


@router.get("/teacher/packs/{pack_id}/report")
def pack_report_page(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, pack_id: int) -> Response:
    account = require_teacher(principal)
    pack = check_pack_report(account, db.get(Pack, pack_id))
    assert account.school_id is not None and pack.id is not None
    reflection = allows_reflection(db, account.school_id)
    report = pack_report(db, lupe.packs, pack_id=pack.id, school_id=account.school_id, allow_reflection=reflection)
    if report is None:
        raise NotVisible
    language, gettext = _words(lupe, request, principal)
    columns = {"": gettext("All classes"), **{g.name: gettext("Group %(name)s", name=g.name) for g in report.groups}}
    context = {
        "pack": pack,
        "pack_report": report,
        "report": report.report,
        "compiled": report.compiled,
        **_charts(report.report, gettext, columns),
        **_formatters(language, gettext),
    }
    return lupe.renderer.render(request, "reports/pack_report.html", context, principal=principal)


@router.get("/play/progress")
def my_progress(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep) -> Response:
    """A pupil's own results across the class's assignments: only ever their own answers."""
    pupil = require_pupil(principal)
    reflection = allows_reflection(db, pupil.school_id)
    progress = pupil_progress(db, lupe.packs, pupil_id=pupil.id, class_id=pupil.class_id, allow_reflection=reflection)
    language, gettext = _words(lupe, request, principal)
    context = {"progress": progress, **_formatters(language, gettext)}
    return lupe.renderer.render(request, "reports/progress.html", context, principal=principal)
