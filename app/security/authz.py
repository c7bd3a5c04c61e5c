"""Every authorisation decision of Lupe. Routes call these; they never decide inline.

Things a principal may not see are reported as missing (404), so that ids of other
schools' classes or packs cannot be probed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, select
from sqlmodel import Session

from app.accounts.models import Account, AccountLink, Role, School
from app.classroom.assignments import has_started, is_open
from app.classroom.models import Assignment, Class, Pupil
from app.packs.models import Pack
from app.plain import Reads
from app.security.grants import VERSION_COLUMN, RememberedGrants
from app.security.sessions import (
    PRINCIPAL_QUERY,
    Principal,
    SignedInAccount,
    SignedInPupil,
    principal_from_row,
)


class SignInRequired(Exception):
    """The request needs a signed-in teacher or admin."""


class PupilSignInRequired(Exception):
    """The request needs a pupil who has joined a class."""


class NotVisible(Exception):
    """The thing does not exist for this principal (rendered as 404)."""


class TwoFactorSetupRequired(Exception):
    """The school requires two-factor sign-in for admins; this admin must set it up first."""


TEACHING_ROLES = frozenset({Role.teacher, Role.school_admin})


def require_account(principal: Principal) -> SignedInAccount:
    """Any signed-in account: its own settings, setting up two-factor sign-in."""
    if principal.account is None:
        raise SignInRequired
    return principal.account


def require_teacher(principal: Principal) -> SignedInAccount:
    """A signed-in account of a school that may run classes."""
    account = require_account(principal)
    if account.role not in TEACHING_ROLES or account.school_id is None:
        raise NotVisible
    if account.must_set_up_two_factor:
        raise TwoFactorSetupRequired
    return account


def require_school_admin(principal: Principal) -> SignedInAccount:
    """An admin of a school: its accounts, invitations and settings."""
    account = require_teacher(principal)
    if account.role != Role.school_admin:
        raise NotVisible
    return account


def require_instance_admin(principal: Principal) -> SignedInAccount:
    """The admin of the whole instance: creates schools and invites their first admins."""
    account = require_account(principal)
    if account.role != Role.instance_admin:
        raise NotVisible
    return account


def check_school_account(admin: SignedInAccount, account: Account | None) -> Account:
    """A school admin manages the accounts of their own school only."""
    if account is None or account.school_id != admin.school_id or account.role == Role.instance_admin:
        raise NotVisible
    return account


def check_school_link(admin: SignedInAccount, link: AccountLink | None) -> AccountLink:
    """Invitations and reset links of the admin's own school."""
    if link is None or link.school_id != admin.school_id:
        raise NotVisible
    return link


def may_turn_off_two_factor(account: SignedInAccount, school: School | None) -> bool:
    """Not a school admin whose school requires two-factor sign-in for admins."""
    return not (account.role == Role.school_admin and school is not None and school.admins_need_two_factor)


def may_invite_role(admin: SignedInAccount, role: str) -> bool:
    """School admins invite teachers and admins of their school; the instance admin invites school admins."""
    if admin.role == Role.instance_admin:
        return role == Role.school_admin
    return admin.role == Role.school_admin and role in TEACHING_ROLES


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


def check_pupil(db: Session, account: SignedInAccount, pupil: Pupil | None) -> tuple[Pupil, Class]:
    """A pupil's data is for the teacher of their class, or an admin of their school."""
    if pupil is None:
        raise NotVisible
    return pupil, check_class(account, db.get(Class, pupil.class_id))


def check_school_deletable(admin: SignedInAccount, school: School | None) -> School:
    """Only the instance admin (checked by require_instance_admin) deletes a whole school."""
    if school is None or admin.role != Role.instance_admin:
        raise NotVisible
    return school


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


def may_see_pack_report(account: SignedInAccount, pack: Pack) -> bool:
    """A pack's report over the school's classes: its authors (owner, school admin); a shipped pack's, school admins."""
    return account.role == Role.school_admin if pack.shipped else may_edit_pack(account, pack)


def check_pack_report(account: SignedInAccount, pack: Pack | None) -> Pack:
    pack = check_pack_usable(account, pack)
    if not may_see_pack_report(account, pack):
        raise NotVisible
    return pack


def check_assignment(db: Session, account: SignedInAccount, assignment: Assignment | None) -> tuple[Assignment, Class]:
    """An assignment of a class the account may run (see check_class)."""
    if assignment is None:
        raise NotVisible
    return assignment, check_class(account, db.get(Class, assignment.class_id))


