"""Two-factor sign-in: setting it up, signing in with a code, recovery codes, replay, limits, the school's rule."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.accounts import two_factor
from app.accounts.models import AuthSession, RecoveryCode, School
from app.security.sessions import COOKIE_NAME, PENDING_COOKIE
from tests.accounts.helpers import account, code_for, enrol
from tests.conftest import PASSWORD, add_account, html, new_client, set_up_school, signed_in

pytestmark = pytest.mark.usefixtures("cheap_argon2")

TEACHER = "lehrer@schule.example"
ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def teacher(client: TestClient, app: Any) -> TestClient:
    set_up_school(client, "admin@schule.example")
    client.follow_redirects = False
    with app.state.lupe.db.read_session() as db:
        school_id = db.execute(select(School.id)).scalar_one()
    add_account(app, TEACHER, school_id)
    return signed_in(app, TEACHER)


def session_count(app: Any) -> int:
    with app.state.lupe.db.read_session() as db:
        return int(db.execute(select(func.count()).select_from(AuthSession)).scalar_one())


def password_step(app: Any, email: str = TEACHER) -> TestClient:
    """A browser that gave the right password and now stands before the code step."""
    browser = new_client(app)
    browser.follow_redirects = False
    response = browser.post("/login", data={"email": email, "password": PASSWORD, "next": "/teacher/packs"})
    assert response.status_code == 303 and response.headers["location"].startswith("/login/code")
    assert COOKIE_NAME not in response.cookies and browser.cookies.get(PENDING_COOKIE)
    return browser


def test_setting_up_shows_the_key_and_a_qr_code(teacher: TestClient, app: Any) -> None:
    page = html(teacher.get("/account/two-factor"))
    assert page.select_one("figure svg[role=img] title") is not None
    key = page.select_one("figcaption .code").get_text(strip=True).replace(" ", "")
    assert len(key) == 32
    wrong = teacher.post(
        "/account/two-factor", data={"setup": page.select_one("input[name=setup]")["value"], "code": "000000"}
    )
    assert wrong.status_code == 422
    assert account(app, TEACHER).totp_secret is None
    secret, codes = enrol(teacher)
    assert account(app, TEACHER).totp_secret == secret
    with app.state.lupe.db.read_session() as db:
        stored = set(db.execute(select(RecoveryCode.code_hash)).scalars())
    assert len(stored) == 10 and not any(code.replace("-", "") in " ".join(stored) for code in codes)
    assert "10" in teacher.get("/account", headers=ENGLISH).text


def test_a_forged_or_foreign_setup_is_refused(teacher: TestClient, app: Any) -> None:
    page = html(teacher.get("/account/two-factor"))
    secret = page.select_one("figcaption .code").get_text(strip=True).replace(" ", "")
    response = teacher.post("/account/two-factor", data={"setup": "bogus", "code": code_for(secret)})
    assert response.status_code == 422 and account(app, TEACHER).totp_secret is None
    # a setup made for another account does not turn it on for this one
    other = signed_in(app, "admin@schule.example")
    setup = page.select_one("input[name=setup]")["value"]
    assert other.post("/account/two-factor", data={"setup": setup, "code": code_for(secret)}).status_code == 422
    assert account(app, "admin@schule.example").totp_secret is None


@pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_sign_in_asks_for_the_code_after_the_password(teacher: TestClient, app: Any) -> None:
    secret, _ = enrol(teacher)
    before = session_count(app)
    browser = password_step(app)
    assert session_count(app) == before  # the half-signed-in state is no session
    assert browser.get("/teacher").headers["location"].startswith("/login")
    assert browser.get("/login/code").status_code == 200
    wrong = browser.post("/login/code", data={"code": "000000", "next": "/teacher/packs"})
    assert wrong.status_code == 401
    response = browser.post("/login/code", data={"code": code_for(secret, 1), "next": "/teacher/packs"})
    assert response.status_code == 303 and response.headers["location"] == "/teacher/packs"
    assert browser.get("/teacher").status_code == 200


def test_a_code_cannot_be_used_twice(teacher: TestClient, app: Any) -> None:
    secret, _ = enrol(teacher)
    code = code_for(secret, 1)
    first = password_step(app)
    assert first.post("/login/code", data={"code": code}).status_code == 303
    second = password_step(app)
    assert second.post("/login/code", data={"code": code}).status_code == 401
    # nor the code of the setup, which is older still
    assert second.post("/login/code", data={"code": code_for(secret)}).status_code == 401


@pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_a_recovery_code_works_once(teacher: TestClient, app: Any) -> None:
    _, codes = enrol(teacher)
    browser = password_step(app)
    assert browser.post("/login/code", data={"code": codes[0].lower()}).status_code == 303
    again = password_step(app)
    assert again.post("/login/code", data={"code": codes[0]}).status_code == 401
    assert again.post("/login/code", data={"code": codes[1]}).status_code == 303


def test_no_code_step_without_the_password(teacher: TestClient, app: Any) -> None:
    secret, _ = enrol(teacher)
    stranger = new_client(app)
    stranger.follow_redirects = False
    assert stranger.get("/login/code").headers["location"] == "/login"
    response = stranger.post("/login/code", data={"code": code_for(secret, 1)})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    forged = {"Cookie": f"{PENDING_COOKIE}=WzEsImFiYyJd.forged"}
    assert stranger.post("/login/code", data={"code": code_for(secret, 1)}, headers=forged).status_code == 303
    assert COOKIE_NAME not in stranger.cookies


def test_the_pending_note_dies_with_a_password_change(teacher: TestClient, app: Any) -> None:
    secret, _ = enrol(teacher)
    browser = password_step(app)
    teacher.post("/account/password", data={"current": PASSWORD, "new": "ein-ganz-neues-passwort"})
    response = browser.post("/login/code", data={"code": code_for(secret, 1)})
    assert response.status_code == 303 and response.headers["location"] == "/login"


def test_wrong_codes_are_throttled(teacher: TestClient, app: Any) -> None:
    secret, _ = enrol(teacher)
    browser = password_step(app)
    for _ in range(5):
        assert browser.post("/login/code", data={"code": "000000"}).status_code == 401
    blocked = browser.post("/login/code", data={"code": code_for(secret, 1)}, headers=ENGLISH)
    assert blocked.status_code == 429 and "Too many" in blocked.text


def test_turning_it_off_needs_a_code(teacher: TestClient, app: Any) -> None:
    secret, _ = enrol(teacher)
    assert teacher.post("/account/two-factor/off", data={"code": "000000"}).status_code == 422
    assert account(app, TEACHER).totp_secret is not None
    response = teacher.post("/account/two-factor/off", data={"code": code_for(secret, 1)})
    assert response.status_code == 303
    assert account(app, TEACHER).totp_secret is None
    with app.state.lupe.db.read_session() as db:
        assert db.execute(select(RecoveryCode)).first() is None
    assert signed_in(app, TEACHER).get("/teacher").status_code == 200


def test_an_admin_turns_it_off_for_someone_who_lost_everything(
    teacher: TestClient, client: TestClient, app: Any
) -> None:
    enrol(teacher)
    assert client.post(f"/school/accounts/{account(app, TEACHER).id}/two-factor-off").status_code == 303
    assert account(app, TEACHER).totp_secret is None


def test_the_school_can_require_it_for_admins(teacher: TestClient, client: TestClient, app: Any) -> None:
    admin = client
    assert admin.post("/school/settings", data={"admins_need_two_factor": "on"}).status_code == 303
    for url in ("/teacher", "/teacher/packs", "/school/accounts"):
        response = admin.get(url)
        assert response.status_code == 303 and response.headers["location"] == "/account/two-factor", url
    assert admin.post("/school/invitations", data={"email": "x@schule.example", "role": "teacher"}).status_code == 303
    page = admin.get("/account/two-factor", headers=ENGLISH)
    assert page.status_code == 200 and "requires two-factor" in page.text
    assert teacher.get("/teacher").status_code == 200  # teachers are not affected
    enrol(admin)
    assert admin.get("/school/accounts").status_code == 200
    admin.post("/school/settings", data={})
    with app.state.lupe.db.read_session() as db:
        assert db.execute(select(School.admins_need_two_factor)).scalar_one() is False


def test_an_admin_cannot_turn_it_off_while_the_school_requires_it(client: TestClient, app: Any) -> None:
    set_up_school(client, "admin@schule.example")
    client.follow_redirects = False
    secret, _ = enrol(client)
    client.post("/school/settings", data={"admins_need_two_factor": "on"})
    response = client.post("/account/two-factor/off", data={"code": code_for(secret, 1)}, headers=ENGLISH)
    assert response.status_code == 422 and "stays on" in response.text
    assert account(app, "admin@schule.example").totp_secret == secret


@pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_two_requests_racing_with_one_code_let_one_through(teacher: TestClient, app: Any) -> None:
    """Each read the account before the other wrote (two processes): the stored step decides."""
    secret, _ = enrol(teacher)
    code = code_for(secret, 1)
    stale = [account(app, TEACHER), account(app, TEACHER)]
    with app.state.lupe.db.writing() as db:
        assert two_factor.check_code(db, stale[0], code)
    with app.state.lupe.db.writing() as db:
        assert not two_factor.check_code(db, stale[1], code)
