"""Printable worksheets and answer keys: what is on them, what never is, and who may print them."""

from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from app.accounts.models import Role, School
from app.accounts.services import create_account
from app.packs.models import Pack
from tests.conftest import PASSWORD, create_class, html, join, new_client, pack_id_by_key, set_up_school, signed_in
from tests.practice.test_item_types import store_doc_pack

SHIPPED = "echt-oder-erfunden"
SECRETS = ("clue_html", "explain_html", "check_html", "teacher_html")


pytestmark = pytest.mark.usefixtures("cheap_argon2")  # the fixture lives in tests/conftest.py


def plain(markup: str) -> str:
    """The visible text of some HTML, with whitespace collapsed."""
    return " ".join(BeautifulSoup(markup, "html.parser").get_text(" ").split())


def current_version(client: TestClient, pack_id: int) -> dict[str, Any]:
    lupe = client.app.state.lupe  # type: ignore[attr-defined]
    with lupe.db.read_session() as db:
        return lupe.packs.get(db, db.get(Pack, pack_id).current_version_id)


def sheets(client: TestClient, pack_id: int) -> tuple[BeautifulSoup, BeautifulSoup]:
    worksheet = client.get(f"/teacher/packs/{pack_id}/worksheet")
    key = client.get(f"/teacher/packs/{pack_id}/answer-key")
    assert worksheet.status_code == key.status_code == 200
    return html(worksheet), html(key)


def written_by_teacher(item: dict[str, Any]) -> list[str]:
    """The texts a worksheet must not show: answers' explanations, clues, how to check, notes, hints."""
    texts = [plain(item[field]) for field in SECRETS if item[field]]
    return texts + [plain(hint) for hint in item["hints_html"]]


def assert_worksheet_keeps_answers_out(page: BeautifulSoup, compiled: dict[str, Any]) -> None:
    text = " ".join(page.get_text(" ").split())
    for item in compiled["items"]:
        for secret in written_by_teacher(item):
            assert secret not in text, (item["key"], secret)
    assert plain(compiled["intro_html"]) not in text
    assert page.select(".key-answer, .ticked, .filled, mark, .teacher-note, .teacher-intro") == []


def assert_key_holds_answers(page: BeautifulSoup, compiled: dict[str, Any]) -> None:
    sections = page.select(".answer-key .sheet-item")
    assert len(sections) == len(compiled["items"])
    for section, item in zip(sections, compiled["items"], strict=True):
        text = " ".join(section.get_text(" ").split())
        for secret in written_by_teacher(item):
            assert secret in text, (item["key"], secret)
    assert plain(compiled["intro_html"]) in " ".join(page.select_one(".teacher-intro").get_text(" ").split())


def test_the_shipped_pack_prints_as_worksheet_and_answer_key(client: TestClient) -> None:
    set_up_school(client)
    pack_id = pack_id_by_key(client, SHIPPED)
    compiled = current_version(client, pack_id)
    worksheet, key = sheets(client, pack_id)

    items = worksheet.select(".worksheet .sheet-item")
    assert len(items) == len(compiled["items"]) == 14
    for section in items:  # every verdict with its two boxes and the "how sure" boxes
        assert [li.get_text(strip=True) for li in section.select(".boxes")[0].select("li")] == compiled["verdicts"]
        assert len(section.select(".confidence-boxes .box")) == 3
    assert_worksheet_keeps_answers_out(worksheet, compiled)

    assert_key_holds_answers(key, compiled)
    answers = [p.get_text(strip=True) for p in key.select(".key-answer .key-main")]
    assert answers == [item["answer"] for item in compiled["items"]]


def test_every_item_type_has_room_to_answer_and_no_answer(client: TestClient, app: Any) -> None:
    set_up_school(client)
    class_id, _ = create_class(client)
    pack_id, compiled = store_doc_pack(app)
    worksheet, _ = sheets(client, pack_id)
    sections = worksheet.select(".worksheet .sheet-item")
    assert len(sections) == len(compiled["items"])
    for section, item in zip(sections, compiled["items"], strict=True):
        kind = item["type"]
        boxes = section.select(".boxes:not(.confidence-boxes) li")
        if kind == "verdict":
            assert [li.get_text(strip=True) for li in boxes] == compiled["verdicts"]
        elif kind == "compare":
            assert len(boxes) == 2 and len(section.select(".stimulus")) == 2
        elif kind in ("single", "source", "technique", "multiple"):
            assert len(boxes) == len(item["options"])
        elif kind == "order":
            shown = [plain(next(e for e in item["entries"] if e["id"] == i)["text_html"]) for i in item["shown_order"]]
            assert [li.get_text(" ", strip=True) for li in section.select(".order-blanks li")] == shown
            assert shown != [plain(e["text_html"]) for e in item["entries"]]  # not the solution
            assert all(blank.get_text(strip=True) == "" for blank in section.select(".blank"))
        elif kind == "clue":
            assert section.select_one(".clue-text").get_text(strip=True) == " ".join(t["text"] for t in item["tokens"])
        elif kind == "short":
            assert len(section.select(".line")) == 1
        elif kind == "reflection":  # paper is not stored data, so reflection is always on it
            assert len(section.select(".line")) >= 4
        assert plain(item["question_html"]) in section.get_text(" ")
    assert_worksheet_keeps_answers_out(worksheet, compiled)
    assert "Erfunden. Gut für das Gespräch" not in worksheet.get_text()  # the [!TEACHER] note of 'handyverbot'


