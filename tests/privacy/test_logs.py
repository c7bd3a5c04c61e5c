"""Logs hold no pseudonyms and no free text, through a whole class story (SECURITY.md case 29)."""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from app.accounts.models import School
from app.classroom.models import Pupil
from app.clock import now
from app.privacy.purge import run_purge
from tests.conftest import create_class, join, new_client, open_pack, set_up_school

PACK = "chain-messages"
PSEUDONYMS = ["Zorro Quill", "Nebel Kauz"]
TYPED = {"own-experience": "Mein Geheimnis Xylophon", "what-is-it-called": "Kettenzebra"}


def answer_typed_items(pupil: TestClient, assignment_id: int, number: int) -> None:
    for key, text in TYPED.items():
        assert pupil.get(f"/play/{assignment_id}/items/{key}").status_code == 200
        response = pupil.post(f"/play/{assignment_id}/items/{key}", data={"text": f"{text} {number}", "attempt": "1"})
        assert response.status_code == 200, response.text[:300]


def test_a_class_story_logs_no_pseudonym_and_no_typed_text(
    client: TestClient, app: Any, caplog: pytest.LogCaptureFixture, cheap_argon2: None
) -> None:
    caplog.set_level(logging.DEBUG)
    set_up_school(client)
    with app.state.lupe.db.writing() as db:
        db.execute(update(School).values(allow_reflection=True))
    class_id, code = create_class(client)
    assignment_id = open_pack(client, class_id, PACK)
    pupils = [new_client(app) for _ in PSEUDONYMS]
    for number, (pupil, pseudonym) in enumerate(zip(pupils, PSEUDONYMS, strict=True)):
        join(pupil, code, pseudonym)
        answer_typed_items(pupil, assignment_id, number)
    # mistakes are logged too: a name refused, a page that does not exist, a pupil URL that is not theirs
    pupils[0].post(f"/join/{code.replace('-', '')}", data={"pseudonym": "Zorro Quill<script>"})
    pupils[0].get("/nowhere/Zorro Quill")
    with app.state.lupe.db.read_session() as db:
        pupil_ids = list(db.execute(select(Pupil.id).order_by(Pupil.pseudonym)).scalars())  # type: ignore[call-overload]
    assert client.get(f"/teacher/classes/{class_id}").status_code == 200
    client.get(f"/teacher/classes/{class_id}/progress", headers={"HX-Request": "true"})
    assert client.get(f"/teacher/assignments/{assignment_id}/report").status_code == 200
    assert client.get(f"/teacher/assignments/{assignment_id}/report.csv").status_code == 200
    assert client.get(f"/privacy/classes/{class_id}").status_code == 200
    assert client.post(f"/privacy/classes/{class_id}/export").status_code == 200
    assert client.post(f"/privacy/pupils/{pupil_ids[0]}/export").status_code == 200
    client.post(f"/privacy/pupils/{pupil_ids[0]}/delete", data={"confirm": "wrong name"})
    client.post(f"/privacy/pupils/{pupil_ids[0]}/delete", data={"confirm": PSEUDONYMS[1]})
    run_purge(app.state.lupe.db, zone=ZoneInfo("Europe/Berlin"), at=now().replace(year=now().year + 2))

    # The test client logs its own requests (logger "httpx…"); that is the browser's side, not Lupe's.
    records = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    logged = "".join(f"{r.getMessage()} {vars(r)}" for r in records)
    assert "POST" in logged  # the story was logged at all
    secrets = PSEUDONYMS + [f"{text} {n}" for text in TYPED.values() for n in (0, 1)] + ["Xylophon", "Kettenzebra"]
    assert [s for s in secrets if s in logged or s.replace(" ", "%20") in logged] == []
