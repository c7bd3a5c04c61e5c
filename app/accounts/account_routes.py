"""The signed-in user's own account: language, password, two-factor sign-in."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.accounts import totp, two_factor
from app.accounts.models import Account, School
from app.accounts.services import AccountError, change_password, set_language
from app.classroom.qr import qr_svg
from app.i18n import LANGUAGE_COOKIE, gettext_for
from app.security.authz import may_turn_off_two_factor, require_account
from app.security.sessions import SignedInAccount
from app.web.deps import DbDep, LupeDep, PrincipalDep

router = APIRouter()

Password = Annotated[str, Form(max_length=2000)]
Code = Annotated[str, Form(max_length=40)]
SETUP_SECONDS = 900


def _own_account(db: Any, signed_in: SignedInAccount) -> Account:
    account = db.get(Account, signed_in.id)
    assert account is not None  # the session row cascades with the account
    return account


def _account_page(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, **extra: Any) -> Response:
    account = _own_account(db, require_account(principal))
    context = {
        "account": account,
        "recovery_left": two_factor.recovery_codes_left(db, account.id or 0),
        "error": None,
        "form": None,
        "notice": None,
        **extra,
    }
    status = 422 if context["error"] else 200
    return lupe.renderer.render(request, "accounts/account.html", context, principal=principal, status_code=status)


@router.get("/account")
def account_page(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, saved: str = "") -> Response:
    notice = saved if saved in {"language", "password", "two_factor_off"} else None
    return _account_page(request, lupe, db, principal, notice=notice)


@router.post("/account/language")
def save_language(
    request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, language: Annotated[str, Form(max_length=5)]
) -> Response:
    signed_in = require_account(principal)
    try:
        with lupe.db.writing() as write:
            set_language(write, _own_account(write, signed_in), language)
    except AccountError as error:
        return _account_page(request, lupe, db, principal, error=error.code, form="language")
    response = RedirectResponse("/account?saved=language", status_code=303)
    # The language cookie wins over the account's choice, so it follows the choice made here.
    response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, httponly=True, samesite="lax")
    return response


@router.post("/account/password")
def save_password(
    request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, current: Password, new: Password
) -> Response:
    """A new password with the current one; every other sign-in of the account ends, this one goes on."""
    signed_in = require_account(principal)
    try:
        with lupe.db.writing() as write:
            change_password(write, _own_account(write, signed_in), current=current, new=new)
            cookie = lupe.cookies.start(write, account_id=signed_in.id)
    except AccountError as error:
        return _account_page(request, lupe, db, principal, error=error.code, form="password")
    response = RedirectResponse("/account?saved=password", status_code=303)
    lupe.cookies.set(response, cookie)
    return response


def _setup_signer(lupe: LupeDep) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(lupe.settings.signing_key(), salt="lupe-totp-setup")


def _two_factor_page(
    request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, *, secret: str | None = None, **extra: Any
) -> Response:
    signed_in = require_account(principal)
    account = _own_account(db, signed_in)
    context: dict[str, Any] = {"account": account, "error": None, "recovery_codes": None, **extra}
    if account.totp_secret is None and context["recovery_codes"] is None:
        secret = secret or totp.new_secret()
        uri = totp.provisioning_uri(secret, account=account.email)
        context["secret"] = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
        context["setup"] = _setup_signer(lupe).dumps([signed_in.id, secret])
        gettext = gettext_for(lupe.renderer.language(request, principal))[0]
        context["qr"] = qr_svg(uri, title=gettext("QR code for the authenticator app"))
    status = {None: 200, "throttled": 429}.get(context["error"], 422)
    return lupe.renderer.render(request, "accounts/two_factor.html", context, principal=principal, status_code=status)


@router.get("/account/two-factor")
def two_factor_page(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep) -> Response:
    return _two_factor_page(request, lupe, db, principal)


@router.post("/account/two-factor")
def two_factor_on(
    request: Request,
    lupe: LupeDep,
    db: DbDep,
    principal: PrincipalDep,
    setup: Annotated[str, Form(max_length=500)],
    code: Code,
) -> Response:
    """Turn two-factor sign-in on with the first code from the app; show the recovery codes once."""
    signed_in = require_account(principal)
    try:
        account_id, secret = _setup_signer(lupe).loads(setup, max_age=SETUP_SECONDS)
    except (BadSignature, TypeError, ValueError):
        return _two_factor_page(request, lupe, db, principal, error="setup_expired")
    if account_id != signed_in.id or not isinstance(secret, str):
        return _two_factor_page(request, lupe, db, principal, error="setup_expired")
    try:
        with lupe.db.writing() as write:
            codes = two_factor.turn_on(write, _own_account(write, signed_in), secret=secret, code=code)
    except AccountError as error:
        return _two_factor_page(request, lupe, db, principal, secret=secret, error=error.code)
    db.expire_all()
    return _two_factor_page(request, lupe, db, principal, recovery_codes=codes)


@router.post("/account/two-factor/off")
def two_factor_off(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, code: Code) -> Response:
    """Turn it off, only with a current code (or a recovery code); wrong codes count like at sign-in."""
    signed_in = require_account(principal)
    school = db.get(School, signed_in.school_id) if signed_in.school_id is not None else None
    if not may_turn_off_two_factor(signed_in, school):
        return _two_factor_page(request, lupe, db, principal, error="two_factor_required")
    key = str(signed_in.id)
    if lupe.limits.two_factor_by_account.blocked(key):
        return _two_factor_page(request, lupe, db, principal, error="throttled")
    with lupe.db.writing() as write:
        account = _own_account(write, signed_in)
        accepted = two_factor.check_code(write, account, code)
        if accepted:
            two_factor.turn_off(write, account)
    if not accepted:
        lupe.limits.two_factor_by_account.fail(key)
        return _two_factor_page(request, lupe, db, principal, error="code")
    return RedirectResponse("/account?saved=two_factor_off", status_code=303)
