"""Pseudonyms refuse unsafe text with a message; extra form fields never set what the server decides."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.accounts.models import Account, Role, School
from app.classroom.models import Class, Pupil
from app.classroom.pseudonyms import MAX_LENGTH, MIN_LENGTH, clean, suggest
from app.practice.models import Answer
from tests.conftest import PASSWORD, create_class, html, join, new_client, open_pack, pack_id_by_key, set_up_school

BAD_PSEUDONYMS = {
    "empty": "",
    "only-spaces": "    ",
    "one-char": "A",
    "31-chars": "A" * 31,
    "1500-chars": "Fuchs " * 250,
    "megabyte": "A" * 999_000,
    "nul-byte": "Fuchs\x00Dachs",
    "rtl-override": "Fuchs\u202eshcaD",
    "zero-width-space": "Fu\u200bchs",
    "zero-width-joiner": "Fu\u200dchs",
    "bell": "Fuchs\x07",
    "escape": "\x1b[31mFuchs",
    "script": "<script>alert(1)</script>",
    "template": "{{ 7*7 }}",
    "html-entity": "Fuchs&amp;",
    "emoji": "Fuchs 🦊",
}


@pytest.fixture
def join_form(client: TestClient, app: Any) -> tuple[TestClient, str]:
    """A pupil's browser and the class code, right before choosing a name."""
    set_up_school(client)
    _, code = create_class(client)
    pupil = new_client(app)
    assert pupil.post("/join", data={"code": code}).status_code == 200
    return pupil, code.replace("-", "")


def pupils(app: Any) -> list[Pupil]:
    with app.state.lupe.db.read_session() as db:
        return list(db.execute(select(Pupil)).scalars())


def test_bad_pseudonyms_are_refused_with_a_message(join_form: tuple[TestClient, str], app: Any) -> None:
    pupil, code = join_form
    for name, raw in BAD_PSEUDONYMS.items():
        response = pupil.post(f"/join/{code}", data={"pseudonym": raw}, follow_redirects=False)
        assert response.status_code == 422, name
        page = html(response)
        alert = page.select_one("[role=alert]")
        assert alert is not None and alert.get_text(strip=True), name
        field = page.select_one("input[name=pseudonym]")
        assert field is not None and field.get("aria-invalid") == "true", name
        assert "set-cookie" not in response.headers, name
        if name == "template":  # echoed back as typed, never evaluated
            assert field["value"] == raw
        assert page.select_one("main script") is None, name
    assert pupils(app) == []


def test_pseudonym_over_the_body_limit_is_refused(join_form: tuple[TestClient, str], app: Any) -> None:
    pupil, code = join_form
    response = pupil.post(f"/join/{code}", data={"pseudonym": "A" * 1_100_000})
    assert response.status_code == 413
    assert pupils(app) == []


def test_normal_pseudonym_with_umlauts_works(join_form: tuple[TestClient, str], app: Any) -> None:
    pupil, code = join_form
    response = pupil.post(f"/join/{code}", data={"pseudonym": "  Müller-Lüdenscheidt   7 "})
    assert response.status_code == 200
    assert html(response).select_one(".resume-code") is not None
    assert [p.pseudonym for p in pupils(app)] == ["Müller-Lüdenscheidt 7"]


def test_decomposed_umlauts_are_stored_composed(join_form: tuple[TestClient, str], app: Any) -> None:
    pupil, code = join_form
    decomposed = unicodedata.normalize("NFD", "Jürgen")
    assert pupil.post(f"/join/{code}", data={"pseudonym": decomposed}).status_code == 200
    assert [p.pseudonym for p in pupils(app)] == ["Jürgen"]
    other = new_client(app)
    other.post("/join", data={"code": code})
    assert other.post(f"/join/{code}", data={"pseudonym": "Jürgen"}).status_code == 422


def test_duplicate_pseudonym_in_a_class_is_refused(join_form: tuple[TestClient, str], app: Any) -> None:
    pupil, code = join_form
    join(pupil, code, "Fuchs 7")
    second = new_client(app)
    second.post("/join", data={"code": code})
    response = second.post(f"/join/{code}", data={"pseudonym": " Fuchs  7"})
    assert response.status_code == 422
    assert html(response).select_one("[role=alert]") is not None
    assert len(pupils(app)) == 1


def test_same_pseudonym_in_another_class_is_fine(client: TestClient, app: Any) -> None:
    set_up_school(client)
    _, code_a = create_class(client, "7a")
    _, code_b = create_class(client, "7b")
    join(new_client(app), code_a, "Fuchs")
    join(new_client(app), code_b, "Fuchs")
    assert len(pupils(app)) == 2


# clean() and suggest() on their own


