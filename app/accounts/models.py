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
    created_at: datetime = Field(default_factory=now)


class AuthSession(SQLModel, table=True):
    """A server-side sign-in: the cookie carries a token, the database its hash."""

    __tablename__ = "auth_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True, ondelete="CASCADE")
    pupil_id: str | None = Field(default=None, foreign_key="pupil.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=now)
    expires_at: datetime
