"""School admins manage their school's accounts; the instance admin manages schools."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from app.accounts import two_factor
from app.accounts.invites import NewLink, create_invitation, create_reset_link, open_invitations, withdraw
from app.accounts.models import Account, AccountLink, LinkKind, Role, School
from app.accounts.services import (
    AccountError,
    create_school,
    school_accounts,
    schools_overview,
    set_admins_need_two_factor,
    set_disabled,
)
from app.classroom.qr import qr_svg
from app.i18n import gettext_for
from app.security.authz import (
    NotVisible,
    check_school_account,
    check_school_link,
    may_invite_role,
    require_instance_admin,
    require_school_admin,
)
from app.security.sessions import SignedInAccount, end_sessions_of
from app.web.deps import LupeDep, PrincipalDep

router = APIRouter()

Text = Annotated[str, Form(max_length=2000)]
ACCOUNTS = "/school/accounts"


def _shown_link(request: Request, lupe: LupeDep, principal: PrincipalDep, new: NewLink) -> dict[str, Any]:
    """The link to copy (shown this once) and its QR code."""
    path = "invite" if new.link.kind == LinkKind.invite else "reset"
    url = f"{str(request.base_url).rstrip('/')}/{path}/{new.token}"
    gettext = gettext_for(lupe.renderer.language(request, principal))[0]
    return {
        "url": url,
        "kind": new.link.kind,
        "email": new.link.email,
        "expires_at": new.link.expires_at,
        "qr": qr_svg(url, title=gettext("QR code of the link")),
    }


def _accounts_page(
    request: Request, lupe: LupeDep, principal: PrincipalDep, admin: SignedInAccount, **extra: Any
) -> Response:
    assert admin.school_id is not None
    with lupe.db.read_session() as db:
        context = {
            "school": db.get(School, admin.school_id),
            "accounts": school_accounts(db, admin.school_id),
            "invitations": open_invitations(db, admin.school_id),
            "me": admin.id,
            "roles": [Role.teacher.value, Role.school_admin.value],
            "error": None,
            "new_link": None,
            "email": "",
            **extra,
        }
    status = 422 if context["error"] else 200
    return lupe.renderer.render(request, "admin/accounts.html", context, principal=principal, status_code=status)


@router.get(ACCOUNTS)
def accounts_page(request: Request, lupe: LupeDep, principal: PrincipalDep) -> Response:
    return _accounts_page(request, lupe, principal, require_school_admin(principal))


@router.post("/school/invitations")
def invite(request: Request, lupe: LupeDep, principal: PrincipalDep, email: Text, role: Text = "") -> Response:
    """A new invitation link, shown once on the page that answers this request."""
    admin = require_school_admin(principal)
    assert admin.school_id is not None
    if not may_invite_role(admin, role):
        return _accounts_page(request, lupe, principal, admin, error="role", email=email[:254])
    try:
        with lupe.db.writing() as db:
            new = create_invitation(db, school_id=admin.school_id, email=email, role=Role(role), created_by=admin.id)
    except AccountError as error:
        return _accounts_page(request, lupe, principal, admin, error=error.code, email=email[:254])
    return _accounts_page(request, lupe, principal, admin, new_link=_shown_link(request, lupe, principal, new))


@router.post("/school/invitations/{link_id}/withdraw")
def withdraw_invitation(lupe: LupeDep, principal: PrincipalDep, link_id: int) -> Response:
    admin = require_school_admin(principal)
    with lupe.db.writing() as db:
        withdraw(db, check_school_link(admin, db.get(AccountLink, link_id)))
    return RedirectResponse(ACCOUNTS, status_code=303)


def _managed(db: Session, admin: SignedInAccount, account_id: int) -> Account:
    return check_school_account(admin, db.get(Account, account_id))


@router.post("/school/accounts/{account_id}/disable")
def disable(request: Request, lupe: LupeDep, principal: PrincipalDep, account_id: int) -> Response:
    """Disable an account: its sessions end at once."""
    admin = require_school_admin(principal)
    try:
        with lupe.db.writing() as db:
            set_disabled(db, _managed(db, admin, account_id), disabled=True, by_account_id=admin.id)
    except AccountError as error:
        return _accounts_page(request, lupe, principal, admin, error=error.code)
    return RedirectResponse(ACCOUNTS, status_code=303)


@router.post("/school/accounts/{account_id}/enable")
def enable(lupe: LupeDep, principal: PrincipalDep, account_id: int) -> Response:
    admin = require_school_admin(principal)
    with lupe.db.writing() as db:
        set_disabled(db, _managed(db, admin, account_id), disabled=False, by_account_id=admin.id)
    return RedirectResponse(ACCOUNTS, status_code=303)


@router.post("/school/accounts/{account_id}/end-sessions")
def end_sessions(lupe: LupeDep, principal: PrincipalDep, account_id: int) -> Response:
    """Sign an account out on every device (a lost laptop, a shared computer)."""
    admin = require_school_admin(principal)
    with lupe.db.writing() as db:
        end_sessions_of(db, _managed(db, admin, account_id).id or 0)
    return RedirectResponse(ACCOUNTS, status_code=303)


@router.post("/school/accounts/{account_id}/reset-link")
def reset_link(request: Request, lupe: LupeDep, principal: PrincipalDep, account_id: int) -> Response:
    """A single-use link with which the account's owner sets a new password; the admin never sees one."""
    admin = require_school_admin(principal)
    with lupe.db.writing() as db:
        account = _managed(db, admin, account_id)
        if account.disabled:
            raise NotVisible
        new = create_reset_link(db, account, created_by=admin.id)
    return _accounts_page(request, lupe, principal, admin, new_link=_shown_link(request, lupe, principal, new))


