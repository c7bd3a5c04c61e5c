"""Teachers: classes, join codes, the class page and projector. Pupils: joining and resuming."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.classroom import pseudonyms
from app.classroom.assignments import assignments_of, is_open
from app.classroom.models import Assignment, Class
from app.classroom.qr import qr_svg
from app.classroom.services import (
    ClassroomError,
    classes_of,
    create_class,
    join,
    open_class_by_code,
    pupil_by_resume_code,
    pupils_of,
)
from app.live.stream import event_stream
from app.packs.library import usable_packs
from app.packs.models import Pack
from app.practice.services import allows_reflection, visible_items
from app.privacy import audit
from app.progress.services import class_progress
from app.security.authz import check_class, require_teacher
from app.security.codes import display, normalise
from app.security.sessions import SignedInAccount
from app.web.deps import DbDep, LupeDep, PrincipalDep, client_address, is_htmx

router = APIRouter()

Text = Annotated[str, Form(max_length=2000)]
# No form-level limit: the body limit bounds it, and pseudonyms.clean() answers an empty or
# overlong name with a clear message instead of a bare "invalid request" page.
PseudonymField = Annotated[str, Form()]


@router.get("/teacher")
def dashboard(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep) -> Response:
    account = require_teacher(principal)
    assert account.school_id is not None
    classes = classes_of(db, school_id=account.school_id, teacher_id=account.id)
    return lupe.renderer.render(
        request, "classroom/dashboard.html", {"classes": classes, "error": None}, principal=principal
    )


@router.post("/teacher/classes")
def new_class(request: Request, lupe: LupeDep, principal: PrincipalDep, name: Text) -> Response:
    account = require_teacher(principal)
    assert account.school_id is not None
    try:
        with lupe.db.writing() as db:
            school_class = create_class(db, school_id=account.school_id, teacher_id=account.id, name=name)
    except ClassroomError as error:
        with lupe.db.read_session() as db:
            classes = classes_of(db, school_id=account.school_id, teacher_id=account.id)
        return lupe.renderer.render(
            request,
            "classroom/dashboard.html",
            {"classes": classes, "error": error.code},
            principal=principal,
            status_code=422,
        )
    return RedirectResponse(f"/teacher/classes/{school_class.id}", status_code=303)


def _class_context(
    request: Request,
    lupe: LupeDep,
    db: DbDep,
    school_class: Class,
    account: SignedInAccount,
    *,
    error: str | None = None,
) -> dict:
    assert school_class.id is not None
    packs = usable_packs(db, lupe.packs, account)
    summary_by_pack = {pack.id: summary for pack, summary in packs}
    version_by_pack = {pack.id: pack.current_version_id or 0 for pack, _ in packs}
    reflection = allows_reflection(db, account.school_id or 0)
    assignments = [a for a in assignments_of(db, school_class.id) if a.pack_id in summary_by_pack]
    running = []
    for a in assignments:
        if is_open(a) and a.kind != "live":  # progress needs the items: only these packs are loaded
            compiled = lupe.packs.get(db, version_by_pack[a.pack_id])
            running.append((a.id, {**compiled, "items": visible_items(compiled, allow_reflection=reflection)}))
    join_url = str(request.url_for("join_link", code=school_class.join_code))
    return {
        "school_class": school_class,
        "code": display(school_class.join_code),
        "join_url": join_url,
        "packs": packs,
        "assignments": [(a, summary_by_pack[a.pack_id], is_open(a)) for a in assignments],
        "pre_tests": [(a, summary_by_pack[a.pack_id]) for a in assignments if a.kind == "pre"],
        "parallel_form": _parallel_form(packs, assignments),
        "error": error,
        "progress": class_progress(db, class_id=school_class.id, packs=running),  # type: ignore[arg-type]
    }


def _parallel_form(packs: list[tuple[Pack, dict]], assignments: list[Assignment]) -> int | None:
    """The pack to suggest for a post-test: form B of the newest pre-test's form A (ids ending -a / -b)."""
    pre_tests = [a for a in assignments if a.kind == "pre"]
    keys = {pack.id: pack.key for pack, _ in packs}
    ids = {pack.key: pack.id for pack, _ in packs}
    if not pre_tests or not keys.get(pre_tests[0].pack_id, "").endswith("-a"):
        return None
    return ids.get(keys[pre_tests[0].pack_id][:-2] + "-b")


@router.get("/teacher/classes/{class_id}")
def class_page(request: Request, lupe: LupeDep, principal: PrincipalDep, class_id: int) -> Response:
    return class_page_response(request, lupe, principal, class_id)