@pytest.mark.parametrize("name", BAD_PSEUDONYMS)
def test_clean_refuses(name: str) -> None:
    cleaned, problem = clean(BAD_PSEUDONYMS[name])
    assert cleaned is None
    assert problem in {"too_short", "too_long", "bad_character"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Müller-Lüdenscheidt 7", "Müller-Lüdenscheidt 7"),
        ("  Fuchs \t 7  ", "Fuchs 7"),
        ("Fuchs\r\nDachs", "Fuchs Dachs"),  # line breaks are whitespace, folded to one space
        ("O'Brien_2.0", "O'Brien_2.0"),
        ("Zoë", "Zoë"),
        ("Ab", "Ab"),
        ("A" * MAX_LENGTH, "A" * MAX_LENGTH),
        ("Ağaç Öztürk", "Ağaç Öztürk"),
        ("Ηλίας", "Ηλίας"),
    ],
)
def test_clean_accepts_and_normalises(raw: str, expected: str) -> None:
    assert clean(raw) == (expected, None)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("", "too_short"),
        ("A", "too_short"),
        ("A" * (MAX_LENGTH + 1), "too_long"),
        ("x" * 10_000, "too_long"),
        ("a\u202eb", "bad_character"),
        ("a<b", "bad_character"),
    ],
)
def test_clean_says_why(raw: str, problem: str) -> None:
    assert clean(raw) == (None, problem)


@pytest.mark.parametrize("language", ["de", "en", "fr"])
def test_suggestions_always_pass_clean(language: str) -> None:
    for _ in range(300):
        suggestion = suggest(language)
        assert clean(suggestion) == (suggestion, None)
        assert MIN_LENGTH <= len(suggestion) <= MAX_LENGTH


def test_suggestions_vary() -> None:
    assert len({suggest("de") for _ in range(50)}) > 10


def test_join_form_prefills_a_valid_suggestion(join_form: tuple[TestClient, str], app: Any) -> None:
    pupil, code = join_form
    prefilled = html(pupil.get(f"/join/{code}")).select_one("input[name=pseudonym]")["value"]
    assert clean(prefilled) == (prefilled, None)


# Extra form fields are ignored


def test_extra_fields_on_setup_are_ignored(client: TestClient, app: Any) -> None:
    response = client.post(
        "/setup",
        data={
            "school_name": "Gesamtschule Am See",
            "display_name": "Frau Berg",
            "email": "admin@schule.example",
            "password": PASSWORD,
            "role": "instance_admin",
            "school_id": "999",
            "disabled": "1",
            "id": "77",
        },
    )
    assert response.status_code == 200
    with app.state.lupe.db.read_session() as db:
        account = db.execute(select(Account)).scalar_one()
        school = db.execute(select(School)).scalar_one()
    assert account.role == Role.school_admin.value
    assert account.school_id == school.id != 999
    assert account.id != 77
    assert account.disabled is False


def test_extra_fields_on_join_are_ignored(client: TestClient, app: Any) -> None:
    set_up_school(client)
    class_id, code = create_class(client, "7a")
    other_class_id, _ = create_class(client, "7b")
    pupil = new_client(app)
    pupil.post("/join", data={"code": code, "class_id": str(other_class_id)})
    response = pupil.post(
        f"/join/{code.replace('-', '')}",
        data={
            "pseudonym": "Fuchs",
            "class_id": str(other_class_id),
            "school_id": "999",
            "role": "teacher",
            "id": "x" * 24,
        },
    )
    assert response.status_code == 200
    [stored] = pupils(app)
    assert stored.class_id == class_id
    assert stored.id != "x" * 24
    assert pupil.get("/teacher", follow_redirects=False).headers["location"].startswith("/login")
    with app.state.lupe.db.read_session() as db:
        assert db.get(Class, other_class_id) is not None


def test_extra_fields_on_an_answer_are_ignored(client: TestClient, app: Any) -> None:
    set_up_school(client)
    class_id, code = create_class(client)
    pack_id = open_pack(client, class_id)
    pupil = new_client(app)
    join(pupil, code, "Fuchs")
    key = str(pupil.get(f"/play/{pack_id}").url).rsplit("/", 1)[-1]
    with app.state.lupe.db.read_session() as db:
        from app.packs.models import Pack

        pack = db.get(Pack, pack_id_by_key(client, "echt-oder-erfunden"))
        item = app.state.lupe.packs.get(db, pack.current_version_id)["by_key"][key]
    wrong = "Fake" if item["answer"] == "Fakt" else "Fakt"
    response = pupil.post(
        f"/play/{pack_id}/items/{key}",
        data={
            "choice": wrong,
            "is_correct": "1",
            "score": "100",
            "pupil_id": "someone-else",
            "item_id": "1",
            "correct": "true",
        },
    )
    assert response.status_code == 200
    assert html(response).select_one(".feedback.right") is None
    with app.state.lupe.db.read_session() as db:
        [answer] = db.execute(select(Answer)).scalars().all()
    assert answer.is_correct is False
    assert answer.choice == wrong
    assert answer.pupil_id == pupils(app)[0].id
    assert not answer.score
