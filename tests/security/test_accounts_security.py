"""SECURITY.md #5 (disabled accounts and ended sessions), #7 (password rules on invitations and resets),
and invitation or reset links that cannot be guessed."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.accounts.models import Account, AuthSession, School
from app.security.sessions import COOKIE_NAME
from tests.accounts.helpers import account, shown_link
from tests.conftest import PASSWORD, add_account, new_client, set_up_school, signed_in

pytestmark = pytest.mark.usefixtures("cheap_argon2")

ADMIN = "admin@schule.example"
TEACHER = "lehrer@schule.example"


@pytest.fixture
def admin(client: TestClient, app: Any) -> TestClient:
    set_up_school(client, ADMIN)
    client.follow_redirects = False
    with app.state.lupe.db.read_session() as db:
        add_account(app, TEACHER, db.execute(select(School.id)).scalar_one())
    return client


def teacher_sessions(app: Any) -> int:
    with app.state.lupe.db.read_session() as db:
        query = select(func.count()).select_from(AuthSession).join(Account).where(Account.email == TEACHER)
        return int(db.execute(query).scalar_one())


# 5. A disabled account loses its sessions at once; admins can end sessions.


def test_disabling_through_the_admin_page_kills_every_cookie_at_once(admin: TestClient, app: Any) -> None:
    browsers = [signed_in(app, TEACHER) for _ in range(3)]
    cookies = [b.cookies.get(COOKIE_NAME) for b in browsers]
    assert teacher_sessions(app) == 3
    admin.post(f"/school/accounts/{account(app, TEACHER).id}/disable")
    assert teacher_sessions(app) == 0
    for value in cookies:
        fresh = new_client(app).get("/teacher", headers={"Cookie": f"{COOKIE_NAME}={value}"}, follow_redirects=False)
        assert fresh.status_code == 303 and fresh.headers["location"].startswith("/login")
    # enabling again does not bring an old cookie back to life
    admin.post(f"/school/accounts/{account(app, TEACHER).id}/enable")
    fresh = new_client(app).get("/teacher", headers={"Cookie": f"{COOKIE_NAME}={cookies[0]}"}, follow_redirects=False)
    assert fresh.status_code == 303


def test_an_admin_ends_every_session_of_an_account(admin: TestClient, app: Any) -> None:
    browsers = [signed_in(app, TEACHER) for _ in range(2)]
    assert admin.post(f"/school/accounts/{account(app, TEACHER).id}/end-sessions").status_code == 303
    assert teacher_sessions(app) == 0
    assert all(b.get("/teacher").status_code == 303 for b in browsers)


def test_a_reset_link_for_a_disabled_account_does_not_work(admin: TestClient, app: Any) -> None:
    target = account(app, TEACHER).id
    path = shown_link(admin.post(f"/school/accounts/{target}/reset-link"))
    admin.post(f"/school/accounts/{target}/disable")
    assert new_client(app).post(path, data={"password": "ein-neues-passwort"}).status_code == 404
    assert admin.post(f"/school/accounts/{target}/reset-link").status_code == 404


# 7. Passwords: at least 8 characters, long ones and paste allowed, common ones refused — on every path.


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("kurz123", False),
        ("password", False),
        ("passwort1", False),
        ("aaaaaaaaaaaa", False),
        ("x" * 1025, False),
        ("ein sehr langer Satz, der gut zu merken ist " * 20, True),
        ("Zwölf Äpfel 🍎 im Körbchen", True),
    ],
)
def test_password_rules_on_invitation_and_reset(admin: TestClient, app: Any, password: str, accepted: bool) -> None:
    invite = shown_link(admin.post("/school/invitations", data={"email": "neu@schule.example", "role": "teacher"}))
    response = new_client(app).post(invite, data={"display_name": "Neu", "password": password}, follow_redirects=False)
    assert (response.status_code == 303) is accepted, response.status_code
    assert response.status_code in (303, 422)
    reset = shown_link(admin.post(f"/school/accounts/{account(app, TEACHER).id}/reset-link"))
    response = new_client(app).post(reset, data={"password": password})
    assert (response.status_code == 200) is accepted
    assert response.status_code in (200, 422)


def test_passwords_are_stored_as_argon2_hashes(admin: TestClient, app: Any) -> None:
    invite = shown_link(admin.post("/school/invitations", data={"email": "neu@schule.example", "role": "teacher"}))
    new_client(app).post(invite, data={"display_name": "Neu", "password": "ein-neues-passwort"})
    stored = account(app, "neu@schule.example").password_hash
    assert stored.startswith("$argon2id$") and "ein-neues-passwort" not in stored


# Invitation and reset links cannot be brute-forced.


@pytest.mark.parametrize("kind", ["invite", "reset"])
def test_guessing_links_is_throttled_per_address(admin: TestClient, app: Any, kind: str) -> None:
    if kind == "invite":
        real = shown_link(admin.post("/school/invitations", data={"email": "neu@schule.example", "role": "teacher"}))
    else:
        real = shown_link(admin.post(f"/school/accounts/{account(app, TEACHER).id}/reset-link"))
    guesser = new_client(app)
    for attempt in range(20):
        guess = f"/{kind}/{'A' * 40}{attempt:03d}"
        response = (
            guesser.get(guess) if attempt % 2 else guesser.post(guess, data={"display_name": "x", "password": PASSWORD})
        )
        assert response.status_code == 404
    # now even the right link is refused from this address, with a clear page
    blocked = guesser.get(real, headers={"Accept-Language": "en"})
    assert blocked.status_code == 429 and "Too many" in blocked.text
    assert guesser.post(real, data={"display_name": "x", "password": PASSWORD}).status_code == 429


def test_used_and_expired_links_do_not_count_as_guesses(admin: TestClient, app: Any) -> None:
    real = shown_link(admin.post("/school/invitations", data={"email": "neu@schule.example", "role": "teacher"}))
    new_client(app).post(real, data={"display_name": "Neu", "password": "ein-neues-passwort"})
    colleague = new_client(app)
    for _ in range(25):
        assert colleague.get(real).status_code == 410


def test_link_tokens_carry_enough_entropy(admin: TestClient, app: Any) -> None:
    tokens = set()
    for n in range(20):
        path = shown_link(admin.post("/school/invitations", data={"email": f"n{n}@schule.example", "role": "teacher"}))
        tokens.add(path.rsplit("/", 1)[-1])
    assert len(tokens) == 20
    assert all(len(token) >= 43 for token in tokens)  # 32 random bytes, URL-safe base64
