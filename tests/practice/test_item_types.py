"""Playing every item type over HTTP, with tries and hints, using the examples of docs/lesson-format.md."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.accounts.models import School
from app.classroom.assignments import create_assignment
from app.packs.compiler import SourceFile, compile_pack
from app.packs.diagnostics import Report
from app.packs.library import store_version
from app.practice.models import Answer
from tests.conftest import create_class, html, join, new_client, set_up_school
from tests.packs.test_lesson_format_doc import markdown_examples


def store_doc_pack(app: Any) -> tuple[int, dict]:
    """The format documentation's pack as a school's own pack; its id and compiled form."""
    pack_md, *examples = markdown_examples()
    files = [SourceFile("pack.md", pack_md)] + [SourceFile(f"{n:02}.md", text) for n, text in enumerate(examples)]
    compiled = compile_pack(files, Report())
    assert compiled is not None
    with app.state.lupe.db.writing() as db:
        version = store_version(db, compiled, school_id=1, owner_id=1, shipped=False)
        return version.pack_id, compiled


def load_doc_pack(app: Any, class_id: int) -> tuple[int, dict]:
    """The format documentation's pack given to the class; the assignment's id and the compiled pack."""
    pack_id, compiled = store_doc_pack(app)
    with app.state.lupe.db.writing() as db:
        assignment = create_assignment(db, class_id=class_id, pack_id=pack_id)
        assert assignment.id is not None
        return assignment.id, compiled


def item_page(pupil: TestClient, pack_id: int, key: str) -> Any:
    return html(pupil.get(f"/play/{pack_id}/items/{key}"))


def test_every_type_plays_with_tries_and_hints(client: TestClient, app: Any) -> None:
    set_up_school(client)
    class_id, code = create_class(client)
    pack_id, compiled = load_doc_pack(app, class_id)
    pupil = new_client(app)
    join(pupil, code, "Specht")
    by_key = {item["key"]: item for item in compiled["items"]}
    url = f"/play/{pack_id}/items"

    # Spot the clue, two tries: a wrong try shows "not yet" and the first hint, the right one the feedback.
    page = item_page(pupil, pack_id, "zeitdruck")
    words = page.select("input[name=word]")
    assert len(words) == len(by_key["zeitdruck"]["tokens"])
    first = html(pupil.post(f"{url}/zeitdruck", data={"word": "0", "attempt": "1"}))
    assert first.select_one(".not-yet") is not None
    assert "Zeitdruck" in first.select_one(".hint-box").get_text()
    marked = [str(i) for i, t in enumerate(by_key["zeitdruck"]["tokens"]) if t["span"] >= 0]
    second = html(pupil.post(f"{url}/zeitdruck", data={"word": marked, "attempt": "2"}))
    assert second.select_one(".feedback.right") is not None
    again = html(pupil.post(f"{url}/zeitdruck", data={"word": "0", "attempt": "2"}))  # a retried request
    assert again.select_one(".feedback.right") is not None

    # Technique, single, source, multiple, compare, short, order: one right answer each.
    answers = {
        "falscher-arzt": {"option": "impersonation"},
        "zuerst-tun": {"option": "2"},
        "rheinblick-quelle": {"option": "2"},
        "warnzeichen": {"option": ["1", "2"]},
        "radwege": {"choice": "1"},
        "impressum": {"text": " impressum "},
        "pruefschritte": {f"pos-{e['id']}": str(n) for n, e in enumerate(by_key["pruefschritte"]["entries"], 1)},
    }
    for key, form in answers.items():
        page = html(pupil.post(f"{url}/{key}", data=form))
        assert page.select_one(".feedback.right") is not None, key

    # A wrong single choice with its option feedback.
    pupil2 = new_client(app)
    join(pupil2, code, "Kleiber")
    page = html(pupil2.post(f"{url}/zuerst-tun", data={"option": "1"}))
    assert page.select_one(".feedback.wrong .option-feedback") is not None

    with app.state.lupe.db.read_session() as db:
        tries = db.execute(select(func.count()).select_from(Answer).where(Answer.item_key == "zeitdruck")).scalar_one()
        assert tries == 2


def test_reflection_only_where_the_school_allows_it(client: TestClient, app: Any) -> None:
    set_up_school(client)
    class_id, code = create_class(client)
    pack_id, _ = load_doc_pack(app, class_id)
    pupil = new_client(app)
    join(pupil, code, "Zaunkönig")
    assert pupil.get(f"/play/{pack_id}/items/eigene-erfahrung").status_code == 404
    with app.state.lupe.db.writing() as db:
        school = db.get(School, 1)
        school.allow_reflection = True
        db.add(school)
    page = html(pupil.post(f"/play/{pack_id}/items/eigene-erfahrung", data={"text": "Einmal ein Video."}))
    assert page.select_one(".feedback.neutral") is not None
    with app.state.lupe.db.read_session() as db:
        stored = db.execute(select(Answer).where(Answer.item_key == "eigene-erfahrung")).scalar_one()
        assert stored.choice == "" and stored.response == {"text": "Einmal ein Video."} and stored.is_correct is None
