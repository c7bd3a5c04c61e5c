"""Session cookies: flags, rotation on sign-in, death on sign-out, disabled accounts, forgeries."""

from __future__ import annotations

from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeSerializer
from sqlalchemy import select, update

from app.accounts.models import Account, AuthSession
from app.main import create_app
from app.security.codes import digest
from app.security.sessions import COOKIE_NAME
from app.settings import Settings
from tests.conftest import LESSONS, PASSWORD, create_class, html, join, new_client, set_up_school

EMAIL = "admin@schule.example"


pytestmark = pytest.mark.usefixtures("cheap_argon2")  # the fixture lives in tests/conftest.py


def session_cookie(response: Any) -> dict[str, Any]:
    """The attributes of the ``Set-Cookie`` for the session cookie in ``response``."""
    for header in response.headers.get_list("set-cookie"):
        parsed: SimpleCookie = SimpleCookie()
        parsed.load(header)
        if COOKIE_NAME in parsed:
            morsel = parsed[COOKIE_NAME]
            flags = {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}
            return {
                "value": morsel.value,
                "httponly": "httponly" in flags,
                "secure": "secure" in flags,
                "samesite": morsel["samesite"],
                "path": morsel["path"],
                "max-age": morsel["max-age"],
                "expires": morsel["expires"],
            }
    raise AssertionError(f"no {COOKIE_NAME} cookie set: {response.headers.get_list('set-cookie')}")


