"""Invitations: the instance admin invites a school's first admin, a school admin invites teachers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from app.accounts.models import Account, AccountLink, Role, School
from app.clock import now
from app.security.codes import digest
from tests.accounts.helpers import shown_link
from tests.conftest import PASSWORD, add_account, add_school, html, new_client, set_up_school, signed_in

pytestmark = pytest.mark.usefixtures("cheap_argon2")

ADMIN = "admin@schule.example"


@pytest.fixture
def admin(client: TestClient) -> TestClient:
    set_up_school(client, ADMIN)
    client.follow_redirects = False
    return client


def invite(admin: TestClient, email: str, role: str = "teacher") -> str:
    return shown_link(admin.post("/school/invitations", data={"email": email, "role": role}))


@pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_a_teacher_joins_by_invitation_and_is_signed_in(admin: TestClient, app: Any) -> None:
    path = invite(admin, "Neu@Schule.example")
    page = admin.get("/school/accounts")
    assert "neu@schule.example" in html(page).select_one("#invitations-heading").parent.get_text()
    newcomer = new_client(app)
    form = newcomer.get(path)
    assert form.status_code == 200
    assert "Gesamtschule Am See" in form.text and "neu@schule.example" in form.text
    response = newcomer.post(path, data={"display_name": "Herr Neu", "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/teacher"
    assert newcomer.get("/teacher", follow_redirects=False).status_code == 200
    with app.state.lupe.db.read_session() as db:
        created = db.execute(select(Account).where(Account.email == "neu@schule.example")).scalar_one()
        school_id = db.execute(select(School.id)).scalar_one()
    assert (created.display_name, created.role, created.school_id) == ("Herr Neu", Role.teacher, school_id)
    # used up: the link works once
    again = new_client(app).post(path, data={"display_name": "Zweiter", "password": PASSWORD})
    assert again.status_code == 410
    assert "already been used" in again.text or "bereits benutzt" in again.text


def test_only_the_hash_of_the_token_is_stored(admin: TestClient, app: Any) -> None:
    token = invite(admin, "neu@schule.example").rsplit("/", 1)[-1]
    assert len(token) >= 40
    with app.state.lupe.db.read_session() as db:
        link = db.execute(select(AccountLink)).scalar_one()
    assert link.token_hash == digest(token) and token not in link.token_hash
    # and the admin's page does not show the link a second time
    assert token not in admin.get("/school/accounts").text


def test_an_admin_invites_another_admin(admin: TestClient, app: Any) -> None:
    path = invite(admin, "vize@schule.example", "school_admin")
    new_client(app).post(path, data={"display_name": "Vize", "password": PASSWORD})
    assert signed_in(app, "vize@schule.example").get("/school/accounts").status_code == 200


@pytest.mark.parametrize(
    ("password", "message"), [("kurz", "at least 8"), ("passwort123", "too common"), ("12345678", "too common")]
)
def test_invitation_applies_the_password_rules(admin: TestClient, app: Any, password: str, message: str) -> None:
    path = invite(admin, "neu@schule.example")
    response = new_client(app).post(path, data={"display_name": "Neu", "password": password}, headers=ENGLISH)
    assert response.status_code == 422 and message in response.text
    assert html(response).select_one("input[name=display_name]")["value"] == "Neu"
    with app.state.lupe.db.read_session() as db:
        assert db.execute(select(Account).where(Account.email == "neu@schule.example")).first() is None
        assert db.execute(select(AccountLink.used_at)).scalar_one() is None  # nothing half-written


ENGLISH = {"Accept-Language": "en"}


def test_expired_used_and_unknown_links_get_a_clear_page(admin: TestClient, app: Any) -> None:
    path = invite(admin, "neu@schule.example")
    with app.state.lupe.db.writing() as db:
        db.execute(update(AccountLink).values(expires_at=now() - timedelta(seconds=1)))
    browser = new_client(app)
    for response in (
        browser.get(path, headers=ENGLISH),
        browser.post(path, data={"display_name": "N", "password": PASSWORD}, headers=ENGLISH),
    ):
        assert response.status_code == 410
        assert "expired" in response.text
    unknown = browser.get("/invite/" + "x" * 43, headers=ENGLISH)
    assert unknown.status_code == 404 and "not valid" in unknown.text
    assert browser.get("/invite/" + "x" * 5000).status_code in (404, 414)
    for response in (unknown,):
        assert "Gesamtschule" not in response.text and "neu@schule.example" not in response.text


def test_the_default_lifetime_is_seven_days(admin: TestClient, app: Any) -> None:
    invite(admin, "neu@schule.example")
    with app.state.lupe.db.read_session() as db:
        link = db.execute(select(AccountLink)).scalar_one()
    assert timedelta(days=6, hours=23) < link.expires_at - link.created_at <= timedelta(days=7, minutes=1)


def test_an_email_with_an_account_cannot_be_invited(admin: TestClient) -> None:
    response = admin.post("/school/invitations", data={"email": ADMIN.upper(), "role": "teacher"}, headers=ENGLISH)
    assert response.status_code == 422 and "already has an account" in response.text
    response = admin.post("/school/invitations", data={"email": "no-at-sign", "role": "teacher"})
    assert response.status_code == 422


@pytest.mark.parametrize("role", ["instance_admin", "pupil", ""])
def test_a_school_admin_cannot_invite_other_roles(admin: TestClient, app: Any, role: str) -> None:
    response = admin.post("/school/invitations", data={"email": "boss@schule.example", "role": role})
    assert response.status_code == 422
    with app.state.lupe.db.read_session() as db:
        assert db.execute(select(AccountLink)).first() is None


def test_withdrawn_invitations_stop_working(admin: TestClient, app: Any) -> None:
    path = invite(admin, "neu@schule.example")
    with app.state.lupe.db.read_session() as db:
        link_id = db.execute(select(AccountLink.id)).scalar_one()
    assert admin.post(f"/school/invitations/{link_id}/withdraw").status_code == 303
    assert new_client(app).get(path).status_code == 404


def test_teachers_cannot_invite(admin: TestClient, app: Any) -> None:
    school_id = add_school(app, "Andere Schule")
    del school_id
    with app.state.lupe.db.read_session() as db:
        own = db.execute(select(School.id).where(School.name == "Gesamtschule Am See")).scalar_one()
    add_account(app, "lehrer@schule.example", own)
    teacher = signed_in(app, "lehrer@schule.example")
    assert teacher.post("/school/invitations", data={"email": "x@schule.example"}).status_code == 404
    assert teacher.get("/school/accounts").status_code == 404


def test_the_instance_admin_creates_a_school_and_invites_its_first_admin(client: TestClient, app: Any) -> None:
    add_account(app, "it@stadt.example", None, Role.instance_admin)
    it = signed_in(app, "it@stadt.example")
    assert it.get("/teacher").status_code == 404
    response = it.post("/login", data={"email": "it@stadt.example", "password": PASSWORD})
    assert response.headers["location"] == "/admin/schools"
    path = shown_link(
        it.post("/admin/schools", data={"school_name": "Grundschule Süd", "email": "chefin@sued.example"})
    )
    assert "Grundschule Süd" in it.get("/admin/schools").text
    head = new_client(app)
    head.post(path, data={"display_name": "Frau Süd", "password": PASSWORD})
    head.follow_redirects = False
    assert head.get("/school/accounts").status_code == 200
    with app.state.lupe.db.read_session() as db:
        chefin = db.execute(select(Account).where(Account.email == "chefin@sued.example")).scalar_one()
        school = db.get(School, chefin.school_id)
    assert chefin.role == Role.school_admin and school is not None and school.name == "Grundschule Süd"
    # another admin for the same school later
    second = it.post(f"/admin/schools/{school.id}/invitations", data={"email": "vize@sued.example"})
    assert shown_link(second).startswith("/invite/")
    assert it.post("/admin/schools/999999/invitations", data={"email": "x@y.example"}).status_code == 404


def test_school_admins_and_teachers_cannot_manage_schools(admin: TestClient) -> None:
    assert admin.get("/admin/schools").status_code == 404
    assert admin.post("/admin/schools", data={"school_name": "Kaperung", "email": "a@b.example"}).status_code == 404


def test_bad_school_names_are_refused(client: TestClient, app: Any) -> None:
    add_account(app, "it@stadt.example", None, Role.instance_admin)
    it = signed_in(app, "it@stadt.example")
    response = it.post("/admin/schools", data={"school_name": " x ", "email": "a@b.example"})
    assert response.status_code == 422
    with app.state.lupe.db.read_session() as db:
        assert db.execute(select(School)).first() is None
