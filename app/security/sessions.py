"""Server-side sign-in sessions behind a signed, HttpOnly cookie.

The cookie carries a random token signed with the secret key; the database keeps
only the token's hash. Signing out deletes the row, so an old cookie is dead at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import bindparam, delete, select
from sqlmodel import Session
from starlette.responses import Response

from app.accounts.models import Account, AuthSession, Role, School
from app.classroom.models import Class, Pupil
from app.clock import now
from app.plain import Reads
from app.security.codes import digest, new_token
from app.settings import Settings

VERIFIED_COOKIES_KEPT = 8192  # about one school's pupils and teachers
COOKIE_NAME = "lupe_session"
# Between the password and the second factor: a signed, short-lived note, not a session.
PENDING_COOKIE = "lupe_pending"
PENDING_SECONDS = 300


@dataclass(frozen=True)
class SignedInAccount:
    id: int
    school_id: int | None
    role: Role
    display_name: str
    language: str | None
    # A school admin whose school requires two-factor sign-in, without it set up yet.
    must_set_up_two_factor: bool = False


@dataclass(frozen=True)
class SignedInPupil:
    id: str
    class_id: int
    school_id: int
    pseudonym: str


@dataclass(frozen=True)
class Principal:
    """Who is asking: an account, a pupil, or nobody."""

    token_hash: str | None = None
    account: SignedInAccount | None = None
    pupil: SignedInPupil | None = None


ANONYMOUS = Principal()


class SessionCookies:
    """Signs and reads the session cookie with the instance's key."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._serializer = URLSafeSerializer(settings.signing_key(), salt="lupe-session")
        self._pending = URLSafeTimedSerializer(settings.signing_key(), salt="lupe-two-factor-pending")
        # A pure function of the cookie for this key, so remembering its results is safe.
        self._verified = lru_cache(maxsize=VERIFIED_COOKIES_KEPT)(self._verify)

    def start(self, db: Session, *, account_id: int | None = None, pupil_id: str | None = None) -> str:
        """Create a session row and return the cookie value for it."""
        token = new_token()
        db.add(
            AuthSession(
                token_hash=digest(token),
                account_id=account_id,
                pupil_id=pupil_id,
                expires_at=now() + timedelta(hours=self._settings.session_hours),
            )
        )
        return str(self._serializer.dumps(token))

    def token_hash(self, cookie: str | None) -> str | None:
        """The hash of the token in a validly signed cookie, else None."""
        if not cookie or len(cookie) > 512:
            return None
        return self._verified(cookie)

    def _verify(self, cookie: str) -> str | None:
        # Checking the signature is a tenth of an answer's work, and a pupil sends the same cookie
        # with every answer: _verified (set in __init__) keeps the results of the last few thousand.
        try:
            token = self._serializer.loads(cookie)
        except BadSignature:
            return None
        return digest(token) if isinstance(token, str) else None

    def set(self, response: Response, value: str) -> None:
        response.set_cookie(
            COOKIE_NAME,
            value,
            max_age=self._settings.session_hours * 3600,
            httponly=True,
            samesite="lax",
            secure=self._settings.https,
            path="/",
        )

    def clear(self, response: Response) -> None:
        response.delete_cookie(COOKIE_NAME, httponly=True, samesite="lax", secure=self._settings.https, path="/")

    def set_pending(self, response: Response, account_id: int, fingerprint: str) -> None:
        """Remember for a few minutes that ``account_id`` gave the right password; grants nothing by itself."""
        value = str(self._pending.dumps([account_id, fingerprint]))
        response.set_cookie(
            PENDING_COOKIE,
            value,
            max_age=PENDING_SECONDS,
            httponly=True,
            samesite="strict",
            secure=self._settings.https,
            path="/login",
        )

    def pending(self, value: str | None) -> tuple[int, str] | None:
        """The account and password fingerprint of a fresh, validly signed pending note, else None."""
        if not value or len(value) > 512:
            return None
        try:
            account_id, fingerprint = self._pending.loads(value, max_age=PENDING_SECONDS)
        except (BadSignature, TypeError, ValueError):
            return None
        if not isinstance(account_id, int) or not isinstance(fingerprint, str):
            return None
        return account_id, fingerprint

    def clear_pending(self, response: Response) -> None:
        response.delete_cookie(
            PENDING_COOKIE, httponly=True, samesite="strict", secure=self._settings.https, path="/login"
        )


def load_principal(db: Reads, token_hash: str | None) -> Principal:
    """Who holds the session ``token_hash``, in one query; anonymous when unknown, expired or disabled."""
    if token_hash is None:
        return ANONYMOUS
    return principal_from_row(db.execute(PRINCIPAL_QUERY, {"token_hash": token_hash}).first(), token_hash)


def principal_from_row(row: Any, token_hash: str) -> Principal:
    """Who holds the session, from a row with the columns of ``PRINCIPAL_QUERY`` (or None)."""
    if row is None or row.expires_at <= now():
        return ANONYMOUS
    if row.account_id is not None:
        if row.disabled:
            return ANONYMOUS
        role = Role(row.role)
        must_set_up = bool(role == Role.school_admin and row.admins_need_two_factor and row.totp_secret is None)
        account = SignedInAccount(row.account_id, row.account_school, role, row.display_name, row.language, must_set_up)
        return Principal(token_hash=token_hash, account=account)
    if row.pupil_id is None or not row.is_open:
        return ANONYMOUS
    pupil = SignedInPupil(row.pupil_id, row.class_id, row.class_school, row.pseudonym)
    return Principal(token_hash=token_hash, pupil=pupil)


_sessions: Any = AuthSession.__table__  # type: ignore[attr-defined]
_accounts: Any = Account.__table__  # type: ignore[attr-defined]
_pupils: Any = Pupil.__table__  # type: ignore[attr-defined]
_classes: Any = Class.__table__  # type: ignore[attr-defined]
_schools: Any = School.__table__  # type: ignore[attr-defined]
PRINCIPAL_QUERY = (
    select(
        _sessions.c.expires_at,
        _sessions.c.account_id,
        _accounts.c.school_id.label("account_school"),
        _accounts.c.role,
        _accounts.c.display_name,
        _accounts.c.language,
        _accounts.c.disabled,
        _accounts.c.totp_secret,
        _schools.c.admins_need_two_factor,
        _sessions.c.pupil_id,
        _pupils.c.class_id,
        _pupils.c.pseudonym,
        _classes.c.school_id.label("class_school"),
        _classes.c.is_open,
    )
    .select_from(_sessions)
    .outerjoin(_accounts, _accounts.c.id == _sessions.c.account_id)
    .outerjoin(_schools, _schools.c.id == _accounts.c.school_id)
    .outerjoin(_pupils, _pupils.c.id == _sessions.c.pupil_id)
    .outerjoin(_classes, _classes.c.id == _pupils.c.class_id)
    .where(_sessions.c.token_hash == bindparam("token_hash"))
)


def end_session(db: Session, token_hash: str | None) -> None:
    if token_hash:
        db.execute(delete(AuthSession).where(AuthSession.token_hash == token_hash))  # type: ignore[arg-type]


def end_sessions_of(db: Session, account_id: int) -> None:
    """Sign ``account_id`` out everywhere, at once (disabled, new password, ended by an admin)."""
    db.execute(delete(AuthSession).where(AuthSession.account_id == account_id))  # type: ignore[arg-type]
