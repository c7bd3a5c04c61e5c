"""The signed-in user's own account page: language and password."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.i18n import LANGUAGE_COOKIE
from tests.accounts.helpers import account
from tests.conftest import PASSWORD, html, new_client, set_up_school, signed_in

pytestmark = pytest.mark.usefixtures("cheap_argon2")

ADMIN = "admin@schule.example"


@pytest.fixture
def me(client: TestClient) -> TestClient:
    set_up_school(client, ADMIN)
    client.follow_redirects = False
    return client


def test_the_page_needs_a_sign_in(app: Any) -> None:
    response = new_client(app).get("/account", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/account"


def test_the_language_is_saved_on_the_account(me: TestClient, app: Any) -> None:
    page = html(me.get("/account"))
    assert page.select_one("h1") is not None and ADMIN in page.get_text()
    response = me.post("/account/language", data={"language": "en"})
    assert response.status_code == 303
    assert account(app, ADMIN).language == "en"
    assert me.cookies.get(LANGUAGE_COOKIE) == "en"
    # another browser of the same person, without the cookie, gets the account's language
    other = signed_in(app, ADMIN)
    assert html(other.get("/account")).select_one("html")["lang"] == "en"
    assert me.post("/account/language", data={"language": "xx"}).status_code == 422
    assert account(app, ADMIN).language == "en"


def test_changing_the_password_needs_the_current_one(me: TestClient, app: Any) -> None:
    laptop = signed_in(app, ADMIN)
    wrong = me.post(
        "/account/password",
        data={"current": "falsch-falsch", "new": "ein-neues-passwort"},
        headers={"Accept-Language": "en"},
    )
    assert wrong.status_code == 422 and "current password is wrong" in wrong.text
    weak = me.post("/account/password", data={"current": PASSWORD, "new": "password1"})
    assert weak.status_code == 422
    assert laptop.get("/teacher").status_code == 200
    done = me.post("/account/password", data={"current": PASSWORD, "new": "ein-neues-passwort"})
    assert done.status_code == 303
    assert me.get("/teacher").status_code == 200  # this browser stays signed in
    assert laptop.get("/teacher").status_code == 303  # every other sign-in ends
    assert signed_in(app, ADMIN, "ein-neues-passwort").get("/teacher").status_code == 200


def test_the_navigation_leads_to_the_account_and_admin_pages(me: TestClient, app: Any) -> None:
    links = {a["href"] for a in html(me.get("/teacher")).select("header nav a")}
    assert {"/account", "/school/accounts", "/teacher"} <= links
