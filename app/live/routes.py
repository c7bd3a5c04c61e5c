"""Live lessons: the teacher's projector view that paces the items, and the pupils' screens that follow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.classroom.assignments import close_assignment
from app.classroom.models import Assignment, AssignmentKind, Class
from app.classroom.qr import qr_svg
from app.live import services
from app.live.models import LiveSession, Phase
from app.live.stream import event_stream
from app.live.summary import lesson_summary
from app.practice.routes import Playable, read_form
from app.practice.scoring import CONFIDENCE_LEVELS, AnswerError, score_answer
from app.practice.services import answers_of, store_try
from app.security.authz import NotVisible, check_answerable, check_assignment, require_pupil, require_teacher
from app.security.codes import display
from app.security.sessions import SignedInAccount, SignedInPupil
from app.web.deps import DbDep, LupeDep, PrincipalDep, is_htmx
from app.web.deps import Lupe as LupeServices

router = APIRouter()


def live_topic(assignment_id: int) -> str:
    """Fires when the teacher moves the lesson on."""
    return f"live:{assignment_id}"


def answers_topic(assignment_id: int) -> str:
    """Fires when a pupil's answer is stored (see app.main.tell_screens)."""
    return f"assignment:{assignment_id}"


def _session(db: Session, assignment_id: int) -> LiveSession:
    session = db.get(LiveSession, assignment_id)
    if session is None:
        raise NotVisible
    return session


# Pupils


class PupilStage:
    """What one pupil sees of a live lesson now."""

    def __init__(self, db: Session, lupe: LupeServices, pupil: SignedInPupil, assignment_id: int) -> None:
        self.playable = Playable(db, lupe, pupil, assignment_id)
        if self.playable.grant.kind != AssignmentKind.live:
            raise NotVisible
        self.session = _session(db, assignment_id)
        self.item = services.current_item(self.session, self.playable.items)
        self.answers = answers_of(db, pupil_id=pupil.id, assignment_id=assignment_id)

    def context(self, error: str | None = None) -> dict[str, Any]:
        item, playable = self.item, self.playable
        stored = self.answers.get(item["key"]) if item else None
        return {
            "assignment_id": playable.assignment_id,
            "pack_title": playable.compiled["title"],
            "verdicts": playable.compiled["verdicts"],
            "phase": self.session.phase if playable.grant.open else Phase.finished.value,
            "item": item,
            "number": self.session.position + 1,
            "total": len(playable.items),
            "answer": stored,
            "answer_url": f"/live/{playable.assignment_id}/items/{item['key']}" if item else "",
            "attempt": 1,
            "confidence_levels": CONFIDENCE_LEVELS,
            "error": error,
        }


def _pupil_page(request: Request, lupe: LupeServices, principal: Any, stage: PupilStage, **extra: Any) -> Response:
    block = "stage" if is_htmx(request) else None
    status = 422 if extra.get("error") else 200
    context = stage.context(extra.get("error"))
    return lupe.renderer.render(
        request, "live/pupil.html", context, principal=principal, block=block, status_code=status
    )


@router.get("/live/{assignment_id}")
def pupil_page(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, assignment_id: int) -> Response:
    stage = PupilStage(db, lupe, require_pupil(principal), assignment_id)
    return _pupil_page(request, lupe, principal, stage)


@router.get("/live/{assignment_id}/stage")
def pupil_stage(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, assignment_id: int) -> Response:
    """The part of the pupil's page that follows the teacher (fetched on every live event)."""
    stage = PupilStage(db, lupe, require_pupil(principal), assignment_id)
    return lupe.renderer.render(request, "live/pupil.html", stage.context(), principal=principal, block="stage")


@router.get("/live/{assignment_id}/events")
def pupil_events(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, assignment_id: int) -> Response:
    pupil = require_pupil(principal)
    PupilStage(db, lupe, pupil, assignment_id)
    db.close()  # a stream lasts long: it must not hold a database connection
    return event_stream(request, lupe.bus, [live_topic(assignment_id)], principal_key=f"pupil:{pupil.id}")


@router.post("/live/{assignment_id}/items/{item_key}")
async def pupil_answers(
    request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, assignment_id: int, item_key: str
) -> Response:
    """One answer to the item on the projector, while it is open; the result comes with the reveal."""
    pupil = require_pupil(principal)
    stage = PupilStage(db, lupe, pupil, assignment_id)
    check_answerable(stage.playable.grant)
    item = stage.item
    if item is None or item["key"] != item_key or stage.session.phase != Phase.question:
        return _pupil_page(request, lupe, principal, stage, error="live_moved_on")
    if item_key not in stage.answers:
        try:
            scored = score_answer(stage.playable.compiled, item, await read_form(request))
        except AnswerError as error:
            return _pupil_page(request, lupe, principal, stage, error=error.code)
        if stage.session.speed_bonus and stage.session.item_started_at is not None:
            scored = services.with_answer_time(scored, stage.session.item_started_at)
        db.rollback()  # give the connection back while waiting for the writer
        stored = await store_try(
            lupe.db,
            stage.playable.target,
            item=item,
            item_id=stage.playable.compiled["item_ids"][item_key],
            scored=scored,
            attempt=1,
            final=True,
        )
        if stored is not None:  # the answer writer tells the teacher's screen
            stage.answers[item_key] = stored
    if not is_htmx(request):
        return RedirectResponse(f"/live/{assignment_id}", status_code=303)
    return _pupil_page(request, lupe, principal, stage)


