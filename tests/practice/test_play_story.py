"""The foundation's story over HTTP: a class, pupils joining, answering, the teacher watching."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.practice.models import Answer
from tests.conftest import create_class, html, join, new_client, open_pack, set_up_school


def answer_all(pupil: TestClient, pack_id: int, *, choose_right: bool = True) -> int:
    """Answer every item of a pack; return how many were answered."""
    response = pupil.get(f"/play/{pack_id}")
    count = 0
    while "/items/" in str(response.url):
        page = html(response)
        buttons = [b["value"] for b in page.select("button[name=choice]")]
        assert buttons, response.text
        item_key = str(response.url).rsplit("/", 1)[-1]
        choice = buttons[0] if choose_right else buttons[1]
        response = pupil.post(f"/play/{pack_id}/items/{item_key}", data={"choice": choice, "confidence": "75"})
        assert response.status_code == 200
        assert html(response).select_one(".feedback") is not None
        count += 1
        response = pupil.get(html(response).select_one(".next a")["href"])
    assert str(response.url).endswith("/summary")
    return count


@pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_class_story(client: TestClient, app) -> None:  # noqa: ANN001
    set_up_school(client)
    class_id, code = create_class(client)
    pack_id = open_pack(client, class_id)

    pupils = [new_client(app) for _ in range(3)]
    for number, pupil in enumerate(pupils):
        join(pupil, code, f"Fuchs {number}")
        home = html(pupil.get("/play"))
        assert "Echt oder erfunden" in home.get_text()
    answered = [answer_all(pupil, pack_id) for pupil in pupils]
    assert answered[0] >= 12

    page = html(client.get(f"/teacher/classes/{class_id}"))
    rows = page.select("#progress tbody tr")
    assert [row.th.get_text(strip=True) for row in rows] == ["Fuchs 0", "Fuchs 1", "Fuchs 2"]
    assert f"{answered[0]}/{answered[0]}" in rows[0].get_text()
    with app.state.lupe.db.read_session() as db:
        assert db.execute(select(func.count()).select_from(Answer)).scalar_one() == sum(answered)


def test_feedback_shows_right_or_wrong_clue_and_explanation(client: TestClient, app) -> None:  # noqa: ANN001
    set_up_school(client)
    class_id, code = create_class(client)
    pack_id = open_pack(client, class_id)
    pupil = new_client(app)
    join(pupil, code, "Luchs")
    item_page = pupil.get(f"/play/{pack_id}")
    key = str(item_page.url).rsplit("/", 1)[-1]
    compiled = app.state.lupe.packs
    with app.state.lupe.db.read_session() as db:
        from app.packs.models import Pack

        pack = db.get(Pack, pack_id)
        item = compiled.get(db, pack.current_version_id)["by_key"][key]
    wrong = "Fake" if item["answer"] == "Fakt" else "Fakt"
    page = html(pupil.post(f"/play/{pack_id}/items/{key}", data={"choice": wrong}))
    feedback = page.select_one(".feedback.wrong")
    assert feedback is not None
    assert "Fakt" in feedback.get_text() or "Fake" in feedback.get_text()
    assert len(feedback.select(".user-content")) >= 2  # the clue and the explanation
    assert item["teacher_html"] not in pupil.get(f"/play/{pack_id}/items/{key}").text


def test_double_submit_stores_one_answer_and_first_counts(client: TestClient, app) -> None:  # noqa: ANN001
    set_up_school(client)
    class_id, code = create_class(client)
    pack_id = open_pack(client, class_id)
    pupil = new_client(app)
    join(pupil, code, "Dachs")
    key = str(pupil.get(f"/play/{pack_id}").url).rsplit("/", 1)[-1]
    first = pupil.post(f"/play/{pack_id}/items/{key}", data={"choice": "Fakt"})
    second = pupil.post(f"/play/{pack_id}/items/{key}", data={"choice": "Fake"})
    assert first.status_code == second.status_code == 200
    assert "Fakt" in html(second).select_one(".feedback p").get_text()
    with app.state.lupe.db.read_session() as db:
        assert db.execute(select(func.count()).select_from(Answer)).scalar_one() == 1


def test_htmx_answer_returns_only_the_item_fragment(client: TestClient, app) -> None:  # noqa: ANN001
    set_up_school(client)
    class_id, code = create_class(client)
    pack_id = open_pack(client, class_id)
    pupil = new_client(app)
    join(pupil, code, "Igel")
    key = str(pupil.get(f"/play/{pack_id}").url).rsplit("/", 1)[-1]
    response = pupil.post(f"/play/{pack_id}/items/{key}", data={"choice": "Fakt"}, headers={"HX-Request": "true"})
    assert response.text.lstrip().startswith('<article id="item"')
    assert "<html" not in response.text


def test_invalid_choice_is_refused_with_a_message(client: TestClient, app) -> None:  # noqa: ANN001
    set_up_school(client)
    class_id, code = create_class(client)
    pack_id = open_pack(client, class_id)
    pupil = new_client(app)
    join(pupil, code, "Biber")
    key = str(pupil.get(f"/play/{pack_id}").url).rsplit("/", 1)[-1]
    response = pupil.post(f"/play/{pack_id}/items/{key}", data={"choice": "Vielleicht", "is_correct": "1"})
    assert response.status_code == 422
    assert html(response).select_one("[role=alert]") is not None
    response = pupil.post(f"/play/{pack_id}/items/{key}", data={"choice": "Fakt", "confidence": "99"})
    assert response.status_code == 422


def test_summary_counts_real_and_fake_separately(client: TestClient, app) -> None:  # noqa: ANN001
    set_up_school(client)
    class_id, code = create_class(client)
    pack_id = open_pack(client, class_id)
    pupil = new_client(app)
    join(pupil, code, "Otter")
    total = answer_all(pupil, pack_id, choose_right=False)  # always "Fake": every fake right, every real wrong
    page = html(pupil.get(f"/play/{pack_id}/summary"))
    numbers = [p.get_text(strip=True) for p in page.select(".stat-number")]
    real = total // 2
    assert numbers == [f"{total - real}/{total}", f"0/{real}", f"{total - real}/{total - real}"]
    assert page.select_one(".hint-box") is not None  # the over-scepticism hint


def test_resume_code_continues_on_another_device(client: TestClient, app) -> None:  # noqa: ANN001
    set_up_school(client)
    class_id, code = create_class(client)
    pack_id = open_pack(client, class_id)
    phone = new_client(app)
    resume_code = join(phone, code, "Adler")
    key = str(phone.get(f"/play/{pack_id}").url).rsplit("/", 1)[-1]
    phone.post(f"/play/{pack_id}/items/{key}", data={"choice": "Fakt"})
    tablet = new_client(app)
    response = tablet.post("/resume", data={"resume_code": resume_code.lower().replace("-", " ")})
    assert str(response.url).endswith("/play")
    next_key = str(tablet.get(f"/play/{pack_id}").url).rsplit("/", 1)[-1]
    assert next_key != key


def test_pupil_cannot_play_a_pack_not_opened(client: TestClient, app) -> None:  # noqa: ANN001
    set_up_school(client)
    class_id, code = create_class(client)
    pack_id = open_pack(client, class_id)
    pupil = new_client(app)
    join(pupil, code, "Rabe")
    client.post(f"/teacher/classes/{class_id}/packs/{pack_id}/close")
    assert pupil.get(f"/play/{pack_id}").status_code == 404
    assert pupil.get(f"/play/{pack_id}/items/whatever").status_code == 404