@router.post("/school/accounts/{account_id}/two-factor-off")
def reset_two_factor(lupe: LupeDep, principal: PrincipalDep, account_id: int) -> Response:
    """For someone who lost both the phone and the recovery codes."""
    admin = require_school_admin(principal)
    with lupe.db.writing() as db:
        two_factor.turn_off(db, _managed(db, admin, account_id))
    return RedirectResponse(ACCOUNTS, status_code=303)


@router.post("/school/settings")
def school_settings(
    lupe: LupeDep, principal: PrincipalDep, admins_need_two_factor: Annotated[str, Form(max_length=5)] = ""
) -> Response:
    admin = require_school_admin(principal)
    assert admin.school_id is not None
    with lupe.db.writing() as db:
        set_admins_need_two_factor(db, admin.school_id, required=admins_need_two_factor == "on")
    return RedirectResponse(ACCOUNTS, status_code=303)


def _schools_page(request: Request, lupe: LupeDep, principal: PrincipalDep, **extra: Any) -> Response:
    require_instance_admin(principal)
    with lupe.db.read_session() as db:
        context = {"schools": schools_overview(db), "error": None, "new_link": None, "values": {}, **extra}
    status = 422 if context["error"] else 200
    return lupe.renderer.render(request, "admin/schools.html", context, principal=principal, status_code=status)


@router.get("/admin/schools")
def schools_page(request: Request, lupe: LupeDep, principal: PrincipalDep) -> Response:
    return _schools_page(request, lupe, principal)


@router.post("/admin/schools")
def new_school(request: Request, lupe: LupeDep, principal: PrincipalDep, school_name: Text, email: Text) -> Response:
    """A new school and the invitation link for its first admin."""
    admin = require_instance_admin(principal)
    values = {"school_name": school_name[:200], "email": email[:254]}
    try:
        with lupe.db.writing() as db:
            school = create_school(db, name=school_name)
            assert school.id is not None
            new = create_invitation(db, school_id=school.id, email=email, role=Role.school_admin, created_by=admin.id)
    except AccountError as error:
        return _schools_page(request, lupe, principal, error=error.code, values=values)
    return _schools_page(request, lupe, principal, new_link=_shown_link(request, lupe, principal, new))


@router.post("/admin/schools/{school_id}/invitations")
def invite_school_admin(
    request: Request, lupe: LupeDep, principal: PrincipalDep, school_id: int, email: Text
) -> Response:
    """Another admin for an existing school (the first one left, or lost the link)."""
    admin = require_instance_admin(principal)
    try:
        with lupe.db.writing() as db:
            if db.get(School, school_id) is None:
                raise NotVisible
            new = create_invitation(db, school_id=school_id, email=email, role=Role.school_admin, created_by=admin.id)
    except AccountError as error:
        return _schools_page(request, lupe, principal, error=error.code)
    return _schools_page(request, lupe, principal, new_link=_shown_link(request, lupe, principal, new))
