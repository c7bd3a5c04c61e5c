"""Every authorisation decision of Lupe. Routes call these; they never decide inline.

Things a principal may not see are reported as missing (404), so that ids of other
schools' classes or packs cannot be probed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select
from sqlmodel import Session

from app.accounts.models import Role, School
from app.classroom.models import Class, ClassPack
from app.packs.models import Pack
from app.security.sessions import Principal, SignedInAccount, SignedInPupil


class SignInRequired(Exception):
    """The request needs a signed-in teacher or admin."""


class PupilSignInRequired(Exception):
    """The request needs a pupil who has joined a class."""


class NotVisible(Exception):
    """The thing does not exist for this principal (rendered as 404)."""


TEACHING_ROLES = frozenset({Role.teacher, Role.school_admin})


def require_teacher(principal: Principal) -> SignedInAccount:
    """A signed-in account of a school that may run classes."""
    account = principal.account
    if account is None:
        raise SignInRequired
    if account.role not in TEACHING_ROLES or account.school_id is None:
        raise NotVisible
    return account


def require_pupil(principal: Principal) -> SignedInPupil:
    if principal.pupil is None:
        raise PupilSignInRequired
    return principal.pupil


def check_class(account: SignedInAccount, school_class: Class | None) -> Class:
    """The class's own teacher, or an admin of its school, may run and view it."""
    if school_class is None or school_class.school_id != account.school_id:
        raise NotVisible
    if school_class.teacher_id != account.id and account.role != Role.school_admin:
        raise NotVisible
    return school_class


def may_use_pack(account: SignedInAccount, pack: Pack) -> bool:
    """Shipped packs are for everyone; a school's pack for its owner, or the school when shared."""
    if pack.shipped:
        return True
    if pack.school_id != account.school_id:
        return False
    return pack.shared or pack.owner_id == account.id or account.role == Role.school_admin


def check_pack_usable(account: SignedInAccount, pack: Pack | None) -> Pack:
    """Open for a class, view, print, download or copy."""
    if pack is None or pack.current_version_id is None or not may_use_pack(account, pack):
        raise NotVisible
    return pack


def may_edit_pack(account: SignedInAccount, pack: Pack) -> bool:
    """Change, share or upload a new version: the owner, or an admin of the school. Never a shipped pack."""
    if pack.shipped or pack.school_id != account.school_id:
        return False
    return pack.owner_id == account.id or account.role == Role.school_admin


def check_pack_editable(account: SignedInAccount, pack: Pack | None) -> Pack:
    pack = check_pack_usable(account, pack)
    if not may_edit_pack(account, pack):
        raise NotVisible
    return pack


@dataclass(frozen=True)
class PlayGrant:
    version_id: int
    allow_reflection: bool


def check_pupil_plays(db: Session, pupil: SignedInPupil, pack_id: int) -> PlayGrant:
    """A pupil plays only packs opened for their own class (one query on the answer path)."""
    row = db.execute(
        _PLAYABLE_QUERY, {"class_id": pupil.class_id, "pack_id": pack_id, "school_id": pupil.school_id}
    ).first()
    if row is None or row.current_version_id is None:
        raise NotVisible
    return PlayGrant(row.current_version_id, bool(row.allow_reflection))


_class_packs: Any = ClassPack.__table__  # type: ignore[attr-defined]
_packs: Any = Pack.__table__  # type: ignore[attr-defined]
_schools: Any = School.__table__  # type: ignore[attr-defined]
_PLAYABLE_QUERY = (
    select(_packs.c.current_version_id, _schools.c.allow_reflection)
    .select_from(_class_packs)
    .join(_packs, _packs.c.id == _class_packs.c.pack_id)
    .join(_schools, _schools.c.id == bindparam("school_id"))
    .where(_class_packs.c.class_id == bindparam("class_id"), _class_packs.c.pack_id == bindparam("pack_id"))
)
