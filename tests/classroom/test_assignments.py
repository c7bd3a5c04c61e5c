"""Giving packs to a class: retest rounds belong to a pre-test, form B is suggested after form A."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.classroom.models import Assignment
from tests.conftest import create_class, html, open_pack, pack_id_by_key, set_up_school

pytestmark = pytest.mark.usefixtures("cheap_argon2")


def test_a_retest_round_belongs_to_a_pre_test_and_form_b_is_suggested(client: TestClient, app: Any) -> None:
    set_up_school(client)
    class_id, _ = create_class(client)
    pre = open_pack(client, class_id, "schlagzeilen-test-a", kind="pre")
    page = html(client.get(f"/teacher/classes/{class_id}"))
    suggested = page.select_one("#retest-pack option[selected]")
    assert suggested is not None and int(suggested["value"]) == pack_id_by_key(client, "schlagzeilen-test-b")
    post = open_pack(client, class_id, "schlagzeilen-test-b", kind="post", retest_of=pre)
    delayed = open_pack(client, class_id, "schlagzeilen-test-a", kind="delayed", retest_of=pre)
    with app.state.lupe.db.read_session() as db:
        rounds = db.execute(select(Assignment.id, Assignment.kind).where(Assignment.retest_of == pre)).all()
    assert sorted(rounds) == [(post, "post"), (delayed, "delayed")]
    listed = html(client.get(f"/teacher/classes/{class_id}")).select("#assignments li")
    assert len(listed) == 3 and any(f"/teacher/retests/{pre}" in str(li) for li in listed)


def test_a_post_test_without_a_pre_test_of_the_class_is_refused(client: TestClient) -> None:
    set_up_school(client)
    class_id, _ = create_class(client)
    other_class, _ = create_class(client, "9a")
    foreign_pre = open_pack(client, other_class, "schlagzeilen-test-a", kind="pre")
    practice = open_pack(client, class_id)
    pack_id = pack_id_by_key(client, "schlagzeilen-test-b")
    for form in (
        {"kind": "post"},
        {"kind": "post", "retest_of": foreign_pre},
        {"kind": "delayed", "retest_of": practice},
    ):
        response = client.post(f"/teacher/classes/{class_id}/assignments", data={"pack_id": pack_id, **form})
        assert response.status_code == 422, form
        assert html(response).select_one("#form-error") is not None
    response = client.post(f"/teacher/classes/{class_id}/assignments", data={"pack_id": pack_id, "kind": "quiz"})
    assert response.status_code == 422
