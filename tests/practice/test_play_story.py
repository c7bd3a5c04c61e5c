"""The foundation's story over HTTP: a class, pupils joining, answering, the teacher watching."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.practice.models import Answer
from tests.conftest import create_class, html, join, new_client, open_pack, pack_id_by_key, set_up_school


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

        pack = db.get(Pack, pack_id_by_key(client, "echt-oder-erfunden"))
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


def test_a_closed_task_takes_no_answers_but_can_be_reviewed(client: TestClient, app) -> None:  # noqa: ANN001
    set_up_school(client)
    class_id, code = create_class(client)
    assignment_id = open_pack(client, class_id)
    pupil = new_client(app)
    join(pupil, code, "Rabe")
    first = str(pupil.get(f"/play/{assignment_id}").url).rsplit("/", 1)[-1]
    pupil.post(f"/play/{assignment_id}/items/{first}", data={"choice": "Fakt", "attempt": "1"})
    client.post(f"/teacher/assignments/{assignment_id}/close")

    summary = pupil.get(f"/play/{assignment_id}")
    assert summary.status_code == 200 and str(summary.url).endswith("/summary")
    review_links = {a["href"] for a in html(summary).select(".review a")}
    assert len(review_links) > 1  # the answered item and the ones never answered: all with their explanation
    second = sorted(link for link in review_links if not link.endswith(first))[0]
    page = html(pupil.get(second))
    assert page.select_one(".answer-form") is None and page.select_one(".feedback") is not None
    refused = pupil.post(second, data={"choice": "Fakt", "attempt": "1"})
    assert refused.status_code == 409
    with app.state.lupe.db.read_session() as db:
        assert db.execute(select(func.count()).select_from(Answer)).scalar_one() == 1

    client.post(f"/teacher/assignments/{assignment_id}/reopen")
    assert pupil.post(second, data={"choice": "Fakt", "attempt": "1"}).status_code == 200


def test_a_task_is_hidden_before_it_opens_and_closed_after_it_ends(client: TestClient, app) -> None:  # noqa: ANN001
    set_up_school(client)
    class_id, code = create_class(client)
    later = open_pack(client, class_id, opens_at="2999-01-01T08:00")
    over = open_pack(client, class_id, "real-or-made-up", opens_at="2020-01-01T08:00", closes_at="2020-01-08T08:00")
    pupil = new_client(app)
    join(pupil, code, "Dachs")
    home = html(pupil.get("/play"))
    links = {a["href"] for a in home.select("a.button")}
    assert f"/play/{later}" not in links and f"/play/{over}" in links
    assert pupil.get(f"/play/{later}").status_code == 404
    summary = pupil.get(f"/play/{over}/summary")
    assert summary.status_code == 200
    item = str(html(summary).select_one(".review a")["href"])  # an item to review, never answered
    assert pupil.post(item, data={"choice": "Real", "attempt": "1"}).status_code == 409


def test_dates_in_the_wrong_order_are_refused_with_a_message(client: TestClient) -> None:
    set_up_school(client)
    class_id, _ = create_class(client)
    pack_id = pack_id_by_key(client, "echt-oder-erfunden")
    response = client.post(
        f"/teacher/classes/{class_id}/assignments",
        data={"pack_id": pack_id, "opens_at": "2026-12-01T08:00", "closes_at": "2026-11-30T08:00"},
    )
    assert response.status_code == 422
    error = html(response).select_one("#form-error").get_text()
    assert "after the opening date" in error or "nach dem Startdatum" in error
    bad = client.post(f"/teacher/classes/{class_id}/assignments", data={"pack_id": pack_id, "opens_at": "tomorrow"})
    assert bad.status_code == 422
