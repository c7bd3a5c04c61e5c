"""The answer route served from inside Lupe's middlewares (app/web/hot_route.py): the same
answers, error pages and headers as through FastAPI's router."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from app.practice import routes as practice_routes
from app.practice.routes import ANSWER_ROUTE
from tests.conftest import html, new_client, pupil_playing


@pytest.fixture
def playing(client: TestClient, app: Any) -> tuple[TestClient, int, str]:
    return pupil_playing(client, app)


def test_answers_are_served_without_the_router(app: Any, playing: tuple[TestClient, int, str]) -> None:
    pupil, assignment_id, key = playing
    app.router.routes.remove(ANSWER_ROUTE)  # the router could not find it now; only the hot route can
    response = pupil.post(f"/play/{assignment_id}/items/{key}", data={"choice": "Fakt"})
    assert response.status_code == 200
    assert html(response).select_one(".feedback") is not None
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert pupil.get(f"/play/{assignment_id}/items/{key}").status_code == 200  # a GET is the router's


def test_its_errors_get_the_app_s_pages_and_headers(playing: tuple[TestClient, int, str]) -> None:
    pupil, assignment_id, key = playing
    missing = pupil.post(f"/play/{assignment_id}/items/no-such-item", data={"choice": "Fakt"})
    assert missing.status_code == 404
    assert html(missing).select_one("main h1") is not None  # the friendly page, not a bare text
    assert missing.headers["x-content-type-options"] == "nosniff"
    signed_out = new_client(pupil.app).post(
        f"/play/{assignment_id}/items/{key}", data={"choice": "Fakt"}, follow_redirects=False
    )
    assert signed_out.status_code == 303 and signed_out.headers["location"] == "/"
    not_a_number = pupil.post(f"/play/seven/items/{key}", data={"choice": "Fakt"})
    assert not_a_number.status_code in (404, 405)  # not the answer route's path: the router answers


def test_an_unexpected_error_gets_the_crash_page(
    app: Any, playing: tuple[TestClient, int, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pupil, assignment_id, key = playing

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(practice_routes, "score_answer", broken)
    crashing = TestClient(app, raise_server_exceptions=False, cookies=dict(pupil.cookies))
    response = crashing.post(f"/play/{assignment_id}/items/{key}", data={"choice": "Fakt"})
    assert response.status_code == 500
    assert html(response).select_one("main h1") is not None
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_an_answer_holds_one_pooled_connection_at_a_time(app: Any, playing: tuple[TestClient, int, str]) -> None:
    """A whole class answering must not need two connections each: with the pool nearly taken by
    the first reads, every request would wait for a second one (a 500 after the pool's timeout).
    Also on a process that has not yet loaded the pack nor checked its access triggers."""
    pupil, assignment_id, key = playing
    lupe = app.state.lupe
    lupe.packs._cache.clear()
    lupe.grants._usable = None
    lupe.grants._rows.clear()
    held = {"now": lupe.db.engine.pool.checkedout(), "most": 0}

    def checked_out(*_args: Any) -> None:
        held["now"] += 1
        held["most"] = max(held["most"], held["now"])

    def checked_in(*_args: Any) -> None:
        held["now"] -= 1

    event.listen(lupe.db.engine, "checkout", checked_out)
    event.listen(lupe.db.engine, "checkin", checked_in)
    try:
        assert pupil.post(f"/play/{assignment_id}/items/{key}", data={"choice": "Fakt"}).status_code == 200
    finally:
        event.remove(lupe.db.engine, "checkout", checked_out)
        event.remove(lupe.db.engine, "checkin", checked_in)
    assert held["most"] <= 1
