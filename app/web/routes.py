"""The home page, the language switch and the health check."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from app import __version__
from app.accounts.services import has_accounts
from app.i18n import LANGUAGE_COOKIE, LANGUAGES
from app.web.deps import DbDep, LupeDep, PrincipalDep
from app.web.safe_redirect import local_path

router = APIRouter()


@router.get("/")
def home(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep) -> Response:
    """Pupils join here; teachers find the sign-in; a fresh instance goes to setup."""
    if principal.pupil is not None:
        return RedirectResponse("/play", status_code=303)
    if principal.account is None and not has_accounts(db):
        return RedirectResponse("/setup", status_code=303)
    return lupe.renderer.render(request, "classroom/join.html", {"code": "", "error": None}, principal=principal)


@router.post("/language")
def choose_language(
    lang: Annotated[str, Form(max_length=5)], next: Annotated[str, Form(max_length=500)] = "/"
) -> Response:
    response = RedirectResponse(local_path(next), status_code=303)
    if lang in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, lang, max_age=365 * 24 * 3600, httponly=True, samesite="lax")
    return response


@router.get("/healthz")
def healthz(lupe: LupeDep) -> Response:
    reachable = lupe.db.is_reachable()
    body = {
        "status": "ok" if reachable else "error",
        "database": "ok" if reachable else "unreachable",
        "version": __version__,
    }
    return JSONResponse(body, status_code=200 if reachable else 503)
