"""Schools are isolated tenants: nothing of school B is visible or changeable from any role of school A.

Every route of the app is tried (listed from the app itself, so a new route is covered the day it
appears) with school B's ids in its path: B's classes, assignments, packs (own and shared within B),
pupils, accounts, invitations and the school itself. No answer may carry B's names, and B's data
must be the same afterwards.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.accounts.models import Account, AccountLink, AuthSession, Role, School
from app.classroom.models import Assignment, Class, Pupil
from app.packs.models import Pack
from app.practice.models import Answer
from tests.accounts.helpers import shown_link
from tests.conftest import add_account, create_class, join, new_client, open_pack, set_up_school, signed_in

pytestmark = pytest.mark.usefixtures("cheap_argon2")

# What school B calls its things: none of it may appear in any answer to school A.
B_SECRETS = [
    "Realschule Bravo",
    "Bravo-Klasse 9z",
    "Bravo-Lehrerin",
    "lehrerin@bravo.example",
    "admin@bravo.example",
    "einladung@bravo.example",
    "Geheime Bravo-Lektion",
    "Geteilte Bravo-Lektion",
    "Luchsbravo",
]
# Routes whose path holds a capability rather than an id: whoever has the code or link may use it.
CAPABILITY_ROUTES = {"/join/{code}", "/invite/{token}", "/reset/{token}", "/media/{sha256}", "/static"}

PACK_MD = """---
id: {key}
title: {title}
version: 1.0.0
language: de
---

