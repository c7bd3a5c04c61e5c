"""A pupil plays the packs opened for their class: item, answer, feedback, summary.

Every step works as a plain form post; with htmx the item swaps in place.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException
from starlette.routing import Route

from app.classroom.assignments import assignments_of
from app.classroom.models import AssignmentKind
from app.plain import Reads
from app.practice.scoring import CONFIDENCE_LEVELS, AnswerError, score_answer
from app.practice.services import (
    StoredAnswer,
    Target,
    answers_of,
    finished_counts,
    is_final,
    is_visible,
    item_number,
    next_item_key,
    store_try,
    summarise,
    visible_items,
)
from app.security.authz import (
    NotVisible,
    PlayGrant,
    check_answerable,
    check_pupil_plays,
    pupil_plays,
    require_pupil,
)
from app.security.sessions import COOKIE_NAME, Principal, SignedInPupil
from app.web.deps import DbDep, LupeDep, PrincipalDep, is_htmx
from app.web.deps import Lupe as LupeServices

router = APIRouter()

MAX_ANSWER_BODY = 16_384


class Playable:
    """An assignment as one pupil plays it: the compiled pack version and the items they see."""

    def __init__(
        self, db: Reads, lupe: LupeServices, pupil: SignedInPupil, assignment_id: int, grant: PlayGrant | None = None
    ) -> None:
        self.grant: PlayGrant = grant or check_pupil_plays(db, pupil, assignment_id)
        self.assignment_id = assignment_id
        self.target = Target(pupil.id, assignment_id, self.grant.pack_id)
        # A version this process has not seen yet is loaded once, on the request's own connection:
        # a second one while holding it could find the pool empty when a whole class answers at once.
        self.compiled = lupe.packs.get(db, self.grant.version_id)
        self.items = visible_items(self.compiled, allow_reflection=self.grant.allow_reflection)

    def item(self, key: str) -> dict[str, Any]:
        item = self.compiled["by_key"].get(key)
        if item is None or not is_visible(item, allow_reflection=self.grant.allow_reflection):
            raise NotVisible
        return item

    def url_after(self, answers: dict[str, StoredAnswer]) -> str:
        following = next_item_key(self.items, answers)
        if following and self.grant.open:
            return f"/play/{self.assignment_id}/items/{following}"
        return f"/play/{self.assignment_id}/summary"


@router.get("/play")
def play_home(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep) -> Response:
    pupil = require_pupil(principal)
    counts = finished_counts(db, pupil_id=pupil.id)
    cards = []
    for assignment in assignments_of(db, pupil.class_id):
        assert assignment.id is not None
        try:
            playable = Playable(db, lupe, pupil, assignment.id)
        except NotVisible:
            continue
        answered, correct = counts.get(assignment.id, (0, 0))
        cards.append(
            {
                "id": assignment.id,
                "kind": assignment.kind,
                "open": playable.grant.open,
                "closes_at": assignment.closes_at,
                "title": playable.compiled["title"],
                "description": playable.compiled["description"],
                "total": len(playable.items),
                "answered": answered,
                "correct": correct,
            }
        )
    return lupe.renderer.render(request, "practice/home.html", {"cards": cards}, principal=principal)


@router.get("/play/{assignment_id}")
def play_assignment(lupe: LupeDep, db: DbDep, principal: PrincipalDep, assignment_id: int) -> Response:
    """Continue where the pupil left off (a live lesson: where the class is)."""
    pupil = require_pupil(principal)
    playable = Playable(db, lupe, pupil, assignment_id)
    if playable.grant.kind == AssignmentKind.live:
        return RedirectResponse(f"/live/{assignment_id}", status_code=303)
    answers = answers_of(db, pupil_id=pupil.id, assignment_id=assignment_id)
    return RedirectResponse(playable.url_after(answers), status_code=303)


def _item_context(
    playable: Playable,
    item: dict[str, Any],
    answers: dict[str, StoredAnswer],
    error: str | None = None,
) -> dict[str, Any]:
    stored = answers.get(item["key"])
    tries_used = stored.attempt if stored else 0
    return {
        "assignment_id": playable.assignment_id,
        "answer_url": f"/play/{playable.assignment_id}/items/{item['key']}",
        "open": playable.grant.open,
        "pack_title": playable.compiled["title"],
        "verdicts": playable.compiled["verdicts"],
        "item": item,
        "number": item_number(playable.compiled, item, allow_reflection=playable.grant.allow_reflection),
        "total": len(playable.items),
        "answer": stored if stored and stored.final else None,
        "last_try": stored if stored and not stored.final else None,
        "attempt": tries_used + 1,
        "hints": item["hints_html"][:tries_used],
        "answered": sum(1 for a in answers.values() if a.final),
        "next_url": playable.url_after(answers),
        "confidence_levels": CONFIDENCE_LEVELS,
        "error": error,
    }


@router.get("/play/{assignment_id}/items/{item_key}")
async def item_page(request: Request, lupe: LupeDep, assignment_id: int, item_key: str) -> Response:
    token_hash = lupe.cookies.token_hash(request.cookies.get(COOKIE_NAME))
    principal, playable, item, answers = await lupe.db.run_reads(read_item, lupe, token_hash, assignment_id, item_key)
    context = _item_context(playable, item, answers)
    block = "item" if is_htmx(request) else None
    return lupe.renderer.render(request, "practice/item.html", context, principal=principal, block=block)


async def answer_endpoint(request: Request) -> Response:
    """POST /play/{assignment_id}/items/{item_key}: the answer burst's hot path.

    A plain Starlette endpoint rather than a FastAPI route: dependency injection and
    validation would cost more than the work itself (see docs/benchmarks.md).
    """
    lupe: LupeServices = request.app.state.lupe
    token_hash = lupe.cookies.token_hash(request.cookies.get(COOKIE_NAME))
    await request.body()  # read a slow client's body before holding a database connection
    assignment_id, item_key = request.path_params["assignment_id"], request.path_params["item_key"]
    principal, playable, item, answers = await lupe.db.run_reads(
        read_item, lupe, token_hash, assignment_id, item_key, answering=True
    )
    return await answer_item(request, lupe, principal, playable, item, answers)


def read_item(
    lupe: LupeServices, token_hash: str | None, assignment_id: int, item_key: str, *, answering: bool = False
) -> tuple[Principal, Playable, dict[str, Any], dict[str, StoredAnswer]]:
    """Who asks, the item if they may see it, and their tries: one connection, handed back at the end.

    Blocking calls, so that on PostgreSQL they run off the event loop (``Database.run_reads``).
    """
    # Plain driver reads, not a Session: on this path SQLAlchemy's per-query work cost more than the queries.
    with lupe.db.plain.connect() as db:
        principal, pupil, grant = pupil_plays(db, token_hash, assignment_id, lupe.grants)
        playable = Playable(db, lupe, pupil, assignment_id, grant)
        if answering and playable.grant.kind == AssignmentKind.live:
            raise NotVisible  # live answers go to the live lesson, which paces them
        item = playable.item(item_key)
        answers = answers_of(db, pupil_id=pupil.id, assignment_id=assignment_id, item_key=item_key)
        return principal, playable, item, answers


# Not on ``router``: create_app lists it first among the app's routes, and app/web/hot_route.py
# serves it from inside Lupe's middlewares, past FastAPI's exception layers and router.
ANSWER_ROUTE = Route("/play/{assignment_id:int}/items/{item_key}", answer_endpoint, methods=["POST"])


async def read_form(request: Request) -> dict[str, list[str]]:
    body = await request.body()
    try:
        return parse_qs(body[:MAX_ANSWER_BODY].decode("utf-8", "replace"), max_num_fields=200)
    except ValueError as error:  # more fields than any item's form has: not a form Lupe sent
        raise HTTPException(400) from error


async def answer_item(
    request: Request,
    lupe: LupeServices,
    principal: Principal,
    playable: Playable,
    item: dict[str, Any],
    answers: dict[str, StoredAnswer],
) -> Response:
    """Store the try once and show what follows: a hint and another try, or the feedback."""
    item_key = item["key"]
    form = await read_form(request)
    block = "item" if is_htmx(request) else None
    stored = answers.get(item_key)
    attempt = (stored.attempt if stored else 0) + 1
    # The form says which try it is; a retried or doubled request names a try already stored
    # and just sees what is stored. (Without the field, it counts as the next try.)
    claimed = (form.get("attempt") or [str(attempt)])[0]
    if (stored is None or not stored.final) and claimed == str(attempt):
        check_answerable(playable.grant)
        try:
            scored = score_answer(playable.compiled, item, form)
        except AnswerError as error:
            context = _item_context(playable, item, answers, error.code)
            return lupe.renderer.render(
                request, "practice/item.html", context, principal=principal, block=block, status_code=422
            )
        stored = await store_try(
            lupe.db,
            playable.target,
            item=item,
            item_id=playable.compiled["item_ids"][item_key],
            scored=scored,
            attempt=attempt,
            final=is_final(item, scored, attempt),
        )
        if stored is not None:  # the writer stored this very try: it is what the pupil sees
            answers[item_key] = stored
    if stored is None or stored.attempt != attempt:
        # Nothing new was stored here: show what is stored, from a snapshot that includes the writer's commits.
        answers = await lupe.db.run_reads(_stored_answers, lupe, playable.target, item_key)
    context = _item_context(playable, item, answers)
    return lupe.renderer.render(request, "practice/item.html", context, principal=principal, block=block)


def _stored_answers(lupe: LupeServices, target: Target, item_key: str) -> dict[str, StoredAnswer]:
    with lupe.db.plain.connect() as db:
        return answers_of(db, pupil_id=target.pupil_id, assignment_id=target.assignment_id, item_key=item_key)


@router.get("/play/{assignment_id}/summary")
def summary_page(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, assignment_id: int) -> Response:
    """The pupil's results and every item to review with its explanation."""
    pupil = require_pupil(principal)
    playable = Playable(db, lupe, pupil, assignment_id)
    answers = answers_of(db, pupil_id=pupil.id, assignment_id=assignment_id)
    context = {
        "assignment_id": assignment_id,
        "open": playable.grant.open,
        "pack_title": playable.compiled["title"],
        "summary": summarise(playable.compiled, playable.items, answers),
        "items": playable.items,
        "answers": {key: a for key, a in answers.items() if a.final},
        "next_key": next_item_key(playable.items, answers) if playable.grant.open else None,
    }
    block = "item" if is_htmx(request) else None
    return lupe.renderer.render(request, "practice/summary.html", context, principal=principal, block=block)
