"""Sign-in throttling, look-alike failures, and the password rules."""

from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.accounts.models import Account, Role
from app.security.passwords import hash_password
from app.security.sessions import COOKIE_NAME
from tests.conftest import PASSWORD, html, set_up_school

EMAIL = "admin@schule.example"
WRONG = "falsches-pferd-batterie"


def login(client: TestClient, email: str, password: str) -> Any:
    return client.post("/login", data={"email": email, "password": password}, follow_redirects=False)


def from_address(app: Any, host: str) -> TestClient:
    return TestClient(app, follow_redirects=False, client=(host, 40000))


def alert_text(response: Any) -> str:
    alert = html(response).select_one("[role=alert]")
    assert alert is not None, response.text
    return alert.get_text(" ", strip=True)


def sets_session(response: Any) -> bool:
    return any(h.startswith(f"{COOKIE_NAME}=") for h in response.headers.get_list("set-cookie"))


@pytest.mark.usefixtures("cheap_argon2")
def test_wrong_passwords_for_one_account_are_throttled(client: TestClient, app: Any) -> None:
    set_up_school(client, EMAIL)
    guesser = from_address(app, "198.51.100.7")
    for _ in range(5):
        response = login(guesser, EMAIL, WRONG)
        assert response.status_code == 401
    invalid_message = alert_text(response)
    response = login(guesser, EMAIL, PASSWORD)
    assert response.status_code == 429
    assert not sets_session(response)
    assert alert_text(response) != invalid_message
    # from another address too: the account itself is protected, and so is its case-folded spelling
    response = login(from_address(app, "203.0.113.9"), EMAIL.upper(), PASSWORD)
    assert response.status_code == 429
    assert not sets_session(response)


@pytest.mark.usefixtures("cheap_argon2")
def test_four_wrong_passwords_still_allow_the_right_one(client: TestClient, app: Any) -> None:
    set_up_school(client, EMAIL)
    user = from_address(app, "198.51.100.7")
    for _ in range(4):
        assert login(user, EMAIL, WRONG).status_code == 401
    response = login(user, EMAIL, PASSWORD)
    assert response.status_code == 303
    assert sets_session(response)


def comparable(response: Any, email: str) -> str:
    """The page with the echoed e-mail taken out."""
    page = BeautifulSoup(response.text, "html.parser")
    field = page.select_one("input[name=email]")
    assert field is not None and field.get("value") == email
    field["value"] = ""
    return str(page)


@pytest.mark.usefixtures("cheap_argon2")
def test_unknown_and_known_accounts_fail_alike(client: TestClient, app: Any) -> None:
    set_up_school(client, EMAIL)
    known = login(from_address(app, "198.51.100.7"), EMAIL, WRONG)
    unknown = login(from_address(app, "198.51.100.8"), "nobody@schule.example", WRONG)
    assert known.status_code == unknown.status_code == 401
    assert comparable(known, EMAIL) == comparable(unknown, "nobody@schule.example")
    assert set(known.headers) == set(unknown.headers)


@pytest.mark.usefixtures("cheap_argon2")
def test_unknown_accounts_are_throttled_like_known_ones(client: TestClient, app: Any) -> None:
    set_up_school(client, EMAIL)
    known = [login(from_address(app, f"198.51.100.{n}"), EMAIL, WRONG).status_code for n in range(6)]
    unknown = [
        login(from_address(app, f"198.51.100.{n}"), "nobody@schule.example", WRONG).status_code for n in range(6)
    ]
    assert known == unknown == [401] * 5 + [429]


def add_teachers(app: Any, count: int) -> list[str]:
    """``count`` teachers in the first school, sharing one precomputed hash to keep this fast."""
    password_hash = hash_password(PASSWORD)
    emails = [f"lehrkraft{n}@schule.example" for n in range(count)]
    with app.state.lupe.db.writing() as db:
        school_id = db.execute(select(Account.school_id)).scalars().first()
        for n, email in enumerate(emails):
            db.add(
                Account(
                    school_id=school_id,
                    email=email,
                    display_name=f"Lehrkraft {n}",
                    password_hash=password_hash,
                    role=Role.teacher.value,
                )
            )
    return emails


@pytest.mark.usefixtures("cheap_argon2")
def test_password_spraying_from_one_address_is_throttled(client: TestClient, app: Any) -> None:
    set_up_school(client, EMAIL)
    emails = add_teachers(app, 21)
    sprayer = from_address(app, "198.51.100.66")
    for email in emails[:20]:  # one try per account: the per-account limit never trips
        assert login(sprayer, email, "Sommer2024!").status_code == 401
    response = login(sprayer, emails[20], PASSWORD)
    assert response.status_code == 429
    assert not sets_session(response)
    # the accounts themselves were not locked: their owners elsewhere can still sign in
    assert login(from_address(app, "203.0.113.5"), emails[0], PASSWORD).status_code == 303


# Password rules, checked where a password is chosen: the setup page.


def setup(client: TestClient, password: str, **extra: str) -> Any:
    data = {
        "school_name": "Gesamtschule Am See",
        "display_name": "Frau Berg",
        "email": EMAIL,
        "password": password,
        **extra,
    }
    return client.post("/setup", data=data)


def account_count(app: Any) -> int:
    with app.state.lupe.db.read_session() as db:
        return int(db.execute(select(func.count()).select_from(Account)).scalar_one())


@pytest.mark.parametrize(
    ("password", "words"),
    [
        ("kurz12", ["8"]),
        ("passwort123", ["häufig", "common"]),
        ("12345678", ["häufig", "common"]),
        ("PassWord1", ["häufig", "common"]),
        ("aaaaaaaaaaaa", ["häufig", "common"]),
        ("x" * 1500, ["lang", "long"]),
    ],
    ids=["short", "common", "digits", "common-mixed-case", "one-letter", "over-1024"],
)
def test_weak_passwords_are_refused_with_a_clear_message(
    client: TestClient, app: Any, password: str, words: list[str]
) -> None:
    response = setup(client, password)
    assert response.status_code == 422
    message = alert_text(response).lower()
    assert any(word in message for word in words), message
    assert account_count(app) == 0
    assert COOKIE_NAME not in client.cookies


@pytest.mark.parametrize(
    "password",
    [
        "a" * 100 + "b" * 50 + "c" * 50,
        "ein langer satz mit leerzeichen",
        "  führende und folgende leerzeichen  ",
        "Kennwort😀mit Emoji",
    ],
    ids=["200-chars", "spaces", "edge-spaces", "emoji"],
)
def test_long_and_pasted_passwords_are_accepted(client: TestClient, app: Any, password: str) -> None:
    response = setup(client, password)
    assert response.status_code == 200
    assert str(response.url).endswith("/teacher")
    assert login(from_address(app, "198.51.100.1"), EMAIL, password).status_code == 303


def test_passwords_are_stored_as_argon2_hashes(client: TestClient, app: Any) -> None:
    setup(client, PASSWORD)
    with app.state.lupe.db.read_session() as db:
        stored = db.execute(select(Account.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
