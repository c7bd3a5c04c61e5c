"""A pack outside the app: a worksheet and answer key to print, a GIFT file for Moodle."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.packs.gift import pack_to_gift
from app.packs.models import Pack
from app.security.authz import check_pack_usable, require_teacher
from app.web.deps import DbDep, LupeDep, PrincipalDep

router = APIRouter()


def _usable_pack(lupe: LupeDep, db: DbDep, principal: PrincipalDep, pack_id: int) -> dict[str, Any]:
    """The current compiled version of a pack the signed-in teacher may use."""
    account = require_teacher(principal)
    pack = check_pack_usable(account, db.get(Pack, pack_id))
    assert pack.current_version_id is not None
    return lupe.packs.get(db, pack.current_version_id)


@router.get("/teacher/packs/{pack_id}/worksheet")
def worksheet(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, pack_id: int) -> Response:
    """Every item on paper, with room to answer; no answers, clues or teacher notes."""
    compiled = _usable_pack(lupe, db, principal, pack_id)
    context = {"pack": compiled, "pack_id": pack_id}
    return lupe.renderer.render(request, "packs/worksheet.html", context, principal=principal)


@router.get("/teacher/packs/{pack_id}/answer-key")
def answer_key(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, pack_id: int) -> Response:
    """The worksheet's answers with clue, explanation, how to check, and the notes for teachers."""
    compiled = _usable_pack(lupe, db, principal, pack_id)
    context = {"pack": compiled, "pack_id": pack_id}
    return lupe.renderer.render(request, "packs/answer_key.html", context, principal=principal)


@router.get("/teacher/packs/{pack_id}/gift")
def gift(lupe: LupeDep, db: DbDep, principal: PrincipalDep, pack_id: int) -> Response:
    """The items that fit a Moodle quiz, as a GIFT file in the pack's language."""
    compiled = _usable_pack(lupe, db, principal, pack_id)
    # Pack keys are [a-z0-9-] only (ID_RE), so the file name needs no quoting.
    headers = {"Content-Disposition": f'attachment; filename="{compiled["key"]}.gift.txt"'}
    return Response(
        pack_to_gift(compiled, compiled["language"]), media_type="text/plain; charset=utf-8", headers=headers
    )
