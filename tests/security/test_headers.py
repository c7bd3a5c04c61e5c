"""Every response type carries the security headers; HSTS only behind HTTPS; no CORS."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any as Response  # the test client's response type

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.conftest import LESSONS, create_class, set_up_school

EVIL = "https://evil.example"


def csp_directives(response: Response) -> dict[str, list[str]]:
    """The Content-Security-Policy as ``directive → sources``."""
    policy = response.headers.get("content-security-policy")
    assert policy, f"no Content-Security-Policy on {response.request.method} {response.request.url}"
    directives: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def _page(client: TestClient, extra: dict[str, str]) -> Response:
    response = client.get("/login", headers=extra)
    assert response.headers["content-type"].startswith("text/html")
    assert "<html" in response.text
    return response


def _fragment(client: TestClient, extra: dict[str, str]) -> Response:
    class_id, _ = create_class(client)
    response = client.get(f"/teacher/classes/{class_id}/progress", headers={"HX-Request": "true", **extra})
    assert response.status_code == 200
    assert response.text.lstrip().startswith("<section") and "<html" not in response.text
    return response


def _not_found(client: TestClient, extra: dict[str, str]) -> Response:
    response = client.get("/nope", headers=extra)
    assert response.status_code == 404
    return response


def _static(client: TestClient, extra: dict[str, str]) -> Response:
    response = client.get("/static/css/lupe.css", headers=extra)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    return response


def _cross_site(client: TestClient, extra: dict[str, str]) -> Response:
    response = client.post("/teacher/classes", data={"name": "7c"}, headers={**extra, "Origin": EVIL})
    assert response.status_code == 403
    return response


def _health(client: TestClient, extra: dict[str, str]) -> Response:
    response = client.get("/healthz", headers=extra)
    assert response.headers["content-type"].startswith("application/json")
    return response


def _crash(client: TestClient, extra: dict[str, str]) -> Response:
    response = client.get("/boom", headers=extra)
    assert response.status_code == 500
    return response


KINDS: dict[str, Callable[[TestClient, dict[str, str]], Response]] = {
    "page": _page,
    "fragment": _fragment,
    "error-404": _not_found,
    "error-500": _crash,
    "static": _static,
    "cross-site-403": _cross_site,
    "healthz": _health,
}


def _fail() -> None:
    raise RuntimeError("a bug")


def _served(folder: Path, template: Path, *, https: bool) -> dict[str, dict[str, Response]]:
    """Each kind of response from one instance, asked plainly and with a foreign Origin."""
    shutil.copy(template, folder / "lupe.sqlite3")
    settings = Settings(data_dir=folder, secret_key="test-secret-key", lessons_dir=LESSONS, https=https)
    base_url = "https://testserver" if https else "http://testserver"
    app = create_app(settings)
    app.add_api_route("/boom", _fail)
    with TestClient(app, base_url=base_url, follow_redirects=True, raise_server_exceptions=False) as client:
        set_up_school(client)
        return {
            kind: {"plain": fetch(client, {}), "foreign": fetch(client, {"Origin": EVIL})}
            for kind, fetch in KINDS.items()
        }


# Read-only checks on responses: one instance per module keeps these fast.
@pytest.fixture(scope="module")
def over_http(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> dict[str, dict[str, Response]]:
    return _served(tmp_path_factory.mktemp("http"), sqlite_template, https=False)


@pytest.fixture(scope="module")
def over_https(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> dict[str, dict[str, Response]]:
    return _served(tmp_path_factory.mktemp("https"), sqlite_template, https=True)


@pytest.mark.parametrize("kind", KINDS)
def test_strict_content_security_policy(over_http: dict[str, dict[str, Response]], kind: str) -> None:
    directives = csp_directives(over_http[kind]["plain"])
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    sources = [source.lower() for values in directives.values() for source in values]
    assert "'unsafe-inline'" not in sources
    assert "'unsafe-eval'" not in sources
    assert "*" not in sources
    # script-src, when given, must not loosen default-src 'self'
    assert directives.get("script-src", ["'self'"]) == ["'self'"]


@pytest.mark.parametrize("kind", KINDS)
def test_nosniff_and_referrer_policy(over_http: dict[str, dict[str, Response]], kind: str) -> None:
    response = over_http[kind]["plain"]
    assert response.headers.get("x-content-type-options") == "nosniff"
    assert response.headers.get("referrer-policy") in {
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    }


@pytest.mark.parametrize("kind", KINDS)
def test_no_hsts_over_plain_http(over_http: dict[str, dict[str, Response]], kind: str) -> None:
    assert "strict-transport-security" not in over_http[kind]["plain"].headers


@pytest.mark.parametrize("kind", KINDS)
def test_hsts_when_served_over_https(over_https: dict[str, dict[str, Response]], kind: str) -> None:
    response = over_https[kind]["plain"]
    hsts = response.headers.get("strict-transport-security", "")
    max_age = [part.strip() for part in hsts.split(";") if part.strip().lower().startswith("max-age=")]
    assert max_age, f"no HSTS on {kind}"
    assert int(max_age[0].split("=", 1)[1]) >= 180 * 24 * 3600
    assert csp_directives(response)["default-src"] == ["'self'"]


@pytest.mark.parametrize("kind", KINDS)
def test_no_cors_even_when_asked_from_another_origin(over_http: dict[str, dict[str, Response]], kind: str) -> None:
    for response in over_http[kind].values():
        assert not any(name.lower().startswith("access-control-") for name in response.headers)


def test_no_cors_preflight(client: TestClient) -> None:
    set_up_school(client)
    response = client.options(
        "/teacher/classes",
        headers={
            "Origin": EVIL,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "hx-request",
        },
    )
    assert response.status_code >= 400
    assert not any(name.lower().startswith("access-control-") for name in response.headers)
