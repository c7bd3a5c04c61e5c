"""Setting up a fresh instance, signing in (password, then the two-factor code when set up) and out."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.accounts import two_factor
from app.accounts.account_routes import router as account_router
from app.accounts.admin_routes import router as admin_router
from app.accounts.link_routes import router as link_router
from app.accounts.models import Account, Role
from app.accounts.services import (
    AccountError,
    authenticate,
    create_school_with_admin,
    has_accounts,
    password_fingerprint,
)
from app.security.sessions import PENDING_COOKIE, end_session
from app.web.deps import DbDep, LupeDep, PrincipalDep, client_address
from app.web.safe_redirect import local_path

router = APIRouter()


def landing(role: str, next: str) -> str:
    """Where a fresh sign-in goes: ``next``, but the instance admin has no classes and goes to the schools."""
    target = local_path(next, "/teacher")
    if role == Role.instance_admin and target == "/teacher":
        return "/admin/schools"
    return target


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
        return RedirectResponse(landing(principal.account.role, next), status_code=303)
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
    cookie = None
    with lupe.db.writing() as db:
        account = authenticate(db, email=email, password=password)
        if account is None:
            limits.login_by_account.fail(account_key)
            limits.login_by_address.fail(address)
        elif account.totp_secret is None:
            end_session(db, principal.token_hash)
            cookie = lupe.cookies.start(db, account_id=account.id)
    if account is None:
        return lupe.renderer.render(
            request, "accounts/login.html", {**context, "error": "invalid"}, principal=principal, status_code=401
        )
    limits.login_by_account.reset(account_key)
    if cookie is None:
        # The password was right; the second factor is still to come. No session yet.
        assert account.id is not None
        response = RedirectResponse(f"/login/code?next={quote(context['next'])}", status_code=303)
        lupe.cookies.set_pending(response, account.id, password_fingerprint(account))
        return response
    response = RedirectResponse(landing(account.role, context["next"]), status_code=303)
    lupe.cookies.set(response, cookie)
    return response


@router.get("/login/code")
def login_code_page(request: Request, lupe: LupeDep, principal: PrincipalDep, next: str = "/teacher") -> Response:
    if lupe.cookies.pending(request.cookies.get(PENDING_COOKIE)) is None:
        return RedirectResponse("/login", status_code=303)
    context = {"error": None, "next": local_path(next, "/teacher")}
    return lupe.renderer.render(request, "accounts/login_code.html", context, principal=principal)


@router.post("/login/code")
def login_code(
    request: Request,
    lupe: LupeDep,
    principal: PrincipalDep,
    code: Annotated[str, Form(max_length=40)],
    next: Text = "/teacher",
) -> Response:
    """The second step: a code from the authenticator app or a recovery code; wrong codes are limited."""
    pending = lupe.cookies.pending(request.cookies.get(PENDING_COOKIE))
    if pending is None:
        return RedirectResponse("/login", status_code=303)
    account_id, fingerprint = pending
    account_key, address = str(account_id), client_address(request)
    limits = lupe.limits
    context = {"next": local_path(next, "/teacher")}
    if limits.two_factor_by_account.blocked(account_key) or limits.two_factor_by_address.blocked(address):
        return lupe.renderer.render(
            request, "accounts/login_code.html", {**context, "error": "throttled"}, principal=principal, status_code=429
        )
    cookie = None
    with lupe.db.writing() as db:
        account = db.get(Account, account_id)
        if account is None or account.disabled or password_fingerprint(account) != fingerprint:
            return RedirectResponse("/login", status_code=303)
        if two_factor.check_code(db, account, code):
            end_session(db, principal.token_hash)
            cookie = lupe.cookies.start(db, account_id=account.id)
    if cookie is None:
        limits.two_factor_by_account.fail(account_key)
        limits.two_factor_by_address.fail(address)
        return lupe.renderer.render(
            request, "accounts/login_code.html", {**context, "error": "code"}, principal=principal, status_code=401
        )
    limits.two_factor_by_account.reset(account_key)
    response = RedirectResponse(landing(account.role, context["next"]), status_code=303)
    lupe.cookies.clear_pending(response)
    lupe.cookies.set(response, cookie)
    return response


@router.post("/logout")
def logout(lupe: LupeDep, principal: PrincipalDep) -> Response:
    with lupe.db.writing() as db:
        end_session(db, principal.token_hash)
    response = RedirectResponse("/", status_code=303)
    lupe.cookies.clear(response)
    return response


# This router and those of the other account pages, which app/main.py adds to the app in this order.
ROUTERS = (router, account_router, link_router, admin_router)
