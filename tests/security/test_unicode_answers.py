"""SECURITY.md #17 for answers: NUL bytes, direction overrides, zero-width characters, very long text.

A free-text answer (a reflection, a short answer) goes into the database as the pupil typed it:
PostgreSQL refuses NUL in text, so a NUL must never reach it (a 500 and a lost answer otherwise),
and what is stored must come back on the page as inert text.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from app.accounts.models import School
from app.practice.models import Answer
from tests.conftest import create_class, html, join, new_client, open_pack, set_up_school

REFLECTION = "/items/numbers-in-my-life"
SHORT = "/items/average-goals"
BOTH = pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


@pytest.fixture
def pupil(client: TestClient, app: Any) -> tuple[TestClient, str]:
    set_up_school(client)
    with app.state.lupe.db.writing() as db:  # reflection items are shown only where the school allows them
        db.execute(update(School).values(allow_reflection=True))
    class_id, code = create_class(client)
    assignment_id = open_pack(client, class_id, "numbers-and-charts")
    browser = new_client(app)
    join(browser, code, "Fuchs")
    return browser, f"/play/{assignment_id}"


def stored_texts(app: Any) -> list[str]:
    with app.state.lupe.db.read_session() as db:
        return [str(a.response.get("text", "")) for a in db.execute(select(Answer)).scalars()]


TRICKS = {
    "nul": "Ich\x00prüfe Zahlen",
    "rtl-override": "Ich \u202eprüfe\u202c Zahlen",
    "zero-width": "Ich\u200b\u200dprüfe\ufeff Zahlen",
    "controls": "Ich\x01\x1b[31mprüfe\x7f Zahlen",
}


@BOTH
@pytest.mark.parametrize("trick", TRICKS)
def test_tricky_reflection_text_is_stored_cleanly_or_refused(
    pupil: tuple[TestClient, str], app: Any, trick: str
) -> None:
    browser, base = pupil
    response = browser.post(base + REFLECTION, data={"text": TRICKS[trick]})
    assert response.status_code in (200, 422), response.status_code
    for text in stored_texts(app):
        assert "\x00" not in text and "\u202e" not in text and "\x1b" not in text, repr(text)
    if response.status_code == 200:
        page = browser.get(base + REFLECTION)
        assert page.status_code == 200
        assert "\x00" not in page.text and "\u202e" not in page.text


@BOTH
def test_tricky_short_answer_is_scored_or_refused(pupil: tuple[TestClient, str], app: Any) -> None:
    browser, base = pupil
    for text in TRICKS.values():
        response = browser.post(base + SHORT, data={"text": text, "attempt": "1"})
        assert response.status_code in (200, 409, 422), response.status_code
    for text in stored_texts(app):
        assert "\x00" not in text and "\u202e" not in text, repr(text)


def test_a_long_reflection_is_refused_with_a_message(pupil: tuple[TestClient, str], app: Any) -> None:
    browser, base = pupil
    response = browser.post(base + REFLECTION, data={"text": "lang " * 100_000})
    assert response.status_code == 422
    assert html(response).select_one("[role=alert], .error, .errors") is not None
    assert stored_texts(app) == []


@BOTH
def test_nul_in_teachers_and_strangers_forms_is_a_4xx_not_a_500(client: TestClient, app: Any) -> None:
    """PostgreSQL refuses NUL in text: such a value is bad input (400), never a crash (SQLite keeps it as text)."""
    set_up_school(client)
    client.follow_redirects = False
    stranger = new_client(app)
    stranger.follow_redirects = False
    for browser, url, data in [
        (client, "/teacher/classes", {"name": "7\x00b"}),
        (client, "/school/invitations", {"email": "neu\x00@schule.example", "role": "teacher"}),
        (stranger, "/login", {"email": "admin\x00@schule.example", "password": "korrekt-pferd-batterie"}),
    ]:
        response = browser.post(url, data=data)
        assert response.status_code < 500, (url, response.status_code)
        assert response.status_code in (200, 303, 400, 401, 422), (url, response.status_code)