def test_the_answer_key_names_every_right_answer(client: TestClient, app: Any) -> None:
    set_up_school(client)
    class_id, _ = create_class(client)
    pack_id, compiled = store_doc_pack(app)
    _, key = sheets(client, pack_id)
    assert_key_holds_answers(key, compiled)
    assert "Erfunden. Gut für das Gespräch" in key.get_text()
    sections = dict(zip([item["key"] for item in compiled["items"]], key.select(".sheet-item"), strict=True))
    assert sections["handyverbot"].select_one(".key-main").get_text(strip=True) == "Fake"
    marks = [mark.get_text(" ", strip=True) for mark in sections["zeitdruck"].select("mark")]
    assert marks == ["Teilen, bevor es gelöscht wird!", "Nur noch heute!"]
    ticked = [li.get_text(" ", strip=True) for li in sections["warnzeichen"].select("li.right")]
    assert len(ticked) == 2 and "Keine Quelle" in ticked[0] and "Zeitdruck" in ticked[1]
    assert len(sections["zuerst-tun"].select(".box.ticked")) == 1
    order = next(item for item in compiled["items"] if item["key"] == "pruefschritte")
    right = [entry["id"] for entry in order["entries"]]
    places = [blank.get_text(strip=True) for blank in sections["pruefschritte"].select(".blank.filled")]
    assert places == [str(right.index(entry_id) + 1) for entry_id in order["shown_order"]]
    accepted = [li.get_text(strip=True) for li in sections["impressum"].select("li.key-main")]
    assert accepted == ["Impressum", "das Impressum"]
    assert sections["radwege"].select_one(".key-main").get_text(strip=True).endswith("1")


def test_the_print_stylesheet_is_for_paper_only(client: TestClient) -> None:
    set_up_school(client)
    pack_id = pack_id_by_key(client, SHIPPED)
    for page in sheets(client, pack_id):
        links = [link for link in page.select("link[rel=stylesheet]") if "css/print.css" in link["href"]]
        assert len(links) == 1 and links[0]["media"] == "print"
        assert "+P" in page.select_one(".print-tools").get_text()  # Ctrl+P, in German Strg+P
        assert page.select("script:not([src])") == []


def urls(pack_id: int) -> list[str]:
    return [f"/teacher/packs/{pack_id}/{page}" for page in ("worksheet", "answer-key", "gift")]


def test_only_signed_in_teachers_print(client: TestClient, app: Any) -> None:
    set_up_school(client)
    class_id, code = create_class(client)
    pack_id, _ = store_doc_pack(app)
    pupil = new_client(app)
    join(pupil, code, "Specht")
    pupil.follow_redirects = False
    anonymous = new_client(app)
    anonymous.follow_redirects = False
    for browser in (anonymous, pupil):
        for url in urls(pack_id):
            response = browser.get(url)
            assert response.status_code == 303, url
            assert response.headers["location"].startswith("/login"), url


def test_a_teacher_of_another_school_sees_only_shipped_packs(client: TestClient, app: Any) -> None:
    set_up_school(client)
    class_id, _ = create_class(client)
    pack_id, compiled = store_doc_pack(app)
    with app.state.lupe.db.writing() as db:
        other = School(name="Realschule Am Berg")
        db.add(other)
        db.flush()
        create_account(
            db,
            school_id=other.id,
            email="fremd@zwei.example",
            display_name="Herr Fremd",
            password=PASSWORD,
            role=Role.teacher,
        )
    stranger = signed_in(app, "fremd@zwei.example")
    for url in urls(pack_id) + urls(99999):
        response = stranger.get(url)
        assert response.status_code == 404, url
        assert plain(compiled["items"][0]["explain_html"]) not in response.text
    for url in urls(pack_id_by_key(client, SHIPPED)):
        assert stranger.get(url).status_code == 200, url
