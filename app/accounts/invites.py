"""Invitation and password-reset links: random, stored only as a hash, expiring, usable once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlmodel import Session

from app.accounts.models import Account, AccountLink, LinkKind, Role
from app.accounts.services import (
    AccountError,
    check_email,
    create_account,
    email_in_use,
    normalise_email,
    set_password,
)
from app.clock import now
from app.security.codes import digest, new_token

INVITE_LIFETIME = timedelta(days=7)
RESET_LIFETIME = timedelta(days=2)
# Tokens are 43 URL-safe characters; anything much longer is not one of ours.
MAX_TOKEN_LENGTH = 64


@dataclass(frozen=True)
class NewLink:
    """A link just made: the token exists only here, to be shown once."""

    link: AccountLink
    token: str


def create_invitation(db: Session, *, school_id: int, email: str, role: Role, created_by: int | None) -> NewLink:
    """An invitation for ``email`` to join the school with ``role``."""
    address = normalise_email(email)
    check_email(address)
    if email_in_use(db, address):
        raise AccountError("email_taken")
    return _new_link(db, kind=LinkKind.invite, school_id=school_id, email=address, role=role, created_by=created_by)


def create_reset_link(db: Session, account: Account, *, created_by: int | None) -> NewLink:
    """A link with which ``account`` sets a new password; earlier unused reset links stop working."""
    assert account.id is not None and account.school_id is not None
    db.execute(
        delete(AccountLink).where(
            AccountLink.account_id == account.id,  # type: ignore[arg-type]
            AccountLink.kind == LinkKind.reset.value,  # type: ignore[arg-type]
            AccountLink.used_at.is_(None),  # type: ignore[union-attr]
        )
    )
    return _new_link(
        db,
        kind=LinkKind.reset,
        school_id=account.school_id,
        email=account.email,
        role=Role(account.role),
        created_by=created_by,
        account_id=account.id,
    )


def _new_link(
    db: Session,
    *,
    kind: LinkKind,
    school_id: int,
    email: str,
    role: Role,
    created_by: int | None,
    account_id: int | None = None,
) -> NewLink:
    token = new_token()
    lifetime = INVITE_LIFETIME if kind == LinkKind.invite else RESET_LIFETIME
    link = AccountLink(
        token_hash=digest(token),
        kind=kind.value,
        school_id=school_id,
        email=email,
        role=role.value,
        account_id=account_id,
        created_by=created_by,
        expires_at=now() + lifetime,
    )
    db.add(link)
    db.flush()
    return NewLink(link, token)


def find_link(db: Session, token: str, kind: LinkKind) -> AccountLink:
    """The usable link for ``token``; AccountError "link_unknown", "link_used" or "link_expired" otherwise."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise AccountError("link_unknown")
    link = db.execute(select(AccountLink).where(AccountLink.token_hash == digest(token))).scalar_one_or_none()  # type: ignore[arg-type]
    if link is None or link.kind != kind.value:
        raise AccountError("link_unknown")
    if link.used_at is not None:
        raise AccountError("link_used")
    if link.expires_at <= now():
        raise AccountError("link_expired")
    return link


def _use(db: Session, link: AccountLink) -> None:
    """Mark the link used, once: of two requests racing with the same link, one loses."""
    used = db.execute(
        update(AccountLink)
        .where(AccountLink.id == link.id, AccountLink.used_at.is_(None))  # type: ignore[arg-type, union-attr]
        .values(used_at=now())
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise AccountError("link_used")


def accept_invitation(db: Session, token: str, *, display_name: str, password: str) -> Account:
    """The invited person's new account, from the link; the link is then used up."""
    link = find_link(db, token, LinkKind.invite)
    _use(db, link)
    assert link.email is not None
    return create_account(
        db,
        school_id=link.school_id,
        email=link.email,
        display_name=display_name,
        password=password,
        role=Role(link.role),
    )


def reset_password(db: Session, token: str, *, password: str) -> Account:
    """Set a new password with a reset link; every session of the account ends."""
    link = find_link(db, token, LinkKind.reset)
    account = db.get(Account, link.account_id) if link.account_id is not None else None
    if account is None or account.disabled:
        raise AccountError("link_unknown")
    _use(db, link)
    set_password(db, account, password)
    return account


def open_invitations(db: Session, school_id: int) -> list[AccountLink]:
    """Invitations of a school not yet used nor expired, newest first."""
    query = (
        select(AccountLink)
        .where(
            AccountLink.school_id == school_id,  # type: ignore[arg-type]
            AccountLink.kind == LinkKind.invite.value,  # type: ignore[arg-type]
            AccountLink.used_at.is_(None),  # type: ignore[union-attr]
            AccountLink.expires_at > now(),  # type: ignore[arg-type]
        )
        .order_by(AccountLink.created_at.desc(), AccountLink.id.desc())  # type: ignore[attr-defined, union-attr]
    )
    return list(db.execute(query).scalars())


def withdraw(db: Session, link: AccountLink) -> None:
    db.delete(link)