class AssignmentClosed(Exception):
    """The assignment takes no more answers (closed by the teacher, or outside its dates)."""


@dataclass(frozen=True)
class PlayGrant:
    assignment_id: int
    pack_id: int
    kind: str
    version_id: int
    allow_reflection: bool
    open: bool


def check_pupil_plays(db: Reads, pupil: SignedInPupil, assignment_id: int) -> PlayGrant:
    """A pupil sees only assignments of their own class that have started (one query on the answer path)."""
    row = db.execute(
        _PLAYABLE_QUERY, {"class_id": pupil.class_id, "assignment_id": assignment_id, "school_id": pupil.school_id}
    ).first()
    return grant_from_row(row, assignment_id)


def pupil_plays(
    db: Reads, token_hash: str | None, assignment_id: int, remembered: RememberedGrants
) -> tuple[Principal, SignedInPupil, PlayGrant]:
    """Who asks and, if a pupil, whether they may play ``assignment_id``: the answer path's one query
    for what ``load_principal`` and ``check_pupil_plays`` read in two, judged by the same rules
    (also when the row is ``remembered``: only the reading is spared, never the judging)."""
    row = None
    if token_hash is not None:
        values = {"token_hash": token_hash, "assignment_id": assignment_id}
        row = remembered.row(db, _PRINCIPAL_AND_PLAYABLE_QUERY, values, (token_hash, assignment_id))
    principal = principal_from_row(row, token_hash or "")
    pupil = require_pupil(principal)  # a teacher's or nobody's session: the pupil's sign-in, as everywhere
    return principal, pupil, grant_from_row(row, assignment_id)


def grant_from_row(row: Any, assignment_id: int) -> PlayGrant:
    """The grant, from a row with the columns of ``_PLAYABLE_QUERY``: refused unless the
    assignment is the pupil's class's, its pack has a version, and it has started."""
    if row is None or row.current_version_id is None:
        raise NotVisible
    if not has_started(row):
        raise NotVisible
    return PlayGrant(
        assignment_id,
        row.pack_id,
        row.kind,
        row.current_version_id,
        bool(row.allow_reflection),
        is_open(row),
    )


def check_answerable(grant: PlayGrant) -> PlayGrant:
    if not grant.open:
        raise AssignmentClosed
    return grant


_assignments: Any = Assignment.__table__  # type: ignore[attr-defined]
_packs: Any = Pack.__table__  # type: ignore[attr-defined]
_schools: Any = School.__table__  # type: ignore[attr-defined]


def _grant_columns(schools: Any) -> tuple[Any, ...]:
    """What ``grant_from_row`` reads."""
    return (
        _assignments.c.pack_id,
        _assignments.c.kind,
        _assignments.c.opens_at,
        _assignments.c.closes_at,
        _assignments.c.closed_at,
        _packs.c.current_version_id,
        schools.c.allow_reflection,
    )


_PLAYABLE_QUERY = (
    select(*_grant_columns(_schools))
    .select_from(_assignments)
    .join(_packs, _packs.c.id == _assignments.c.pack_id)
    .join(_schools, _schools.c.id == bindparam("school_id"))
    .where(_assignments.c.id == bindparam("assignment_id"), _assignments.c.class_id == bindparam("class_id"))
)


_pupil_table: Any = Pupil.__table__  # type: ignore[attr-defined]
_class_table: Any = Class.__table__  # type: ignore[attr-defined]
_class_schools: Any = School.__table__.alias("class_school")  # type: ignore[attr-defined]
# PRINCIPAL_QUERY with the assignment asked for, if it is the pupil's class's (the columns of _PLAYABLE_QUERY),
# and the access version it was read at (app/security/grants.py).
_PRINCIPAL_AND_PLAYABLE_QUERY = (
    PRINCIPAL_QUERY.add_columns(*_grant_columns(_class_schools), VERSION_COLUMN)
    .outerjoin(
        _assignments,
        and_(_assignments.c.id == bindparam("assignment_id"), _assignments.c.class_id == _pupil_table.c.class_id),
    )
    .outerjoin(_packs, _packs.c.id == _assignments.c.pack_id)
    .outerjoin(_class_schools, _class_schools.c.id == _class_table.c.school_id)
)


def may_read_metrics(token: str, authorization: str | None) -> bool:
    """/metrics is open when no token is configured, else needs ``Authorization: Bearer <token>``."""
    import hmac

    if not token:
        return True
    scheme, _, offered = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(offered.strip().encode(), token.encode())
