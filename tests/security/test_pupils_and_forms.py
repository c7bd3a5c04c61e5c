"""SECURITY.md #10 (a pupil cannot read another pupil's answers) and #11 (extra form fields that
would set what the server decides are ignored) where tests elsewhere do not reach: classmates, class
creation and accepting an invitation. Joining, answering and setup: tests/security/test_pseudonyms.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.accounts.models import Account, Role, School
from app.classroom.models import Class
from tests.accounts.helpers import shown_link
from tests.conftest import (
    PASSWORD,
    add_account,
    add_school,
    create_class,
    html,
    join,
    new_client,
    open_pack,
    set_up_school,
)

pytestmark = pytest.mark.usefixtures("cheap_argon2")


def test_a_classmate_sees_nothing_of_another_pupils_answers(client: TestClient, app: Any) -> None:
    set_up_school(client)
    class_id, code = create_class(client)
    assignment_id = open_pack(client, class_id)
    fuchs, luchs = new_client(app), new_client(app)
    join(fuchs, code, "Fuchs")
    join(luchs, code, "Luchs")
    item = str(fuchs.get(f"/play/{assignment_id}").url).rsplit("/", 1)[-1]
    answered = fuchs.post(f"/play/{assignment_id}/items/{item}", data={"choice": "Fakt"})
    assert answered.status_code == 200
    assert html(answered).select_one("[name=choice]") is None  # Fuchs sees feedback, no form
    for url in ["/play", "/play/progress", f"/play/{assignment_id}/items/{item}", f"/play/{assignment_id}/summary"]:
        page = luchs.get(url)
        assert page.status_code == 200, url
        assert "Fuchs" not in page.text, url
    item_page = html(luchs.get(f"/play/{assignment_id}/items/{item}"))
    assert item_page.select("[name=choice]"), "Luchs still gets the question, not Fuchs's feedback"
    summary = luchs.get(f"/play/{assignment_id}/summary").text
    assert summary == luchs.get(f"/play/{assignment_id}/summary").text  # stable: nothing of Fuchs in it
    fuchs_summary = fuchs.get(f"/play/{assignment_id}/summary").text
    assert summary != fuchs_summary


def test_extra_fields_on_a_new_class_are_ignored(client: TestClient, app: Any) -> None:
    set_up_school(client)
    other_school = add_school(app, "Andere Schule")
    colleague = add_account(app, "kollegin@schule.example", None)
    response = client.post(
        "/teacher/classes",
        data={
            "name": "7k",
            "school_id": other_school,
            "teacher_id": colleague,
            "is_open": "false",
            "join_code": "AAAA",
        },
    )
    assert response.status_code == 200
    with app.state.lupe.db.read_session() as db:
        admin = db.execute(select(Account).where(Account.email == "admin@schule.example")).scalar_one()
        made = db.execute(select(Class).where(Class.name == "7k")).scalar_one()
    assert (made.school_id, made.teacher_id, made.is_open) == (admin.school_id, admin.id, True)
    assert made.join_code != "AAAA"


def test_extra_fields_when_accepting_an_invitation_are_ignored(client: TestClient, app: Any) -> None:
    set_up_school(client)
    other_school = add_school(app, "Andere Schule")
    client.follow_redirects = False
    link = shown_link(client.post("/school/invitations", data={"email": "neu@schule.example", "role": "teacher"}))
    stranger = new_client(app)
    response = stranger.post(
        link,
        data={
            "display_name": "Neu",
            "password": PASSWORD,
            "role": Role.instance_admin.value,
            "school_id": other_school,
            "email": "boss@andere.example",
            "disabled": "false",
        },
    )
    assert response.status_code == 200, response.text
    with app.state.lupe.db.read_session() as db:
        made = db.execute(select(Account).where(Account.display_name == "Neu")).scalar_one()
        home = db.execute(select(School.id).where(School.name != "Andere Schule")).scalar_one()
    assert (made.email, made.role, made.school_id) == ("neu@schule.example", Role.teacher, home)


def test_a_school_admin_cannot_invite_an_instance_admin(client: TestClient, app: Any) -> None:
    set_up_school(client)
    response = client.post("/school/invitations", data={"email": "it@schule.example", "role": "instance_admin"})
    assert response.status_code in (400, 422)
    with app.state.lupe.db.read_session() as db:
        from app.accounts.models import AccountLink

        assert db.execute(select(AccountLink)).first() is None
