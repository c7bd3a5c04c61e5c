"""The data-protection pages: who may use them, bounded retention values, confirmations, the audit log."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.accounts.models import Account, Role, School
from app.accounts.services import create_account
from app.classroom.models import Class, Pupil
from app.privacy.models import AuditEntry, RetentionPolicy
from tests.conftest import PASSWORD, html, new_client, set_up_school, signed_in
from tests.privacy.world import SchoolWorld, add_classes

pytestmark = pytest.mark.usefixtures("cheap_argon2")


@dataclass
class People:
    app: Any
    admin: TestClient
    teacher: TestClient  # runs the classes of ``world``
    colleague: TestClient
    stranger_admin: TestClient
    instance_admin: TestClient
    anonymous: TestClient
    world: SchoolWorld


@pytest.fixture
def people(client: TestClient, app: Any) -> People:
    set_up_school(client, "admin@eins.example")
    client.follow_redirects = False
    with app.state.lupe.db.writing() as db:
        school_id = db.execute(select(School.id)).scalar_one()
        other = School(name="Realschule Am Berg")
        db.add(other)
        db.flush()
        ids = {}
        for email, school, role in [
            ("lehrer@eins.example", school_id, Role.teacher),
            ("kollegin@eins.example", school_id, Role.teacher),
            ("admin@zwei.example", other.id, Role.school_admin),
            ("instanz@stadt.example", None, Role.instance_admin),
        ]:
            account = create_account(
                db, school_id=school, email=email, display_name=email[:6], password=PASSWORD, role=role
            )
            ids[email] = account.id
        world = SchoolWorld(school_id=school_id, teacher_id=ids["lehrer@eins.example"])
        add_classes(db, world, "Rt")
    anonymous = new_client(app)
    anonymous.follow_redirects = False
    return People(
        app,
        client,
        signed_in(app, "lehrer@eins.example"),
        signed_in(app, "kollegin@eins.example"),
        signed_in(app, "admin@zwei.example"),
        signed_in(app, "instanz@stadt.example"),
        anonymous,
        world,
    )


def audit_actions(app: Any) -> list[tuple[str, str | None]]:
    with app.state.lupe.db.read_session() as db:
        rows = db.execute(select(AuditEntry.action, AuditEntry.subject_id).order_by(AuditEntry.id))  # type: ignore[call-overload]
        return [tuple(row) for row in rows]


# Retention


def test_only_the_school_admin_sees_the_retention_page(people: People) -> None:
    page = people.admin.get("/privacy/school", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert html(page).select_one("input#grace-days")["value"] == "90"
    assert re.search(r"are deleted on October 29, 20\d\d", page.text)
    for browser in (people.teacher, people.colleague, people.instance_admin):
        assert browser.get("/privacy/school").status_code == 404
    assert people.anonymous.get("/privacy/school").status_code == 303


def test_the_retention_page_speaks_german(people: People) -> None:
    people.admin.cookies.set("lupe_lang", "de")
    page = people.admin.get("/privacy/school")
    assert html(page).h1.get_text(strip=True) == "Datenschutz"


@pytest.mark.parametrize(("field", "value"), [("grace_days", "400"), ("year_end_day", "31x"), ("audit_days", "10")])
def test_bad_retention_values_are_refused_with_a_message(people: People, field: str, value: str) -> None:
    values = {
        "year_end_month": "7",
        "year_end_day": "31",
        "grace_days": "90",
        "free_text_days": "30",
        "audit_days": "365",
    }
    response = people.admin.post("/privacy/school/retention", data={**values, field: value})
    assert response.status_code == 422
    assert html(response).select_one("[role=alert]").get_text(strip=True)
    with people.app.state.lupe.db.read_session() as db:
        assert db.execute(select(func.count()).select_from(RetentionPolicy)).scalar_one() == 0


def test_the_school_admin_changes_retention(people: People) -> None:
    values = {
        "year_end_month": "6",
        "year_end_day": "30",
        "grace_days": "60",
        "free_text_days": "14",
        "audit_days": "730",
    }
    response = people.admin.post("/privacy/school/retention", data={**values, "school_id": "999"})
    assert response.status_code == 303
    with people.app.state.lupe.db.read_session() as db:
        row = db.get(RetentionPolicy, people.world.school_id)
        assert row is not None and (row.grace_days, row.free_text_days, row.audit_days) == (60, 14, 730)
    assert ("retention.change", str(people.world.school_id)) in audit_actions(people.app)
    assert people.teacher.post("/privacy/school/retention", data=values).status_code == 404


# Export


def zip_of(response: Any) -> zipfile.ZipFile:
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_teacher_exports_their_class_and_their_pupils_only(people: People) -> None:
    class_id = people.world.class_ids[0]
    archive = zip_of(people.teacher.post(f"/privacy/classes/{class_id}/export"))
    assert {"classes.csv", "classes.json", "pupils.csv", "answers.csv", "answers.json", "manifest.json"} <= set(
        archive.namelist()
    )
    pupils = archive.read("pupils.csv").decode("utf-8-sig")
    assert people.world.pseudonyms[0] in pupils and people.world.pseudonyms[2] not in pupils
    disposition = people.teacher.post(f"/privacy/classes/{class_id}/export").headers["content-disposition"]
    assert disposition.startswith(f'attachment; filename="lupe-class-{class_id}-')
    for browser in (people.colleague, people.stranger_admin, people.instance_admin):
        assert browser.post(f"/privacy/classes/{class_id}/export").status_code == 404
    pupil = people.world.pupil_ids[0]
    archive = zip_of(people.teacher.post(f"/privacy/pupils/{pupil}/export"))
    assert people.world.pseudonyms[1] not in archive.read("pupils.csv").decode("utf-8-sig")
    assert people.colleague.post(f"/privacy/pupils/{pupil}/export").status_code == 404
    assert people.teacher.get(f"/privacy/classes/{class_id}/export").status_code == 405  # no download by GET
    actions = audit_actions(people.app)
    assert ("class.export", str(class_id)) in actions and ("pupil.export", pupil) in actions


def test_school_admin_exports_the_whole_school(people: People) -> None:
    archive = zip_of(people.admin.post("/privacy/school/export"))
    names = set(archive.namelist())
    assert {"school.json", "accounts.csv", "packs.csv", "audit_log.csv", "answers.csv"} <= names
    accounts = archive.read("accounts.csv").decode("utf-8-sig")
    assert "lehrer@eins.example" in accounts and "admin@zwei.example" not in accounts and "password" not in accounts
    assert people.teacher.post("/privacy/school/export").status_code == 404
    assert people.stranger_admin.post("/privacy/school/export").status_code == 200  # their own school, not ours
    stranger = zip_of(people.stranger_admin.post("/privacy/school/export"))
    assert people.world.pseudonyms[0] not in stranger.read("pupils.csv").decode("utf-8-sig")


# Deletion


def pupil_exists(app: Any, pupil_id: str) -> bool:
    with app.state.lupe.db.read_session() as db:
        return db.get(Pupil, pupil_id) is not None


def test_deleting_a_pupil_needs_their_name_typed(people: People) -> None:
    pupil, name = people.world.pupil_ids[0], people.world.pseudonyms[0]
    page = people.teacher.get(f"/privacy/pupils/{pupil}/delete")
    assert page.status_code == 200 and html(page).select_one("input#confirm")
    wrong = people.teacher.post(f"/privacy/pupils/{pupil}/delete", data={"confirm": name + "x"})
    assert wrong.status_code == 422 and pupil_exists(people.app, pupil)
    assert people.colleague.post(f"/privacy/pupils/{pupil}/delete", data={"confirm": name}).status_code == 404
    assert people.colleague.get(f"/privacy/pupils/{pupil}/delete").status_code == 404
    done = people.teacher.post(f"/privacy/pupils/{pupil}/delete", data={"confirm": f"  {name} "})
    assert done.status_code == 303 and not pupil_exists(people.app, pupil)
    assert ("pupil.delete", None) in audit_actions(people.app)
    assert people.teacher.post(f"/privacy/pupils/{pupil}/delete", data={"confirm": name}).status_code == 404


def test_deleting_a_class_needs_its_name_and_the_right_person(people: People) -> None:
    class_id = people.world.class_ids[0]
    assert people.colleague.post(f"/privacy/classes/{class_id}/delete", data={"confirm": "1Rt"}).status_code == 404
    assert people.teacher.post(f"/privacy/classes/{class_id}/delete", data={"confirm": "2Rt"}).status_code == 422
    assert people.admin.post(f"/privacy/classes/{class_id}/delete", data={"confirm": "1Rt"}).status_code == 303
    with people.app.state.lupe.db.read_session() as db:
        assert db.get(Class, class_id) is None
        assert not pupil_exists(people.app, people.world.pupil_ids[0])
        assert db.get(Class, people.world.class_ids[1]) is not None


def test_only_the_instance_admin_deletes_a_school(people: People) -> None:
    school_id = people.world.school_id
    assert people.admin.get(f"/privacy/schools/{school_id}/delete").status_code == 404
    assert (
        people.admin.post(f"/privacy/schools/{school_id}/delete", data={"confirm": "Gesamtschule Am See"}).status_code
        == 404
    )
    assert people.instance_admin.get(f"/privacy/schools/{school_id}/delete").status_code == 200
    wrong = people.instance_admin.post(f"/privacy/schools/{school_id}/delete", data={"confirm": "Gesamtschule"})
    assert wrong.status_code == 422
    done = people.instance_admin.post(f"/privacy/schools/{school_id}/delete", data={"confirm": "Gesamtschule Am See"})
    assert done.status_code == 200
    with people.app.state.lupe.db.read_session() as db:
        assert db.get(School, school_id) is None
        assert (
            db.execute(select(func.count()).select_from(Account).where(Account.school_id == school_id)).scalar_one()
            == 0
        )  # type: ignore[arg-type]
    assert ("school.delete", str(school_id)) in audit_actions(people.app)
    assert people.admin.get("/privacy/school").status_code in (303, 404)  # the admin's account is gone


# The class's data page and the audit log


def test_the_class_data_page_lists_pupils_and_is_audited_once(people: People) -> None:
    class_id = people.world.class_ids[0]
    page = people.teacher.get(f"/privacy/classes/{class_id}")
    assert page.status_code == 200 and people.world.pseudonyms[0] in page.text
    people.teacher.get(f"/privacy/classes/{class_id}")
    assert audit_actions(people.app).count(("class.view", str(class_id))) == 1
    assert people.colleague.get(f"/privacy/classes/{class_id}").status_code == 404


def test_the_audit_log_is_paginated_and_holds_no_pseudonyms(people: People) -> None:
    with people.app.state.lupe.db.writing() as db:
        for number in range(120):
            db.add(
                AuditEntry(
                    school_id=people.world.school_id,
                    actor_kind="account",
                    actor_account_id=people.world.teacher_id,
                    action="class.view",
                    subject_type="class",
                    subject_id=str(number),
                )
            )
        db.add(AuditEntry(school_id=None, actor_kind="system", action="elsewhere", subject_type="school"))
    first = html(people.admin.get("/privacy/school/audit"))
    assert len(first.select("tbody tr")) == 50
    last = people.admin.get("/privacy/school/audit?page=3")
    assert len(html(last).select("tbody tr")) == 20 and "elsewhere" not in last.text
    assert len(html(people.admin.get("/privacy/school/audit?page=99")).select("tbody tr")) == 20
    assert people.admin.get("/privacy/school/audit?page=x").status_code == 400
    for name in people.world.pseudonyms:
        assert name not in first.text
    assert people.teacher.get("/privacy/school/audit").status_code == 404
    assert len(html(people.stranger_admin.get("/privacy/school/audit")).select("tbody tr")) == 0


def test_the_class_page_and_its_progress_polls_are_audited_once_per_viewer(people: People) -> None:
    class_id = people.world.class_ids[0]
    assert people.teacher.get(f"/teacher/classes/{class_id}").status_code == 200
    for _ in range(3):
        people.teacher.get(f"/teacher/classes/{class_id}/progress", headers={"HX-Request": "true"})
    people.admin.get(f"/teacher/classes/{class_id}")
    with people.app.state.lupe.db.read_session() as db:
        viewers = db.execute(
            select(AuditEntry.actor_account_id).where(AuditEntry.action == "class.view")  # type: ignore[call-overload]
        ).scalars()
        assert sorted(viewers) == sorted([people.world.teacher_id, 1])
