"""Opening an invitation or a password-reset link: clear pages for bad links, guessing limited per address."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts.invites import accept_invitation, find_link, reset_password
from app.accounts.models import LinkKind, School
from app.accounts.services import AccountError
from app.security.sessions import end_session
from app.web.deps import DbDep, LupeDep, PrincipalDep, client_address

router = APIRouter()

Text = Annotated[str, Form(max_length=2000)]
LINK_STATUS = {"link_unknown": 404, "link_used": 410, "link_expired": 410, "throttled": 429}
TEMPLATES = {LinkKind.invite: "accounts/invite.html", LinkKind.reset: "accounts/reset.html"}


def _problem(request: Request, lupe: LupeDep, principal: PrincipalDep, code: str) -> Response:
    """One page for a link that cannot be used; says why, names no school and no person."""
    if code == "link_unknown":
        lupe.limits.link_by_address.fail(client_address(request))
    return lupe.renderer.render(
        request, "accounts/link_problem.html", {"problem": code}, principal=principal, status_code=LINK_STATUS[code]
    )


def _link_form(
    request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, kind: LinkKind, token: str, **extra: Any
) -> Response:
    """The form behind a usable link, or the page that says why it is not usable."""
    if lupe.limits.link_by_address.blocked(client_address(request)):
        return _problem(request, lupe, principal, "throttled")
    try:
        link = find_link(db, token, kind)
    except AccountError as error:
        return _problem(request, lupe, principal, error.code)
    school = db.get(School, link.school_id)
    context = {"token": token, "link": link, "school": school, "error": None, "display_name": "", **extra}
    status = 422 if context["error"] else 200
    return lupe.renderer.render(request, TEMPLATES[kind], context, principal=principal, status_code=status)


@router.get("/invite/{token}")
def invitation_page(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, token: str) -> Response:
    return _link_form(request, lupe, db, principal, LinkKind.invite, token)


@router.post("/invite/{token}")
def accept(
    request: Request,
    lupe: LupeDep,
    db: DbDep,
    principal: PrincipalDep,
    token: str,
    display_name: Text,
    password: Text,
) -> Response:
    """Create the invited account, use up the link and sign the new user in."""
    if lupe.limits.link_by_address.blocked(client_address(request)):
        return _problem(request, lupe, principal, "throttled")
    try:
        with lupe.db.writing() as write:
            account = accept_invitation(write, token, display_name=display_name, password=password)
            end_session(write, principal.token_hash)
            cookie = lupe.cookies.start(write, account_id=account.id)
    except AccountError as error:
        if error.code in LINK_STATUS:
            return _problem(request, lupe, principal, error.code)
        extra = {"error": error.code, "display_name": display_name[:120]}
        return _link_form(request, lupe, db, principal, LinkKind.invite, token, **extra)
    response = RedirectResponse("/teacher", status_code=303)
    lupe.cookies.set(response, cookie)
    return response


@router.get("/reset/{token}")
def reset_page(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, token: str) -> Response:
    return _link_form(request, lupe, db, principal, LinkKind.reset, token)


@router.post("/reset/{token}")
def reset(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, token: str, password: Text) -> Response:
    """Set the new password; every session of the account ends, and the user signs in anew."""
    if lupe.limits.link_by_address.blocked(client_address(request)):
        return _problem(request, lupe, principal, "throttled")
    try:
        with lupe.db.writing() as write:
            reset_password(write, token, password=password)
    except AccountError as error:
        if error.code in LINK_STATUS:
            return _problem(request, lupe, principal, error.code)
        return _link_form(request, lupe, db, principal, LinkKind.reset, token, error=error.code)
    return lupe.renderer.render(request, "accounts/password_set.html", {}, principal=principal)
