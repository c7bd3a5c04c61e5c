"""Setting up a fresh instance, signing in and out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts.services import AccountError, authenticate, create_school_with_admin, has_accounts
from app.security.sessions import end_session
from app.web.deps import DbDep, LupeDep, PrincipalDep, client_address
from app.web.safe_redirect import local_path

router = APIRouter()

Text = Annotated[str, Form(max_length=2000)]


@router.get("/setup")
def setup_page(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep) -> Response:
    if has_accounts(db):
        return RedirectResponse("/login", status_code=303)
    return lupe.renderer.render(request, "accounts/setup.html", {"error": None, "values": {}}, principal=principal)


@router.post("/setup")
def setup(
    request: Request,
    lupe: LupeDep,
    principal: PrincipalDep,
    school_name: Text,
    display_name: Text,
    email: Text,
    password: Text,
) -> Response:
    """Create the school and its first admin, once; then sign the admin in."""
    values = {"school_name": school_name, "display_name": display_name, "email": email}
    try:
        with lupe.db.writing() as db:
            if has_accounts(db):
                return RedirectResponse("/login", status_code=303)
            account = create_school_with_admin(
                db, school_name=school_name, email=email, display_name=display_name, password=password
            )
            cookie = lupe.cookies.start(db, account_id=account.id)
    except AccountError as error:
        return lupe.renderer.render(
            request,
            "accounts/setup.html",
            {"error": error.code, "values": values},
            principal=principal,
            status_code=422,
        )
    response = RedirectResponse("/teacher", status_code=303)
    lupe.cookies.set(response, cookie)
    return response


@router.get("/login")
def login_page(request: Request, lupe: LupeDep, principal: PrincipalDep, next: str = "/teacher") -> Response:
    if principal.account is not None:
        return RedirectResponse(local_path(next, "/teacher"), status_code=303)
    return lupe.renderer.render(
        request,
        "accounts/login.html",
        {"error": None, "email": "", "next": local_path(next, "/teacher")},
        principal=principal,
    )


@router.post("/login")
def login(
    request: Request, lupe: LupeDep, principal: PrincipalDep, email: Text, password: Text, next: Text = "/teacher"
) -> Response:
    """Sign in; wrong tries are limited per account and per address, and look alike."""
    account_key = email.strip().lower()[:254]
    address = client_address(request)
    limits = lupe.limits
    context = {"email": email[:254], "next": local_path(next, "/teacher")}
    if limits.login_by_account.blocked(account_key) or limits.login_by_address.blocked(address):
        return lupe.renderer.render(
            request, "accounts/login.html", {**context, "error": "throttled"}, principal=principal, status_code=429
        )
    with lupe.db.writing() as db:
        account = authenticate(db, email=email, password=password)
        if account is None:
            limits.login_by_account.fail(account_key)
            limits.login_by_address.fail(address)
            cookie = None
        else:
            end_session(db, principal.token_hash)
            cookie = lupe.cookies.start(db, account_id=account.id)
    if cookie is None:
        return lupe.renderer.render(
            request, "accounts/login.html", {**context, "error": "invalid"}, principal=principal, status_code=401
        )
    limits.login_by_account.reset(account_key)
    response = RedirectResponse(context["next"], status_code=303)
    lupe.cookies.set(response, cookie)
    return response


@router.post("/logout")
def logout(lupe: LupeDep, principal: PrincipalDep) -> Response:
    with lupe.db.writing() as db:
        end_session(db, principal.token_hash)
    response = RedirectResponse("/", status_code=303)
    lupe.cookies.clear(response)
    return response