Hinweise.
"""
ITEMS_MD = """::: verdict {#eins answer=Fakt}
Stimmt das?

> [!EXPLAIN]
> Ja.
:::
"""


@dataclass
class Tenant:
    admin: TestClient
    teacher: TestClient
    pupil: TestClient
    ids: dict[str, list[Any]] = field(default_factory=dict)


def upload_pack(teacher: TestClient, key: str, title: str) -> int:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{key}/pack.md", PACK_MD.format(key=key, title=title))
        archive.writestr(f"{key}/01.md", ITEMS_MD)
    response = teacher.post("/teacher/packs/upload", files=[("files", ("p.zip", buffer.getvalue(), "application/zip"))])
    assert response.status_code in (200, 303), response.text
    with teacher.app.state.lupe.db.read_session() as db:  # type: ignore[attr-defined]
        return int(db.execute(select(Pack.id).where(Pack.key == key, Pack.school_id.is_not(None))).scalar_one())  # type: ignore[union-attr]


def build_school(app: Any, admin: TestClient, domain: str, names: dict[str, str]) -> Tenant:
    """A school with a teacher, a class, own and shared packs given to the class, a pupil who answered."""
    with app.state.lupe.db.read_session() as db:
        school_id = db.execute(select(Account.school_id).where(Account.email == f"admin@{domain}")).scalar_one()
    add_account(app, f"lehrerin@{domain}", school_id)
    with app.state.lupe.db.writing() as db:
        db.execute(
            Account.__table__.update()
            .where(Account.email == f"lehrerin@{domain}")
            .values(display_name=names["teacher"])
        )  # type: ignore[attr-defined]
    teacher = signed_in(app, f"lehrerin@{domain}")
    teacher.follow_redirects = True
    class_id, code = create_class(teacher, names["class"])
    own = upload_pack(teacher, f"geheim-{domain.split('.')[0]}", names["own_pack"])
    shared = upload_pack(teacher, f"geteilt-{domain.split('.')[0]}", names["shared_pack"])
    teacher.post(f"/teacher/packs/{shared}/share", data={"shared": "on"})
    assignments = [
        open_pack(teacher, class_id, key) for key in (f"geheim-{domain.split('.')[0]}", "echt-oder-erfunden")
    ]
    pupil = new_client(app)
    join(pupil, code, names["pupil"])
    assert pupil.post(f"/play/{assignments[0]}/items/eins", data={"choice": "Fakt"}).status_code == 200
    invitation = admin.post("/school/invitations", data={"email": f"einladung@{domain}", "role": "teacher"})
    shown_link(invitation)
    with app.state.lupe.db.read_session() as db:
        pupil_id = db.execute(select(Pupil.id).where(Pupil.class_id == class_id)).scalar_one()
        accounts = list(db.execute(select(Account.id).where(Account.school_id == school_id)).scalars())
        links = list(db.execute(select(AccountLink.id).where(AccountLink.school_id == school_id)).scalars())
    teacher.follow_redirects = pupil.follow_redirects = False
    ids = {
        "class_id": [class_id],
        "assignment_id": assignments,
        "pack_id": [own, shared],
        "pupil_id": [pupil_id],
        "school_id": [school_id],
        "account_id": accounts,
        "link_id": links,
        "item_key": ["eins"],
        "code": [code],
    }
    return Tenant(admin=admin, teacher=teacher, pupil=pupil, ids=ids)


@pytest.fixture
def schools(client: TestClient, app: Any) -> tuple[Tenant, Tenant]:
    set_up_school(client, "admin@alpha.example")
    client.follow_redirects = False
    add_account(app, "it@stadt.example", None, Role.instance_admin)
    it = signed_in(app, "it@stadt.example")
    invite = shown_link(it.post("/admin/schools", data={"school_name": B_SECRETS[0], "email": "admin@bravo.example"}))
    admin_b = new_client(app)
    assert (
        admin_b.post(invite, data={"display_name": "Bravo-Chefin", "password": "korrekt-pferd-batterie"}).status_code
        == 200
    )
    admin_b.follow_redirects = False
    alpha_names = {
        "teacher": "Alpha-Lehrer",
        "class": "Alpha 7a",
        "own_pack": "Alpha eigen",
        "shared_pack": "Alpha geteilt",
        "pupil": "Fuchsalpha",
    }
    bravo_names = {
        "teacher": "Bravo-Lehrerin",
        "class": "Bravo-Klasse 9z",
        "own_pack": "Geheime Bravo-Lektion",
        "shared_pack": "Geteilte Bravo-Lektion",
        "pupil": "Luchsbravo",
    }
    alpha = build_school(app, client, "alpha.example", alpha_names)
    bravo = build_school(app, admin_b, "bravo.example", bravo_names)
    return alpha, bravo


def all_routes(app: Any) -> Iterator[tuple[str, str]]:
    """(method, path) of every route, also those of routers included inside routers."""

    def walk(routes: list[Any]) -> Iterator[Any]:
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                yield from walk(inner.routes)
            else:
                yield route

    for route in walk(app.routes):
        for method in sorted(getattr(route, "methods", None) or []):
            if method in {"GET", "POST"}:
                yield method, route.path


PARAMETER = re.compile(r"{(\w+)(?::\w+)?}")


def urls_with(path: str, ids: dict[str, list[Any]]) -> list[str]:
    """``path`` filled with every combination of the given ids (one value per parameter at a time)."""
    names = PARAMETER.findall(path)
    if not names:
        return [path]
    urls = [path]
    for name in names:
        values = ids.get(name, ["1"])
        urls = [
            PARAMETER.sub(lambda m, v=v, n=name: str(v) if m.group(1) == n else m.group(0), url, count=0)
            for url in urls
            for v in values
        ]
    return urls


def snapshot(app: Any, school_id: int) -> dict[str, Any]:
    """Everything of school B that a stray request could change."""
    with app.state.lupe.db.read_session() as db:
        classes = select(Class.id).where(Class.school_id == school_id)
        return {
            "school": db.execute(
                select(School.name, School.admins_need_two_factor).where(School.id == school_id)
            ).all(),
            "accounts": db.execute(
                select(Account.email, Account.disabled, Account.password_hash, Account.totp_secret)
                .where(Account.school_id == school_id)
                .order_by(Account.id)
            ).all(),
            "sessions": db.execute(
                select(func.count()).select_from(AuthSession).join(Account).where(Account.school_id == school_id)
            ).scalar_one(),
            "links": db.execute(
                select(AccountLink.id, AccountLink.used_at)
                .where(AccountLink.school_id == school_id)
                .order_by(AccountLink.id)
            ).all(),
            "classes": db.execute(
                select(Class.id, Class.name, Class.is_open).where(Class.school_id == school_id)
            ).all(),
            "pupils": db.execute(select(Pupil.id, Pupil.pseudonym).where(Pupil.class_id.in_(classes))).all(),  # type: ignore[attr-defined]
            "assignments": db.execute(
                select(Assignment.id, Assignment.closed_at).where(Assignment.class_id.in_(classes))
            ).all(),  # type: ignore[attr-defined]
            "answers": db.execute(
                select(func.count()).select_from(Answer).join(Pupil).where(Pupil.class_id.in_(classes))
            ).scalar_one(),  # type: ignore[attr-defined]
            "packs": db.execute(
                select(Pack.id, Pack.shared, Pack.current_version_id)
                .where(Pack.school_id == school_id)
                .order_by(Pack.id)
            ).all(),
        }


def assert_no_secrets(response: Any, where: str) -> None:
    text = response.text + " ".join(f"{k}: {v}" for k, v in response.headers.items())
    for secret in B_SECRETS:
        assert secret not in text, f"{where} shows {secret!r} (status {response.status_code})"


FORM = {
    "name": "Kaperung",
    "email": "kaperung@alpha.example",
    "role": "teacher",
    "shared": "on",
    "choice": "Fakt",
    "confirm": "on",
    "kind": "practice",
}


@pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_nothing_of_school_b_is_visible_from_school_a(schools: tuple[Tenant, Tenant], app: Any) -> None:
    alpha, bravo = schools
    routes = [(m, p) for m, p in all_routes(app) if p not in CAPABILITY_ROUTES]
    assert ("GET", "/teacher/classes/{class_id}") in routes and ("GET", "/school/accounts") in routes
    # the machinery finds things: school A sees its own class, school B sees its own names
    own = alpha.teacher.get(f"/teacher/classes/{alpha.ids['class_id'][0]}")
    assert own.status_code == 200 and "Alpha 7a" in own.text
    assert "Bravo-Klasse 9z" in bravo.teacher.get(f"/teacher/classes/{bravo.ids['class_id'][0]}").text
    assert "einladung@bravo.example" in bravo.admin.get("/school/accounts").text
    before = snapshot(app, bravo.ids["school_id"][0])
    for role in ("admin", "teacher", "pupil"):
        browser: TestClient = getattr(alpha, role)
        for method, path in routes:
            for url in urls_with(path, bravo.ids):
                if method == "GET":
                    query = "?q=Bravo" if url == path else ""  # search, where a page has it
                    for header in ({}, {"HX-Request": "true"}):
                        response = browser.get(url + query, headers=header)
                        assert_no_secrets(response, f"{role} GET {url}")
                        if url != path:
                            assert response.status_code in (303, 404, 405), f"{role} GET {url}: {response.status_code}"
                elif url != path:
                    response = browser.post(url, data={**FORM, "pack_id": bravo.ids["pack_id"][0]})
                    assert_no_secrets(response, f"{role} POST {url}")
                    assert response.status_code in (303, 400, 404, 422), f"{role} POST {url}: {response.status_code}"
                    if response.status_code == 303:
                        location = response.headers["location"]
                        assert location.startswith(("/login", "/")) and "bravo" not in location.lower(), url
    # school A's own class may not be given school B's packs either
    for pack_id in bravo.ids["pack_id"]:
        response = alpha.teacher.post(
            f"/teacher/classes/{alpha.ids['class_id'][0]}/assignments", data={"pack_id": pack_id}
        )
        assert response.status_code == 404
        assert_no_secrets(response, "assigning B's pack")
    assert snapshot(app, bravo.ids["school_id"][0]) == before


def test_search_and_lists_of_school_a_show_nothing_of_b(schools: tuple[Tenant, Tenant], app: Any) -> None:
    alpha, _bravo = schools
    pages = [
        "/teacher",
        "/teacher/packs",
        "/teacher/packs?q=Bravo",
        "/school/accounts",
        "/account",
        "/play",
        "/privacy/school",
        "/privacy/school/audit",
    ]
    for role in ("admin", "teacher", "pupil"):
        browser: TestClient = getattr(alpha, role)
        for url in pages:
            response = browser.get(url)
            assert_no_secrets(response, f"{role} GET {url}")
    assert "Alpha eigen" in alpha.teacher.get("/teacher/packs").text  # the page does list packs