# The teacher


@dataclass(frozen=True)
class Lesson:
    """A live assignment as its teacher runs it."""

    assignment: Assignment
    school_class: Class
    session: LiveSession
    compiled: dict[str, Any]
    items: list[dict[str, Any]]


def _lesson(db: Session, lupe: LupeServices, account: SignedInAccount, assignment_id: int) -> Lesson:
    assignment, school_class = check_assignment(db, account, db.get(Assignment, assignment_id))
    compiled = lupe.packs.current(db, assignment.pack_id)
    if compiled is None:
        raise NotVisible
    items = services.items_of(db, compiled, school_class.school_id)
    return Lesson(assignment, school_class, _session(db, assignment_id), compiled, items)


def _teacher_context(
    request: Request, lupe: LupeServices, db: Session, account: SignedInAccount, assignment_id: int
) -> dict[str, Any]:
    lesson = _lesson(db, lupe, account, assignment_id)
    assignment, school_class, session, compiled = (
        lesson.assignment,
        lesson.school_class,
        lesson.session,
        lesson.compiled,
    )
    items = lesson.items
    item = services.current_item(session, items)
    join_url = str(request.url_for("join_link", code=school_class.join_code))
    context: dict[str, Any] = {
        "assignment": assignment,
        "school_class": school_class,
        "session": session,
        "pack_title": compiled["title"],
        "verdicts": compiled["verdicts"],
        "item": item,
        "number": session.position + 1,
        "total": len(items),
        "joined": services.joined_count(db, school_class.id or 0),
        "code": display(school_class.join_code),
        "join_url": join_url,
        "qr": qr_svg(join_url, title=display(school_class.join_code)) if session.phase == Phase.lobby else "",
    }
    if item is not None:
        context["answered"] = services.answered_count(db, assignment_id, item["key"])
        if session.phase == Phase.reveal:
            context["bars"] = services.distribution(db, assignment_id, item, compiled["verdicts"])
    if session.phase == Phase.finished:
        context["summary"] = lesson_summary(db, assignment_id, items, compiled["verdicts"])
        context["podium"] = services.standings(db, session) if session.points and session.podium else []
    return context


def _teacher_render(
    request: Request, lupe: LupeServices, principal: Any, context: dict[str, Any], block: str | None = None
) -> Response:
    return lupe.renderer.render(request, "live/teacher.html", context, principal=principal, block=block)


@router.get("/teacher/live/{assignment_id}")
def teacher_page(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, assignment_id: int) -> Response:
    account = require_teacher(principal)
    context = _teacher_context(request, lupe, db, account, assignment_id)
    return _teacher_render(request, lupe, principal, context)


@router.get("/teacher/live/{assignment_id}/stage")
def teacher_stage(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, assignment_id: int) -> Response:
    """The projector's changing part: joined and answered counts, the distribution after the reveal."""
    account = require_teacher(principal)
    context = _teacher_context(request, lupe, db, account, assignment_id)
    return _teacher_render(request, lupe, principal, context, block="stage")


@router.get("/teacher/live/{assignment_id}/events")
def teacher_events(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, assignment_id: int) -> Response:
    account = require_teacher(principal)
    assignment, school_class = check_assignment(db, account, db.get(Assignment, assignment_id))
    db.close()
    topics = [live_topic(assignment_id), answers_topic(assignment_id), f"class:{school_class.id}"]
    return event_stream(request, lupe.bus, topics, principal_key=f"account:{account.id}")


@router.post("/teacher/live/{assignment_id}/step")
async def teacher_step(
    lupe: LupeDep, principal: PrincipalDep, assignment_id: int, step: Annotated[str, Form(max_length=10)]
) -> Response:
    """Start, reveal, next, back or finish: every pupil's screen follows."""
    account = require_teacher(principal)
    try:
        chosen = services.Step(step)
    except ValueError as error:
        raise NotVisible from error
    with lupe.db.writing() as db:
        lesson = _lesson(db, lupe, account, assignment_id)
        try:
            services.take_step(lesson.session, chosen, len(lesson.items))
        except services.LiveError:
            return RedirectResponse(f"/teacher/live/{assignment_id}", status_code=303)
        db.add(lesson.session)
        if lesson.session.phase == Phase.finished:
            close_assignment(db, lesson.assignment)  # pupils now find it among their results
    await lupe.bus.publish(live_topic(assignment_id))
    return RedirectResponse(f"/teacher/live/{assignment_id}#stage", status_code=303)


@router.post("/teacher/live/{assignment_id}/settings")
async def teacher_settings(request: Request, lupe: LupeDep, principal: PrincipalDep, assignment_id: int) -> Response:
    """Points, speed bonus, streaks and a podium: all off unless the teacher turns them on, before the start."""
    account = require_teacher(principal)
    form = await request.form()
    with lupe.db.writing() as db:
        check_assignment(db, account, db.get(Assignment, assignment_id))
        session = _session(db, assignment_id)
        if session.phase == Phase.lobby:
            session.points = form.get("points") == "on"
            session.speed_bonus = session.points and form.get("speed_bonus") == "on"
            session.streaks = session.points and form.get("streaks") == "on"
            session.podium = session.points and form.get("podium") == "on"
            session.revision += 1
            db.add(session)
    return RedirectResponse(f"/teacher/live/{assignment_id}", status_code=303)
