"""``next=`` redirects stay on this site."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.web.safe_redirect import local_path
from tests.conftest import PASSWORD, html, set_up_school

EMAIL = "admin@schule.example"
OFF_SITE = {
    "absolute": "https://evil.example",
    "absolute-with-path": "https://evil.example/teacher",
    "scheme-relative": "//evil.example",
    "backslash": "/\\evil.example",
    "double-backslash": "\\\\evil.example",
    "javascript": "javascript:alert(1)",
    "javascript-mixed-case": "JaVaScRiPt:alert(1)",
    "data": "data:text/html,<script>alert(1)</script>",
    "scheme-without-slashes": "https:evil.example",
    "crlf-header": "/teacher\r\nSet-Cookie: lupe_session=x",
    "lf-only": "/teacher\nLocation: https://evil.example",
    "tab-inside": "/\t/evil.example",  # browsers drop the tab and see //evil.example
    "leading-space": " //evil.example",
    "nul": "/teacher\x00",
    "relative": "teacher",
    "too-long": "/" + "a" * 600,
}
LOCAL = "/teacher/classes/1"


def location(response: Any) -> str:
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


@pytest.fixture
def signed_in(client: TestClient, cheap_argon2: None) -> TestClient:
    set_up_school(client, EMAIL)
    client.follow_redirects = False
    return client


def test_login_post_redirects_only_on_site(signed_in: TestClient) -> None:
    for name, target in OFF_SITE.items():
        response = signed_in.post("/login", data={"email": EMAIL, "password": PASSWORD, "next": target})
        assert location(response) == "/teacher", name
    response = signed_in.post("/login", data={"email": EMAIL, "password": PASSWORD, "next": LOCAL})
    assert location(response) == LOCAL


def test_login_page_redirects_signed_in_users_only_on_site(signed_in: TestClient) -> None:
    for name, target in OFF_SITE.items():
        assert location(signed_in.get("/login", params={"next": target})) == "/teacher", name
    assert location(signed_in.get("/login", params={"next": LOCAL})) == LOCAL


def test_login_form_carries_only_a_local_next(client: TestClient) -> None:
    set_up_school(client, EMAIL)
    client.post("/logout")
    for name, target in OFF_SITE.items():
        field = html(client.get("/login", params={"next": target})).select_one('form[action="/login"] input[name=next]')
        assert field["value"] == "/teacher", name
    field = html(client.get("/login", params={"next": LOCAL})).select_one('form[action="/login"] input[name=next]')
    assert field["value"] == LOCAL


def test_language_switch_redirects_only_on_site(client: TestClient) -> None:
    for name, target in OFF_SITE.items():
        response = client.post("/language", data={"lang": "en", "next": target}, follow_redirects=False)
        if len(target) > 500:  # longer than the form field allows: refused before any redirect
            assert response.status_code == 400 and "location" not in response.headers
            continue
        assert location(response) == "/", name
    response = client.post("/language", data={"lang": "en", "next": LOCAL}, follow_redirects=False)
    assert location(response) == LOCAL


def test_sign_in_redirect_keeps_the_page_asked_for(client: TestClient) -> None:
    set_up_school(client, EMAIL)
    client.post("/logout")
    response = client.get(LOCAL, follow_redirects=False)
    assert location(response) == "/login?next=/teacher/classes/1"


@pytest.mark.parametrize("name", OFF_SITE)
def test_local_path_refuses(name: str) -> None:
    assert local_path(OFF_SITE[name], "/home") == "/home"


@pytest.mark.parametrize("target", [LOCAL, "/", "/play?x=1#top", "/teacher/classes/1/progress"])
def test_local_path_keeps_local_paths(target: str) -> None:
    assert local_path(target, "/home") == target