def class_page_response(
    request: Request,
    lupe: LupeDep,
    principal: PrincipalDep,
    class_id: int,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    account = require_teacher(principal)
    with lupe.db.read_session() as db:
        school_class = check_class(account, db.get(Class, class_id))
        context = _class_context(request, lupe, db, school_class, account, error=error)
    audit.record_view(lupe.db, actor=account, action="class.view", subject_type="class", subject_id=class_id)
    return lupe.renderer.render(request, "classroom/class.html", context, principal=principal, status_code=status_code)


@router.get("/teacher/classes/{class_id}/events")
def class_events(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, class_id: int) -> Response:
    """Tells the class page and the projector when pupils join or answer (server-sent events)."""
    account = require_teacher(principal)
    check_class(account, db.get(Class, class_id))
    topics = [f"class:{class_id}"] + [f"assignment:{a.id}" for a in assignments_of(db, class_id) if is_open(a)]
    db.close()  # a stream lasts long: it must not hold a database connection
    return event_stream(request, lupe.bus, topics, principal_key=f"account:{account.id}")


@router.get("/teacher/classes/{class_id}/progress")
def class_progress_fragment(
    request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, class_id: int
) -> Response:
    """The progress part of the class page, fetched again whenever pupils answer."""
    account = require_teacher(principal)
    school_class = check_class(account, db.get(Class, class_id))
    context = _class_context(request, lupe, db, school_class, account)
    audit.record_view(lupe.db, actor=account, action="class.view", subject_type="class", subject_id=class_id)
    return lupe.renderer.render(
        request, "classroom/class.html", context, principal=principal, block="progress" if is_htmx(request) else None
    )


@router.get("/teacher/classes/{class_id}/projector")
def projector(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, class_id: int) -> Response:
    account = require_teacher(principal)
    school_class = check_class(account, db.get(Class, class_id))
    assert school_class.id is not None
    join_url = str(request.url_for("join_link", code=school_class.join_code))
    context = {
        "school_class": school_class,
        "code": display(school_class.join_code),
        "join_url": join_url,
        "qr": qr_svg(join_url, title=display(school_class.join_code)),
        "joined": len(pupils_of(db, school_class.id)),
        "site": f"{request.url.netloc}",
    }
    return lupe.renderer.render(
        request, "classroom/projector.html", context, principal=principal, block="joined" if is_htmx(request) else None
    )


# Pupils


def _join_form(
    request: Request, lupe: LupeDep, principal: PrincipalDep, *, code: str, error: str | None, status: int
) -> Response:
    return lupe.renderer.render(
        request, "classroom/join.html", {"code": code[:20], "error": error}, principal=principal, status_code=status
    )


def _name_form(
    request: Request,
    lupe: LupeDep,
    principal: PrincipalDep,
    school_class: Class,
    *,
    pseudonym: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    language = lupe.renderer.language(request, principal)
    context = {
        "school_class": school_class,
        "code": school_class.join_code,
        "pseudonym": pseudonym if pseudonym is not None else pseudonyms.suggest(language),
        "error": error,
    }
    return lupe.renderer.render(request, "classroom/join_name.html", context, principal=principal, status_code=status)


def _find_class(request: Request, lupe: LupeDep, db: DbDep, raw_code: str) -> Class | str:
    """The open class for ``raw_code``, or why not ("throttled" or "unknown_code")."""
    address = client_address(request)
    if lupe.limits.join_by_address.blocked(address):
        return "throttled"
    school_class = open_class_by_code(db, raw_code)
    if school_class is None:
        lupe.limits.join_by_address.fail(address)
        return "unknown_code"
    return school_class


@router.post("/join")
def join_with_code(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, code: Text) -> Response:
    found = _find_class(request, lupe, db, code)
    if isinstance(found, str):
        return _join_form(request, lupe, principal, code=code, error=found, status=429 if found == "throttled" else 422)
    return _name_form(request, lupe, principal, found)


@router.get("/join/{code}", name="join_link")
def join_link(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, code: str) -> Response:
    found = _find_class(request, lupe, db, code)
    if isinstance(found, str):
        return _join_form(request, lupe, principal, code="", error=found, status=429 if found == "throttled" else 404)
    return _name_form(request, lupe, principal, found)


@router.post("/join/{code}")
def join_with_pseudonym(
    request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, code: str, pseudonym: PseudonymField = ""
) -> Response:
    found = _find_class(request, lupe, db, code)
    if isinstance(found, str):
        return _join_form(request, lupe, principal, code="", error=found, status=429 if found == "throttled" else 404)
    try:
        with lupe.db.writing() as session:
            school_class = session.get(Class, found.id)
            assert school_class is not None
            pupil, resume_code = join(session, school_class, pseudonym)
            cookie = lupe.cookies.start(session, pupil_id=pupil.id)
        lupe.bus.publish_threadsafe(f"class:{found.id}")  # the projector counts who has joined
    except ClassroomError as error:
        return _name_form(request, lupe, principal, found, pseudonym=pseudonym[:60], error=error.code, status=422)
    response = lupe.renderer.render(
        request,
        "classroom/welcome.html",
        {"pseudonym": pupil.pseudonym, "resume_code": display(resume_code)},
        principal=principal,
    )
    lupe.cookies.set(response, cookie)
    return response


@router.get("/resume")
def resume_page(request: Request, lupe: LupeDep, principal: PrincipalDep) -> Response:
    return lupe.renderer.render(request, "classroom/resume.html", {"error": None}, principal=principal)


@router.post("/resume")
def resume(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, resume_code: Text) -> Response:
    """Continue as a pupil on another device with the personal resume code."""
    address = client_address(request)
    if lupe.limits.resume_by_address.blocked(address):
        return lupe.renderer.render(
            request, "classroom/resume.html", {"error": "throttled"}, principal=principal, status_code=429
        )
    pupil = pupil_by_resume_code(db, resume_code)
    if pupil is None:
        lupe.limits.resume_by_address.fail(address)
        error = "unknown_resume_code" if normalise(resume_code) else "empty"
        return lupe.renderer.render(
            request, "classroom/resume.html", {"error": error}, principal=principal, status_code=422
        )
    with lupe.db.writing() as session:
        cookie = lupe.cookies.start(session, pupil_id=pupil.id)
    response = RedirectResponse("/play", status_code=303)
    lupe.cookies.set(response, cookie)
    return response
