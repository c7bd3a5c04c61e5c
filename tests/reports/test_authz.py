"""Who may see a pack's report (app/security/authz.py)."""

from __future__ import annotations

import pytest

from app.accounts.models import Role
from app.packs.models import Pack
from app.security.authz import NotVisible, check_pack_report
from app.security.sessions import SignedInAccount

OWNER = SignedInAccount(id=1, school_id=10, role=Role.teacher, display_name="owner", language=None)
COLLEAGUE = SignedInAccount(id=2, school_id=10, role=Role.teacher, display_name="colleague", language=None)
ADMIN = SignedInAccount(id=3, school_id=10, role=Role.school_admin, display_name="admin", language=None)
OTHER_ADMIN = SignedInAccount(id=4, school_id=20, role=Role.school_admin, display_name="other", language=None)


def school_pack(*, shared: bool) -> Pack:
    return Pack(id=5, key="mine", school_id=10, owner_id=1, shared=shared, current_version_id=7)


@pytest.mark.parametrize("shared", [False, True])
def test_school_pack_report_for_its_owner_and_the_school_admin(shared: bool) -> None:
    pack = school_pack(shared=shared)
    assert check_pack_report(OWNER, pack) is pack
    assert check_pack_report(ADMIN, pack) is pack
    with pytest.raises(NotVisible):
        check_pack_report(COLLEAGUE, pack)  # may use a shared pack, but its report is for its authors
    with pytest.raises(NotVisible):
        check_pack_report(OTHER_ADMIN, pack)


def test_shipped_pack_report_for_school_admins() -> None:
    shipped = Pack(id=6, key="shipped", shipped=True, current_version_id=8)
    assert check_pack_report(ADMIN, shipped) is shipped
    assert check_pack_report(OTHER_ADMIN, shipped) is shipped  # each sees only their own school's classes
    with pytest.raises(NotVisible):
        check_pack_report(OWNER, shipped)
    with pytest.raises(NotVisible):
        check_pack_report(ADMIN, None)
