"""Join codes and resume codes: entropy, attempt limits, hashing, expiry when a class closes."""

from __future__ import annotations

import math
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from app.accounts.models import Account
from app.classroom.models import Class, Pupil
from app.classroom.services import create_class as create_class_row
from app.models import metadata
from app.security.codes import ALPHABET, digest, normalise
from tests.conftest import create_class, html, join, new_client, set_up_school


def alert_text(response: Any) -> str:
    alert = html(response).select_one("[role=alert]")
    assert alert is not None, response.text
    return alert.get_text(" ", strip=True)


def pupil_count(app: Any) -> int:
    with app.state.lupe.db.read_session() as db:
        return int(db.execute(select(func.count()).select_from(Pupil)).scalar_one())


def wrong_codes(count: int, length: int, real: str) -> list[str]:
    codes = [(ALPHABET[n % 31] + ALPHABET[(n // 31) % 31]) * (length // 2) for n in range(count + 1)]
    return [c for c in codes if c != normalise(real)][:count]


def test_alphabet_has_no_look_alikes_and_enough_entropy() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 31
    assert not set("01OIL") & set(ALPHABET)
    assert math.log2(len(ALPHABET)) * 8 >= 39  # join code: 31^8 ≈ 8.5e11
    assert math.log2(len(ALPHABET)) * 12 >= 59  # resume code: 31^12 ≈ 7.9e17


def test_join_codes_are_random_unique_and_well_formed(client: TestClient, app: Any) -> None:
    set_up_school(client)
    with app.state.lupe.db.writing() as db:
        account = db.execute(select(Account)).scalar_one()
        codes = [
            create_class_row(db, school_id=account.school_id, teacher_id=account.id, name=f"K{n}").join_code
            for n in range(60)
        ]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert len(code) == 8
        assert set(code) <= set(ALPHABET)
    used = set("".join(codes))
    assert len(used) >= 25  # 480 draws from 31 letters: a fixed or narrow generator would show here
    class_id, shown = create_class(client)
    assert len(shown.replace("-", "")) == 8


def test_wrong_join_code_gets_a_clear_message(client: TestClient, app: Any) -> None:
    set_up_school(client)
    _, code = create_class(client)
    pupil = new_client(app)
    response = pupil.post("/join", data={"code": wrong_codes(1, 8, code)[0]})
    assert response.status_code == 422
    assert "Code" in alert_text(response)
    assert html(response).select_one("input[name=code]")["aria-invalid"] == "true"
    assert pupil.get(f"/join/{wrong_codes(1, 8, code)[0]}").status_code == 404


def test_join_codes_cannot_be_brute_forced(client: TestClient, app: Any) -> None:
    set_up_school(client)
    _, code = create_class(client)
    guesser = new_client(app)
    for wrong in wrong_codes(40, 8, code):
        assert guesser.post("/join", data={"code": wrong}).status_code == 422
    response = guesser.post("/join", data={"code": code})
    assert response.status_code == 429
    assert html(response).select_one("input[name=pseudonym]") is None
    assert alert_text(response)
    assert guesser.get(f"/join/{code.replace('-', '')}").status_code == 429
    response = guesser.post(f"/join/{code.replace('-', '')}", data={"pseudonym": "Fuchs"})
    assert response.status_code == 429
    assert pupil_count(app) == 0


def test_resume_codes_are_long_and_stored_only_hashed(client: TestClient, app: Any) -> None:
    set_up_school(client)
    _, code = create_class(client)
    shown = join(new_client(app), code, "Fuchs")
    resume_code = normalise(shown)
    assert len(resume_code) == 12
    assert set(resume_code) <= set(ALPHABET)
    with app.state.lupe.db.read_session() as db:
        stored = db.execute(select(Pupil.resume_code_hash)).scalar_one()
        every_value = [
            str(value)
            for table in metadata.sorted_tables
            for row in db.execute(select(table)).all()
            for value in row
            if value is not None
        ]
    assert stored == digest(resume_code)
    for form in (resume_code, shown, resume_code.lower()):
        assert not any(form in value for value in every_value), form


def test_wrong_resume_codes_are_limited(client: TestClient, app: Any) -> None:
    set_up_school(client)
    _, code = create_class(client)
    resume_code = join(new_client(app), code, "Fuchs")
    guesser = new_client(app)
    first = guesser.post("/resume", data={"resume_code": wrong_codes(1, 12, resume_code)[0]})
    assert first.status_code == 422
    assert alert_text(first)
    for wrong in wrong_codes(40, 12, resume_code)[1:]:
        assert guesser.post("/resume", data={"resume_code": wrong}).status_code == 422
    response = guesser.post("/resume", data={"resume_code": resume_code}, follow_redirects=False)
    assert response.status_code == 429
    assert "set-cookie" not in response.headers
    assert alert_text(response) != alert_text(first)


def test_closing_a_class_ends_its_codes_and_sessions(client: TestClient, app: Any) -> None:
    set_up_school(client)
    class_id, code = create_class(client)
    pupil = new_client(app)
    resume_code = join(pupil, code, "Fuchs")
    assert pupil.get("/play", follow_redirects=False).status_code == 200
    with app.state.lupe.db.writing() as db:
        db.execute(update(Class).where(Class.id == class_id).values(is_open=False))

    response = pupil.get("/play", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    newcomer = new_client(app)
    response = newcomer.post("/join", data={"code": code})
    assert response.status_code == 422
    assert html(response).select_one("input[name=pseudonym]") is None
    assert newcomer.get(f"/join/{code.replace('-', '')}").status_code == 404
    assert newcomer.post(f"/join/{code.replace('-', '')}", data={"pseudonym": "Luchs"}).status_code == 404
    assert pupil_count(app) == 1
    response = new_client(app).post("/resume", data={"resume_code": resume_code}, follow_redirects=False)
    assert response.status_code == 422
    assert "set-cookie" not in response.headers