def sign_in(client: TestClient, email: str = EMAIL, password: str = PASSWORD) -> Any:
    response = client.post("/login", data={"email": email, "password": password}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return response


def as_cookie(value: str) -> dict[str, str]:
    return {"Cookie": f"{COOKIE_NAME}={value}"}


def is_signed_in_teacher(app: Any, value: str) -> bool:
    """Whether a fresh browser presenting only this cookie value gets the teacher page."""
    response = new_client(app).get("/teacher", headers=as_cookie(value), follow_redirects=False)
    if response.status_code == 200:
        return True
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    return False


def setup_response(client: TestClient) -> Any:
    response = client.post(
        "/setup",
        data={"school_name": "Gesamtschule Am See", "display_name": "Frau Berg", "email": EMAIL, "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 303
    return response


def assert_safe_flags(cookie: dict[str, Any], *, secure: bool) -> None:
    assert cookie["httponly"]
    assert cookie["samesite"].lower() == "lax"
    assert cookie["path"] == "/"
    assert cookie["max-age"], "the cookie must have a bounded lifetime"
    assert 0 < int(cookie["max-age"]) <= 24 * 3600
    assert cookie["secure"] is secure


def test_cookie_flags_on_setup_login_and_join(client: TestClient, app: Any) -> None:
    assert_safe_flags(session_cookie(setup_response(client)), secure=False)
    assert_safe_flags(session_cookie(sign_in(client)), secure=False)
    _, code = create_class(client)
    pupil = new_client(app)
    pupil.post("/join", data={"code": code})
    response = pupil.post(f"/join/{code.replace('-', '')}", data={"pseudonym": "Fuchs"})
    assert response.status_code == 200
    assert_safe_flags(session_cookie(response), secure=False)


@pytest.fixture
def https_app(tmp_path: Path, database_url: str) -> Any:
    settings = Settings(
        data_dir=tmp_path, database_url=database_url, secret_key="test-secret-key", lessons_dir=LESSONS, https=True
    )
    return create_app(settings)


@pytest.fixture
def https_client(https_app: Any) -> Iterator[TestClient]:
    with TestClient(https_app, base_url="https://testserver") as test_client:
        yield test_client


def test_cookies_are_secure_over_https(https_client: TestClient, https_app: Any) -> None:
    assert_safe_flags(session_cookie(setup_response(https_client)), secure=True)
    assert_safe_flags(session_cookie(sign_in(https_client)), secure=True)
    create = https_client.post("/teacher/classes", data={"name": "7b"})
    code = html(create).select_one(".code.big").get_text(strip=True)
    pupil = TestClient(https_app, base_url="https://testserver")
    response = pupil.post(f"/join/{code.replace('-', '')}", data={"pseudonym": "Fuchs"})
    assert_safe_flags(session_cookie(response), secure=True)
    logout = https_client.post("/logout", follow_redirects=False)
    cleared = [h for h in logout.headers.get_list("set-cookie") if h.startswith(f"{COOKIE_NAME}=")]
    assert cleared and all("secure" in h.lower() for h in cleared)


def test_cookie_holds_no_account_data_and_db_holds_only_a_hash(client: TestClient, app: Any) -> None:
    value = session_cookie(setup_response(client))["value"]
    assert EMAIL not in value and "admin" not in value.lower()
    with app.state.lupe.db.read_session() as db:
        hashes = list(db.execute(select(AuthSession.token_hash)).scalars())
    assert len(hashes) == 1
    assert value not in hashes[0]
    token = URLSafeSerializer("test-secret-key", salt="lupe-session").loads(value)
    assert hashes == [digest(token)]


def test_session_cookie_changes_on_login_and_the_old_one_dies(client: TestClient, app: Any) -> None:
    first = session_cookie(setup_response(client))["value"]
    assert is_signed_in_teacher(app, first)
    second = session_cookie(sign_in(client))["value"]
    assert second != first
    assert is_signed_in_teacher(app, second)
    assert not is_signed_in_teacher(app, first)


def test_pupil_session_on_a_shared_device_ends_when_a_teacher_signs_in(client: TestClient, app: Any) -> None:
    set_up_school(client)
    _, code = create_class(client)
    device = new_client(app)
    join(device, code, "Fuchs")
    pupil_cookie = device.cookies.get(COOKIE_NAME)
    sign_in(device)
    assert device.cookies.get(COOKIE_NAME) != pupil_cookie
    fresh = new_client(app).get("/play", headers=as_cookie(pupil_cookie), follow_redirects=False)
    assert fresh.headers["location"] == "/"


def test_old_cookie_is_dead_after_logout(client: TestClient, app: Any) -> None:
    set_up_school(client)
    value = client.cookies.get(COOKIE_NAME)
    assert value and is_signed_in_teacher(app, value)
    logout = client.post("/logout", follow_redirects=False)
    assert logout.status_code == 303
    cleared = [h for h in logout.headers.get_list("set-cookie") if h.startswith(f"{COOKIE_NAME}=")]
    assert cleared and ("max-age=0" in cleared[0].lower() or "expires=thu, 01 jan 1970" in cleared[0].lower())
    # a copy of the cookie kept elsewhere is worth nothing now
    assert not is_signed_in_teacher(app, value)
    with app.state.lupe.db.read_session() as db:
        assert db.execute(select(AuthSession)).first() is None


def test_pupil_cookie_is_dead_after_leaving(client: TestClient, app: Any) -> None:
    set_up_school(client)
    _, code = create_class(client)
    pupil = new_client(app)
    join(pupil, code, "Fuchs")
    value = pupil.cookies.get(COOKIE_NAME)
    assert new_client(app).get("/play", headers=as_cookie(value), follow_redirects=False).status_code == 200
    pupil.post("/logout")
    response = new_client(app).get("/play", headers=as_cookie(value), follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_disabled_account_loses_access_at_once(client: TestClient, app: Any) -> None:
    set_up_school(client)
    assert client.get("/teacher", follow_redirects=False).status_code == 200
    with app.state.lupe.db.writing() as db:
        db.execute(update(Account).values(disabled=True))
    response = client.get("/teacher", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    # and signing in again does not help
    response = new_client(app).post("/login", data={"email": EMAIL, "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 401
    assert "set-cookie" not in response.headers or COOKIE_NAME not in response.headers["set-cookie"]


def forged_cookies(real: str) -> dict[str, str]:
    token = URLSafeSerializer("test-secret-key", salt="lupe-session").loads(real)
    payload, signature = real.rsplit(".", 1)
    # Flip the first character: the last one of an unpadded base64 signature carries spare
    # bits, so changing it can decode to the very same signature.
    flipped = ("B" if signature[0] == "A" else "A") + signature[1:]
    return {
        "tampered-signature": f"{payload}.{flipped}",
        "unsigned-token": token,
        "other-key": URLSafeSerializer("some-other-key", salt="lupe-session").dumps(token),
        "other-salt": URLSafeSerializer("test-secret-key", salt="something-else").dumps(token),
        "valid-signature-unknown-token": URLSafeSerializer("test-secret-key", salt="lupe-session").dumps(
            "made-up-token"
        ),
        "not-a-string": URLSafeSerializer("test-secret-key", salt="lupe-session").dumps({"account_id": 1}),
        "huge": real + "A" * 5000,
        "garbage": "%00%ff<script>",
    }


def test_forged_cookies_are_anonymous(client: TestClient, app: Any) -> None:
    set_up_school(client)
    real = client.cookies.get(COOKIE_NAME)
    assert is_signed_in_teacher(app, real)
    for name, value in forged_cookies(real).items():
        assert not is_signed_in_teacher(app, value), name
        home = new_client(app).get("/", headers=as_cookie(value), follow_redirects=False)
        assert home.status_code == 200, name
        nav = html(home).select_one("header nav")
        assert nav.select_one('a[href="/login"]') is not None, name
        assert nav.select_one('a[href="/teacher"]') is None, name
