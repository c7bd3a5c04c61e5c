"""A pupil plays the packs opened for their class: item, answer, feedback, summary.

Every step works as a plain form post; with htmx the item swaps in place.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.classroom.services import open_pack_ids
from app.packs.models import Pack
from app.practice.services import (
    CONFIDENCE_LEVELS,
    AnswerError,
    answered_counts,
    answers_of,
    check_choice,
    next_item_key,
    store_answer,
    summarise,
)
from app.security.authz import NotVisible, check_pupil_plays, require_pupil
from app.security.sessions import SignedInPupil
from app.web.deps import DbDep, LupeDep, PrincipalDep, is_htmx
from app.web.deps import Lupe as LupeServices

router = APIRouter()

MAX_ANSWER_BODY = 4096


def _playable(db: Session, lupe: LupeServices, pupil: SignedInPupil, pack_id: int) -> tuple[Pack, dict[str, Any]]:
    check_pupil_plays(pupil, pack_id, open_pack_ids(db, pupil.class_id))
    pack = db.get(Pack, pack_id)
    if pack is None or pack.current_version_id is None:
        raise NotVisible
    return pack, lupe.packs.get(db, pack.current_version_id)


@router.get("/play")
def play_home(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep) -> Response:
    pupil = require_pupil(principal)
    counts = answered_counts(db, pupil_id=pupil.id)
    cards = []
    for pack_id in sorted(open_pack_ids(db, pupil.class_id)):
        pack = db.get(Pack, pack_id)
        if pack is None or pack.current_version_id is None:
            continue
        compiled = lupe.packs.get(db, pack.current_version_id)
        answered, correct = counts.get(pack_id, (0, 0))
        cards.append(
            {
                "id": pack_id,
                "title": compiled["title"],
                "description": compiled["description"],
                "total": len(compiled["items"]),
                "answered": answered,
                "correct": correct,
            }
        )
    return lupe.renderer.render(request, "practice/home.html", {"cards": cards}, principal=principal)


@router.get("/play/{pack_id}")
def play_pack(lupe: LupeDep, db: DbDep, principal: PrincipalDep, pack_id: int) -> Response:
    """Continue where the pupil left off."""
    pupil = require_pupil(principal)
    _, compiled = _playable(db, lupe, pupil, pack_id)
    key = next_item_key(compiled, answers_of(db, pupil_id=pupil.id, pack_id=pack_id))
    target = f"/play/{pack_id}/items/{key}" if key else f"/play/{pack_id}/summary"
    return RedirectResponse(target, status_code=303)


def _item_context(
    compiled: dict[str, Any], pack_id: int, item: dict[str, Any], answers: dict[str, Any], error: str | None = None
) -> dict[str, Any]:
    following = next_item_key(compiled, answers)
    return {
        "pack_id": pack_id,
        "pack_title": compiled["title"],
        "verdicts": compiled["verdicts"],
        "item": item,
        "number": item["position"] + 1,
        "total": len(compiled["items"]),
        "answer": answers.get(item["key"]),
        "answered": len(answers),
        "next_url": f"/play/{pack_id}/items/{following}" if following else f"/play/{pack_id}/summary",
        "confidence_levels": CONFIDENCE_LEVELS,
        "error": error,
    }


@router.get("/play/{pack_id}/items/{item_key}")
def item_page(
    request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, pack_id: int, item_key: str
) -> Response:
    pupil = require_pupil(principal)
    _, compiled = _playable(db, lupe, pupil, pack_id)
    item = compiled["by_key"].get(item_key)
    if item is None:
        raise NotVisible
    answers = answers_of(db, pupil_id=pupil.id, pack_id=pack_id)
    context = _item_context(compiled, pack_id, item, answers)
    return lupe.renderer.render(
        request, "practice/item.html", context, principal=principal, block="item" if is_htmx(request) else None
    )


@router.post("/play/{pack_id}/items/{item_key}")
async def answer_item(
    request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, pack_id: int, item_key: str
) -> Response:
    """Store the answer once and show the feedback: right or wrong, clue, explanation."""
    pupil = require_pupil(principal)
    pack, compiled = _playable(db, lupe, pupil, pack_id)
    item = compiled["by_key"].get(item_key)
    if item is None:
        raise NotVisible
    body = await request.body()
    form = parse_qs(body[:MAX_ANSWER_BODY].decode("utf-8", "replace"), max_num_fields=10)
    choice = form.get("choice", [""])[0]
    block = "item" if is_htmx(request) else None
    try:
        is_correct, confidence = check_choice(compiled, item, choice, form.get("confidence", [None])[0])
    except AnswerError as error:
        context = _item_context(compiled, pack_id, item, answers_of(db, pupil_id=pupil.id, pack_id=pack_id), error.code)
        return lupe.renderer.render(
            request, "practice/item.html", context, principal=principal, block=block, status_code=422
        )
    await store_answer(
        lupe.db,
        pupil_id=pupil.id,
        pack=pack,
        item_id=compiled["item_ids"][item_key],
        item_key=item_key,
        choice=choice,
        confidence=confidence,
        is_correct=is_correct,
    )
    # Read back what is stored: on a retry the first answer counts, and the feedback says so.
    with lupe.db.read_session() as fresh:  # a new snapshot that includes the writer's commit
        answers = answers_of(fresh, pupil_id=pupil.id, pack_id=pack_id)
    context = _item_context(compiled, pack_id, item, answers)
    return lupe.renderer.render(request, "practice/item.html", context, principal=principal, block=block)


@router.get("/play/{pack_id}/summary")
def summary_page(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, pack_id: int) -> Response:
    pupil = require_pupil(principal)
    _, compiled = _playable(db, lupe, pupil, pack_id)
    answers = answers_of(db, pupil_id=pupil.id, pack_id=pack_id)
    context = {
        "pack_id": pack_id,
        "pack_title": compiled["title"],
        "summary": summarise(compiled, answers),
        "items": compiled["items"],
        "answers": answers,
        "next_key": next_item_key(compiled, answers),
    }
    return lupe.renderer.render(
        request, "practice/summary.html", context, principal=principal, block="item" if is_htmx(request) else None
    )
