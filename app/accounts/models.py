"""Tenancy and accounts: School → Account; sign-in sessions for accounts and pupils."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from app.clock import now


class Role(StrEnum):
    """What an account may do; pupils are not accounts."""

    instance_admin = "instance_admin"
    school_admin = "school_admin"
    teacher = "teacher"


class School(SQLModel, table=True):
    """A tenant: everything a school owns hangs off it."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    # Free-text reflection items are off unless the school turns them on (privacy).
    allow_reflection: bool = False
    # When on, a school admin must set up two-factor sign-in before doing anything else.
    admins_need_two_factor: bool = False
    created_at: datetime = Field(default_factory=now)


class Account(SQLModel, table=True):
    """A teacher or admin who signs in with e-mail and password."""

    id: int | None = Field(default=None, primary_key=True)
    school_id: int | None = Field(default=None, foreign_key="school.id", index=True)
    email: str = Field(max_length=254, unique=True)
    display_name: str = Field(max_length=120)
    password_hash: str = Field(max_length=255)
    role: str = Field(default=Role.teacher.value, max_length=20)
    disabled: bool = False
    language: str | None = Field(default=None, max_length=5)
    # Two-factor sign-in (TOTP): the shared secret (base32) and the last time step used,
    # so that a code cannot be used twice.
    totp_secret: str | None = Field(default=None, max_length=64)
    totp_last_step: int | None = None
    created_at: datetime = Field(default_factory=now)


class AuthSession(SQLModel, table=True):
    """A server-side sign-in: the cookie carries a token, the database its hash."""

    __tablename__ = "auth_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True, ondelete="CASCADE")
    pupil_id: str | None = Field(default=None, foreign_key="pupil.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=now)
    expires_at: datetime


class LinkKind(StrEnum):
    invite = "invite"  # someone new joins the school with ``role``
    reset = "reset"  # the account ``account_id`` sets a new password


class AccountLink(SQLModel, table=True):
    """A single-use, expiring link: an invitation or a password reset. Only the token's hash is kept."""

    __tablename__ = "account_link"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    kind: str = Field(max_length=10)
    school_id: int = Field(foreign_key="school.id", index=True, ondelete="CASCADE")
    email: str | None = Field(default=None, max_length=254)
    role: str = Field(default=Role.teacher.value, max_length=20)
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True, ondelete="CASCADE")
    created_by: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=now)
    expires_at: datetime
    used_at: datetime | None = None


class RecoveryCode(SQLModel, table=True):
    """A one-time code that stands in for a two-factor code (kept hashed; deleted when used)."""

    __tablename__ = "recovery_code"

    account_id: int = Field(foreign_key="account.id", primary_key=True, ondelete="CASCADE")
    code_hash: str = Field(primary_key=True, max_length=64)
