"""A live lesson over HTTP: the teacher paces, pupils answer the item on the projector, the class sees the result."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.classroom.models import Class
from app.classroom.services import join as join_class
from app.practice.models import Answer
from tests.conftest import create_class, html, join, new_client, open_pack, set_up_school

pytestmark = pytest.mark.usefixtures("cheap_argon2")

PACK = "echt-oder-erfunden"


def start_lesson(client: TestClient, app: Any, pupils: list[str]) -> tuple[int, list[TestClient]]:
    set_up_school(client)
    class_id, code = create_class(client)
    assignment_id = open_pack(client, class_id, PACK, kind="live")
    browsers = []
    for name in pupils:
        browser = new_client(app)
        join(browser, code, name)
        browsers.append(browser)
    return assignment_id, browsers


def step(client: TestClient, assignment_id: int, name: str) -> None:
    response = client.post(f"/teacher/live/{assignment_id}/step", data={"step": name})
    assert response.status_code == 200, response.text


def stage(browser: TestClient, url: str) -> Any:
    response = browser.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200, response.text
    return html(response)


def current_key(browser: TestClient, assignment_id: int) -> str:
    form = stage(browser, f"/live/{assignment_id}/stage").select_one("form.answer-form")
    return str(form["action"]).rsplit("/", 1)[-1]


def answer(browser: TestClient, assignment_id: int, key: str, choice: str) -> Any:
    return browser.post(
        f"/live/{assignment_id}/items/{key}", data={"choice": choice, "attempt": "1"}, headers={"HX-Request": "true"}
    )


def test_a_live_lesson_from_lobby_to_summary(client: TestClient, app: Any) -> None:
    assignment_id, (fuchs, dachs, luchs) = start_lesson(client, app, ["Fuchs", "Dachs", "Luchs"])
    lobby = html(client.get(f"/teacher/live/{assignment_id}"))
    assert "3" in lobby.select_one("#joined").get_text() and lobby.select_one(".qr-figure svg") is not None
    assert stage(fuchs, f"/live/{assignment_id}/stage").select_one("form.answer-form") is None

    step(client, assignment_id, "start")
    key = current_key(fuchs, assignment_id)
    assert current_key(luchs, assignment_id) == key  # everyone is on the teacher's item
    assert answer(fuchs, assignment_id, key, "Fakt").status_code == 200
    assert answer(fuchs, assignment_id, key, "Fake").status_code == 200  # a second tap changes nothing
    answer(dachs, assignment_id, key, "Fake")
    waiting = stage(fuchs, f"/live/{assignment_id}/stage")
    assert waiting.select_one("form.answer-form") is None and waiting.select_one(".feedback") is None
    projector = stage(client, f"/teacher/live/{assignment_id}/stage")
    assert "2" in projector.select_one("#answered").get_text()
    assert projector.select_one(".distribution") is None  # nothing shown before the reveal

    step(client, assignment_id, "reveal")
    counts = {
        li.select_one(".distribution-label").get_text(strip=True).lstrip("✓ "): li.select_one(".figure").get_text()
        for li in stage(client, f"/teacher/live/{assignment_id}/stage").select(".distribution li")
    }
    assert counts == {"Fakt": "1", "Fake": "1"}
    assert stage(fuchs, f"/live/{assignment_id}/stage").select_one(".feedback") is not None
    late = answer(luchs, assignment_id, key, "Fakt")
    assert late.status_code == 422 and html(late).select_one("#form-error") is not None

    step(client, assignment_id, "next")
    second = current_key(luchs, assignment_id)
    assert second != key
    answer(luchs, assignment_id, second, "Fake")
    step(client, assignment_id, "back")
    assert stage(luchs, f"/live/{assignment_id}/stage").select_one("form.answer-form") is None
    step(client, assignment_id, "finish")
    summary = stage(client, f"/teacher/live/{assignment_id}/stage")
    assert summary.select_one("#fell-heading") is not None
    assert summary.select_one(".podium") is None
    page_text = summary.get_text()
    assert "Fuchs" not in page_text and "Dachs" not in page_text  # no pseudonyms on the projector
    with app.state.lupe.db.read_session() as db:
        assert db.execute(select(func.count()).select_from(Answer)).scalar_one() == 3
    assert "/play/" in str(stage(fuchs, f"/live/{assignment_id}/stage").select_one("a.button")["href"])


def test_points_and_podium_only_when_the_teacher_turns_them_on(client: TestClient, app: Any) -> None:
    assignment_id, (fuchs, dachs) = start_lesson(client, app, ["Fuchs", "Dachs"])
    client.post(f"/teacher/live/{assignment_id}/settings", data={"points": "on", "podium": "on", "streaks": "on"})
    step(client, assignment_id, "start")
    key = current_key(fuchs, assignment_id)
    answer(fuchs, assignment_id, key, "Fakt")
    answer(dachs, assignment_id, key, "Fake")
    step(client, assignment_id, "finish")
    podium = stage(client, f"/teacher/live/{assignment_id}/stage").select(".podium li")
    assert len(podium) == 2
    assert "100" in podium[0].get_text() and "0" in podium[1].get_text()


def test_others_cannot_see_or_steer_the_lesson(client: TestClient, app: Any) -> None:
    assignment_id, (fuchs,) = start_lesson(client, app, ["Fuchs"])
    _, other_code = create_class(client, "8c")
    stranger = new_client(app)
    join(stranger, other_code, "Igel")
    for url in (f"/live/{assignment_id}", f"/live/{assignment_id}/stage", f"/live/{assignment_id}/events"):
        assert stranger.get(url).status_code == 404
    assert fuchs.get(f"/teacher/live/{assignment_id}", follow_redirects=False).status_code in (303, 404)
    refused = fuchs.post(f"/teacher/live/{assignment_id}/step", data={"step": "start"}, follow_redirects=False)
    assert refused.status_code in (303, 404)
    assert stage(fuchs, f"/live/{assignment_id}/stage").select_one("form.answer-form") is None  # still in the lobby


def test_a_live_task_is_not_played_at_the_pupils_own_pace(client: TestClient, app: Any) -> None:
    assignment_id, (fuchs,) = start_lesson(client, app, ["Fuchs"])
    response = fuchs.get(f"/play/{assignment_id}", follow_redirects=False)
    assert response.headers["location"] == f"/live/{assignment_id}"
    refused = fuchs.post(f"/play/{assignment_id}/items/venus-drehung", data={"choice": "Fakt"})
    assert refused.status_code == 404


def test_sixty_pupils_in_one_live_lesson(client: TestClient, app: Any) -> None:
    """A double class answers the same item in the same instant; everyone counts, a reconnect lands on the item."""
    set_up_school(client)
    class_id, _ = create_class(client)
    assignment_id = open_pack(client, class_id, PACK, kind="live")
    lupe = app.state.lupe
    cookies = []
    with lupe.db.writing() as db:
        school_class = db.get(Class, class_id)
        for number in range(60):
            pupil, _ = join_class(db, school_class, f"Kind {number}")
            cookies.append(lupe.cookies.start(db, pupil_id=pupil.id))
    step(client, assignment_id, "start")
    first = new_client(app)
    first.cookies.set("lupe_session", cookies[0])
    key = current_key(first, assignment_id)

    async def burst() -> list[int]:
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as http:

            async def answer(number: int, cookie: str) -> int:
                response = await http.post(
                    f"/live/{assignment_id}/items/{key}",
                    data={"choice": "Fakt" if number % 3 else "Fake", "attempt": "1"},
                    headers={"Cookie": f"lupe_session={cookie}", "HX-Request": "true"},
                )
                return response.status_code

            return await asyncio.wait_for(asyncio.gather(*(answer(n, c) for n, c in enumerate(cookies))), timeout=25)

    assert asyncio.run(burst()) == [200] * 60
    assert "60" in stage(client, f"/teacher/live/{assignment_id}/stage").select_one("#answered").get_text()
    step(client, assignment_id, "reveal")
    figures = [
        int(f.get_text()) for f in stage(client, f"/teacher/live/{assignment_id}/stage").select(".distribution .figure")
    ]
    assert sorted(figures) == [20, 40]
    # A pupil who lost the connection comes back on a new device and sees where the class is.
    again = new_client(app)
    again.cookies.set("lupe_session", cookies[7])
    page = html(again.get(f"/play/{assignment_id}"))
    assert page.select_one(".feedback") is not None and key in str(page)


def test_a_finished_lesson_is_closed_and_its_results_stay(client: TestClient, app: Any) -> None:
    assignment_id, (fuchs,) = start_lesson(client, app, ["Fuchs"])
    step(client, assignment_id, "start")
    key = current_key(fuchs, assignment_id)
    answer(fuchs, assignment_id, key, "Fakt")
    step(client, assignment_id, "finish")
    card = html(fuchs.get("/play")).select_one(f".pack-cards a[href='/play/{assignment_id}']")
    assert card is not None and "Ergebnisse" in card.get_text()
    assert fuchs.get(f"/play/{assignment_id}/summary").status_code == 200
    refused = client.post(f"/teacher/live/{assignment_id}/step", data={"step": "start"}, follow_redirects=False)
    assert refused.status_code == 303  # a finished lesson does not start again
    assert stage(client, f"/teacher/live/{assignment_id}/stage").select_one("#fell-heading") is not None
