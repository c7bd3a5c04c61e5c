"""Structured logs: JSON or text lines with a request id; the access log names routes, never data."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.observability.logging import JsonLines, TextLines
from app.settings import Settings
from tests.conftest import create_class, join, new_client, set_up_school


@pytest.fixture
def logged(settings: Settings, caplog: pytest.LogCaptureFixture) -> Iterator[TestClient]:
    caplog.set_level(logging.INFO)
    app = create_app(settings.model_copy(update={"log_format": "json"}))
    with TestClient(app, follow_redirects=True) as client:
        yield client


def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict]:
    return [json.loads(JsonLines().format(r)) for r in caplog.records if r.name == "lupe.access"]


def test_access_log_lines_are_json_with_route_status_duration_and_request_id(
    logged: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = logged.get("/healthz")
    (line,) = access_lines(caplog)
    assert line["logger"] == "lupe.access" and line["level"] == "info"
    assert line["route"] == "/healthz" and line["method"] == "GET" and line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["time"].endswith("+00:00")
    assert line["request_id"] == response.headers["x-request-id"]
    assert line["message"] == f"GET /healthz 200 {line['duration_ms']:.1f} ms"


def test_a_proxy_request_id_is_kept_when_well_formed(logged: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    assert logged.get("/healthz", headers={"X-Request-ID": "proxy-4711"}).headers["x-request-id"] == "proxy-4711"
    forged = logged.get("/healthz", headers={"X-Request-ID": "evil\nline {x}"}).headers["x-request-id"]
    assert forged != "evil\nline {x}" and forged.isalnum()
    assert [line["request_id"] for line in access_lines(caplog)] == ["proxy-4711", forged]


def test_every_record_of_a_request_carries_its_id(
    logged: TestClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record logged inside the request (here: the database check, in a worker thread) shares its id."""

    def unreachable() -> None:
        raise ConnectionError("no database")

    monkeypatch.setattr(logged.app.state.lupe.db.engine, "connect", unreachable)  # type: ignore[attr-defined]
    response = logged.get("/healthz")
    assert response.status_code == 503
    (warning,) = [r for r in caplog.records if r.name == "app.db"]
    assert warning.request_id == response.headers["x-request-id"]  # type: ignore[attr-defined]
    assert json.loads(JsonLines().format(warning))["request_id"] == response.headers["x-request-id"]
    assert "ConnectionError" in json.loads(JsonLines().format(warning))["exception"]
    outside = logging.getLogger("lupe.test").makeRecord("lupe.test", logging.INFO, __file__, 1, "after", (), None)
    assert outside.request_id is None  # type: ignore[attr-defined]


def test_logs_hold_no_codes_pseudonyms_query_strings_or_cookies(
    logged: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    set_up_school(logged)
    _, code = create_class(logged)
    pupil = new_client(logged.app)
    resume = join(pupil, code, "Geheime Eule")
    pupil.get("/?ref=Geheime+Eule")
    pupil.get(f"/join/{code.replace('-', '')}?pseudonym=Geheime+Eule")
    cookies = [value for value in (*logged.cookies.values(), *pupil.cookies.values()) if len(value) > 8]
    assert cookies
    server_side = [r for r in caplog.records if not r.name.startswith("http")]  # the test client logs its URLs
    formatted = "\n".join(f.format(r) for r in server_side for f in (JsonLines(), TextLines()))
    for secret in (code, code.replace("-", ""), "Geheime", "Eule", resume, resume.replace("-", ""), "ref=", *cookies):
        assert secret not in formatted
    routes = {line["route"] for line in access_lines(caplog)}
    assert {"/join", "/join/{code}", "/"} <= routes


def test_text_format_and_the_access_log_switch(settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with TestClient(create_app(settings)) as client:
        client.get("/healthz")
    (record,) = [r for r in caplog.records if r.name == "lupe.access"]
    assert (
        TextLines()
        .format(record)
        .endswith(f"lupe.access: GET /healthz 200 {record.duration_ms:.1f} ms [{record.request_id}]")
    )  # type: ignore[attr-defined]
    handlers = [h for h in logging.getLogger().handlers if getattr(h, "lupe", False)]
    assert len(handlers) == 1 and isinstance(handlers[0].formatter, TextLines)  # configured once, not stacked
    caplog.clear()
    with TestClient(create_app(settings.model_copy(update={"access_log": False}))) as client:
        client.get("/healthz")
    assert [r for r in caplog.records if r.name == "lupe.access"] == []
    logging.getLogger("lupe.access").disabled = False


def test_fastapi_telemetry_stays_off_even_when_the_environment_asks_for_it(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FastAPI's own OpenTelemetry hooks would record exception messages and paths (with join
    codes) outside Lupe's logging rules; an OTEL auto-configuration must not switch them on."""
    monkeypatch.setenv("FASTAPI_OTEL_AUTO_CONFIGURE", "true")
    app = create_app(settings)
    assert not any(app._telemetry[switch] for switch in ("tracing", "metrics", "logs", "operation_spans"))
    assert not app._native_telemetry.enabled()
