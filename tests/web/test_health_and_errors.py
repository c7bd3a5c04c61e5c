"""The health check, the interface language, and friendly error pages."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app import __version__
from app.db import Database
from app.i18n import LANGUAGE_COOKIE
from app.main import create_app
from app.settings import Settings
from tests.conftest import LESSONS, html

UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/none"


def test_healthz_reports_ok(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok", "version": __version__}


@pytest.fixture
def unreachable_client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, database_url=UNREACHABLE, secret_key="test-secret-key", lessons_dir=LESSONS)
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def test_healthz_says_503_when_the_database_is_unreachable(
    unreachable_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="app.db"):
        response = unreachable_client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "unreachable"
    assert body["status"] != "ok"
    assert body["version"] == __version__
    assert "nobody" not in response.text and "127.0.0.1" not in response.text
    assert any("unreachable" in record.getMessage() for record in caplog.records)


def test_healthz_follows_the_database_check(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Database, "is_reachable", lambda self: False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def language_of(response: Any) -> str:
    return str(html(response).select_one("html")["lang"])


def heading(response: Any) -> str:
    return html(response).select_one("main h1").get_text(strip=True)


def test_german_by_default(client: TestClient) -> None:
    page = client.get("/resume")
    assert language_of(page) == "de"
    assert heading(page) and heading(page) != "Continue with your resume code"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [("en", "en"), ("en-GB,en;q=0.9", "en"), ("fr-FR, en;q=0.5", "en"), ("fr", "de"), ("de-AT", "de"), ("", "de")],
)
def test_browser_language_is_followed(client: TestClient, accept: str, expected: str) -> None:
    page = client.get("/resume", headers={"Accept-Language": accept})
    assert language_of(page) == expected


def test_english_page_is_in_english(client: TestClient) -> None:
    assert heading(client.get("/resume", headers={"Accept-Language": "en"})) == "Continue with your resume code"


def test_chosen_language_wins_over_the_browser(client: TestClient) -> None:
    response = client.post("/language", data={"lang": "en", "next": "/resume"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/resume"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{LANGUAGE_COOKIE}=en;")
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    page = client.get("/resume", headers={"Accept-Language": "de"})
    assert language_of(page) == "en"
    client.post("/language", data={"lang": "de", "next": "/resume"})
    assert language_of(client.get("/resume", headers={"Accept-Language": "en"})) == "de"


def test_unknown_language_is_ignored(client: TestClient) -> None:
    response = client.post("/language", data={"lang": "xx", "next": "/resume"}, follow_redirects=False)
    assert response.status_code == 303
    assert "set-cookie" not in response.headers
    client.cookies.set(LANGUAGE_COOKIE, "xx")
    assert language_of(client.get("/resume")) == "de"


def test_default_language_setting(tmp_path: Path, database_url: str) -> None:
    settings = Settings(
        data_dir=tmp_path, database_url=database_url, secret_key="k", lessons_dir=LESSONS, default_language="en"
    )
    with TestClient(create_app(settings)) as english:
        assert language_of(english.get("/resume")) == "en"
        assert language_of(english.get("/resume", headers={"Accept-Language": "de"})) == "de"


def test_404_page_is_friendly_html(client: TestClient) -> None:
    english = client.get("/gibt/es/nicht", headers={"Accept-Language": "en"})
    german = client.get("/gibt/es/nicht")
    for response, lang in ((english, "en"), (german, "de")):
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert language_of(response) == lang
        assert html(response).select_one('main a[href="/"]') is not None
        assert "Traceback" not in response.text and '"detail"' not in response.text
    assert heading(english) == "Not found"
    assert heading(german) and heading(german) != "Not found"


def test_405_page_is_friendly_html(client: TestClient) -> None:
    response = client.get("/logout")
    assert response.status_code == 405
    assert heading(response)
    assert '"detail"' not in response.text


def test_invalid_input_page_is_friendly_html(client: TestClient) -> None:
    response = client.get("/teacher/classes/keine-zahl", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert heading(response)
    assert "keine-zahl" not in response.text.split("<main", 1)[1] and '"detail"' not in response.text


def test_crash_gives_a_friendly_500_without_details(app: Any, caplog: pytest.LogCaptureFixture) -> None:
    def boom() -> None:
        raise RuntimeError("geheimes-detail-4711")

    app.add_api_route("/boom", boom)
    with (
        TestClient(app, raise_server_exceptions=False) as browser,
        caplog.at_level(logging.ERROR, logger="app.web.errors"),
    ):
        response = browser.get("/boom", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    assert heading(response) == "Something went wrong"
    assert "geheimes-detail-4711" not in response.text and "Traceback" not in response.text
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert any("/boom" in record.getMessage() for record in caplog.records)


def test_an_unreachable_database_gives_a_friendly_503(tmp_path) -> None:  # noqa: ANN001
    from bs4 import BeautifulSoup
    from fastapi.testclient import TestClient

    from app.main import create_app
    from app.settings import Settings

    settings = Settings(data_dir=tmp_path, secret_key="k", database_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    with TestClient(create_app(settings)) as client:
        for path in ("/", "/setup", "/join/ABCDEFGH"):
            response = client.get(path, headers={"Accept-Language": "en"})
            assert response.status_code == 503, path
            assert response.headers["retry-after"] == "5"
            assert "content-security-policy" in response.headers
            page = BeautifulSoup(response.text, "html.parser")
            assert page.h1 is not None and "not available" in page.h1.get_text()
        assert client.get("/healthz").json()["database"] == "unreachable"
