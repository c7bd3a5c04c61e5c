"""A school admin manages the school's accounts: disable, enable, end sessions, reset links."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.accounts.models import Account, AuthSession, Role, School
from app.accounts.services import AccountError, set_disabled
from tests.accounts.helpers import account, shown_link
from tests.conftest import PASSWORD, add_account, add_school, html, new_client, set_up_school, signed_in

pytestmark = pytest.mark.usefixtures("cheap_argon2")

ADMIN = "admin@schule.example"
TEACHER = "lehrer@schule.example"
ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def admin(client: TestClient, app: Any) -> TestClient:
    set_up_school(client, ADMIN)
    client.follow_redirects = False
    with app.state.lupe.db.read_session() as db:
        school_id = db.execute(select(School.id)).scalar_one()
    add_account(app, TEACHER, school_id)
    return client


def sessions_of(app: Any, email: str) -> int:
    with app.state.lupe.db.read_session() as db:
        query = select(func.count()).select_from(AuthSession).join(Account).where(Account.email == email)
        return int(db.execute(query).scalar_one())


def test_the_accounts_page_lists_the_school_only(admin: TestClient, app: Any) -> None:
    other = add_school(app, "Realschule Am Berg")
    add_account(app, "fremd@berg.example", other)
    page = html(admin.get("/school/accounts"))
    rows = page.select("tbody tr")
    assert {row.select_one("td").get_text(strip=True) for row in rows} == {ADMIN, TEACHER}
    assert "Realschule Am Berg" not in page.get_text() and "fremd@berg.example" not in page.get_text()


@pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_disabling_ends_the_sessions_at_once_and_enabling_allows_sign_in(admin: TestClient, app: Any) -> None:
    teacher = signed_in(app, TEACHER)
    laptop = signed_in(app, TEACHER)
    assert sessions_of(app, TEACHER) == 2
    target = account(app, TEACHER).id
    assert admin.post(f"/school/accounts/{target}/disable").status_code == 303
    assert sessions_of(app, TEACHER) == 0
    for browser in (teacher, laptop):
        assert browser.get("/teacher").headers["location"].startswith("/login")
    assert new_client(app).post("/login", data={"email": TEACHER, "password": PASSWORD}).status_code == 401
    assert "disabled" in admin.get("/school/accounts", headers=ENGLISH).text
    admin.post(f"/school/accounts/{target}/enable")
    assert signed_in(app, TEACHER).get("/teacher").status_code == 200


def test_ending_the_sessions_of_an_account(admin: TestClient, app: Any) -> None:
    teacher = signed_in(app, TEACHER)
    assert admin.post(f"/school/accounts/{account(app, TEACHER).id}/end-sessions").status_code == 303
    assert teacher.get("/teacher").status_code == 303
    assert sessions_of(app, ADMIN) == 1  # the admin's own session goes on
    assert signed_in(app, TEACHER).get("/teacher").status_code == 200  # not disabled


def test_an_admin_cannot_disable_themselves_or_the_last_admin(admin: TestClient, app: Any) -> None:
    me = account(app, ADMIN).id
    response = admin.post(f"/school/accounts/{me}/disable", headers=ENGLISH)
    assert response.status_code == 422 and "your own account" in response.text
    # a second admin may not disable the last enabled one either
    with app.state.lupe.db.read_session() as db:
        school_id = db.execute(select(School.id)).scalar_one()
    add_account(app, "vize@schule.example", school_id, Role.school_admin)
    vize = signed_in(app, "vize@schule.example")
    assert vize.post(f"/school/accounts/{me}/disable").status_code == 303
    assert admin.get("/teacher").status_code == 303  # disabled, signed out at once
    only = account(app, "vize@schule.example").id
    # the remaining admin cannot disable themselves (and is the last one)
    assert vize.post(f"/school/accounts/{only}/disable").status_code == 422
    assert account(app, "vize@schule.example").disabled is False


def test_the_last_enabled_admin_is_never_disabled(admin: TestClient, app: Any) -> None:
    """Through the pages the acting admin is always another enabled one; the service guards the rule anyway."""
    with app.state.lupe.db.read_session() as db:
        school_id = db.execute(select(School.id)).scalar_one()
    add_account(app, "vize@schule.example", school_id, Role.school_admin)
    assert admin.post(f"/school/accounts/{account(app, 'vize@schule.example').id}/disable").status_code == 303
    with pytest.raises(AccountError) as refused, app.state.lupe.db.writing() as db:
        last = db.execute(select(Account).where(Account.email == ADMIN)).scalar_one()
        set_disabled(db, last, disabled=True, by_account_id=account(app, TEACHER).id)
    assert refused.value.code == "last_admin"
    assert account(app, ADMIN).disabled is False


@pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_a_reset_link_lets_the_owner_choose_a_new_password(admin: TestClient, app: Any) -> None:
    teacher = signed_in(app, TEACHER)
    target = account(app, TEACHER)
    response = admin.post(f"/school/accounts/{target.id}/reset-link")
    path = shown_link(response)
    assert path.startswith("/reset/")
    assert account(app, TEACHER).password_hash == target.password_hash  # the admin set nothing
    owner = new_client(app)
    assert owner.get(path).status_code == 200
    weak = owner.post(path, data={"password": "passwort"}, headers=ENGLISH)
    assert weak.status_code == 422 and "too common" in weak.text
    done = owner.post(path, data={"password": "ein-neues-langes-passwort"})
    assert done.status_code == 200
    assert teacher.get("/teacher").status_code == 303  # old sessions ended
    assert new_client(app).post("/login", data={"email": TEACHER, "password": PASSWORD}).status_code == 401
    assert signed_in(app, TEACHER, "ein-neues-langes-passwort").get("/teacher").status_code == 200
    assert new_client(app).post(path, data={"password": "noch-ein-anderes-passwort"}).status_code == 410


def test_a_new_reset_link_replaces_the_old_one(admin: TestClient, app: Any) -> None:
    target = account(app, TEACHER).id
    first = shown_link(admin.post(f"/school/accounts/{target}/reset-link"))
    second = shown_link(admin.post(f"/school/accounts/{target}/reset-link"))
    assert new_client(app).get(first).status_code == 404
    assert new_client(app).get(second).status_code == 200
    # and an invitation link is no reset link
    assert new_client(app).get(second.replace("/reset/", "/invite/")).status_code == 404


def test_accounts_of_another_school_are_not_there(admin: TestClient, app: Any) -> None:
    other = add_school(app, "Realschule Am Berg")
    stranger = add_account(app, "fremd@berg.example", other)
    for action in ("disable", "enable", "end-sessions", "reset-link", "two-factor-off"):
        response = admin.post(f"/school/accounts/{stranger}/{action}")
        assert response.status_code == 404, action
        assert "fremd" not in response.text and "Berg" not in response.text
    assert admin.post("/school/accounts/999999/disable").status_code == 404
    assert account(app, "fremd@berg.example").disabled is False


def test_teachers_cannot_manage_accounts(admin: TestClient, app: Any) -> None:
    teacher = signed_in(app, TEACHER)
    me = account(app, ADMIN).id
    for action in ("disable", "end-sessions", "reset-link"):
        assert teacher.post(f"/school/accounts/{me}/{action}").status_code == 404
    assert teacher.post("/school/settings", data={"admins_need_two_factor": "on"}).status_code == 404
    assert sessions_of(app, ADMIN) == 1
