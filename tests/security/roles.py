"""One world with every role of SECURITY.md, for the route × role matrix.

Two schools; in school A the class of "teacher" (with a self-paced and a live assignment of the
teacher's own pack, a pupil who answered) and the class of "colleague"; in school B a teacher, a
class and an admin; an instance admin; a target account, an invitation and a reset link in school A.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx2 as httpx
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.accounts.models import Account, AccountLink, Role
from app.classroom.models import Assignment, Pupil
from app.packs.models import Pack, PackMedia
from app.security.sessions import COOKIE_NAME
from tests.accounts.helpers import shown_link
from tests.conftest import PASSWORD, add_account, add_school, create_class, join, new_client, open_pack, set_up_school

# The roles of SECURITY.md, in the order of the columns of the expected table.
ROLES = (
    "anonymous",
    "pupil",  # pupil of the class
    "pupil_elsewhere",  # pupil of another class of the same school
    "teacher",  # teacher of the class
    "colleague",  # another teacher of the same school
    "stranger",  # teacher of another school
    "admin",  # admin of the class's school
    "other_admin",  # admin of another school
    "instance_admin",
)
OWN_PACK = "eigene-lektion"
PACK_MD = """---
id: {key}
title: Eigene Lektion
version: 1.0.0
language: de
---

Hinweise für die Klasse.
"""
ITEMS_MD = """::: verdict {#eins answer=Fakt}
Stimmt das?

> [!EXPLAIN]
> Ja.
:::

::: verdict {#zwei answer=Fake}
Und das?

> [!EXPLAIN]
> Nein.
:::
"""


def pack_zip(key: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{key}/pack.md", PACK_MD.format(key=key))
        archive.writestr(f"{key}/01.md", ITEMS_MD)
    return buffer.getvalue()


@dataclass
class World:
    app: Any
    browsers: dict[str, Any]  # TestClients, or httpx clients of a running server
    ids: dict[str, Any] = field(default_factory=dict)

    def cookie(self, role: str) -> str | None:
        return self.browsers[role].cookies.get(COOKIE_NAME)


def _upload(teacher: httpx.Client, key: str) -> int:
    response = teacher.post("/teacher/packs/upload", files=[("files", ("p.zip", pack_zip(key), "application/zip"))])
    assert response.status_code in (200, 303), response.text
    with teacher.app.state.lupe.db.read_session() as db:  # type: ignore[attr-defined]
        return int(db.execute(select(Pack.id).where(Pack.key == key, Pack.school_id.is_not(None))).scalar_one())  # type: ignore[union-attr]


def _school_id(app: Any, email: str) -> int:
    with app.state.lupe.db.read_session() as db:
        return int(db.execute(select(Account.school_id).where(Account.email == email)).scalar_one())


def build_world(app: Any, main: httpx.Client, new_browser: Callable[[], httpx.Client] | None = None) -> World:
    """Every role signed in its own browser (``main`` is the admin of school A); none follows redirects.

    ``new_browser`` makes another browser (a TestClient of ``app`` unless given: the browser tests pass
    httpx clients of a running server, with ``app`` standing in for its database).
    """
    new_browser = new_browser or (lambda: new_client(app))

    def signed_in(email: str) -> httpx.Client:
        browser = new_browser()
        response = browser.post("/login", data={"email": email, "password": PASSWORD}, follow_redirects=False)
        assert response.status_code == 303, response.text
        browser.follow_redirects = False
        return browser

    set_up_school(main, "admin@a.example")
    school_a = _school_id(app, "admin@a.example")
    school_b = add_school(app, "Realschule B")
    for email, school, role in [
        ("lehrer@a.example", school_a, Role.teacher),
        ("kollegin@a.example", school_a, Role.teacher),
        ("ziel@a.example", school_a, Role.teacher),  # the account the admin routes act on
        ("lehrer@b.example", school_b, Role.teacher),
        ("admin@b.example", school_b, Role.school_admin),
        ("it@stadt.example", None, Role.instance_admin),
    ]:
        add_account(app, email, school, role)
    teacher, colleague = signed_in("lehrer@a.example"), signed_in("kollegin@a.example")
    stranger = signed_in("lehrer@b.example")
    for browser in (teacher, colleague, stranger):
        browser.follow_redirects = True
    class_id, code = create_class(teacher, "7a")
    _other_class, other_code = create_class(colleague, "7b")
    create_class(stranger, "9z")
    pack_id = _upload(teacher, OWN_PACK)
    assignment_id = open_pack(teacher, class_id, OWN_PACK)
    live_id = open_pack(teacher, class_id, "echt-oder-erfunden", kind="live")
    pre_id = open_pack(teacher, class_id, "schlagzeilen-test-a", kind="pre")
    pupil, pupil_elsewhere = new_browser(), new_browser()
    join(pupil, code, "Fuchs")
    join(pupil_elsewhere, other_code, "Luchs")
    assert pupil.post(f"/play/{assignment_id}/items/eins", data={"choice": "Fakt"}).status_code == 200
    invitation = shown_link(main.post("/school/invitations", data={"email": "neu@a.example", "role": "teacher"}))
    target = _account_id(app, "ziel@a.example")
    reset = shown_link(main.post(f"/school/accounts/{target}/reset-link"))
    with app.state.lupe.db.read_session() as db:
        link_id = db.execute(select(AccountLink.id).where(AccountLink.email == "neu@a.example")).scalar_one()
        pupil_id = db.execute(select(Pupil.id).where(Pupil.class_id == class_id)).scalar_one()
        sha256 = db.execute(select(PackMedia.sha256)).scalars().first()
        live_item = _first_live_item(app, live_id)
    anonymous = new_browser()
    browsers = {
        "anonymous": anonymous,
        "pupil": pupil,
        "pupil_elsewhere": pupil_elsewhere,
        "teacher": teacher,
        "colleague": colleague,
        "stranger": stranger,
        "admin": main,
        "other_admin": signed_in("admin@b.example"),
        "instance_admin": signed_in("it@stadt.example"),
    }
    for browser in browsers.values():
        browser.follow_redirects = False
    ids = {
        "class_id": class_id,
        "assignment_id": assignment_id,
        "live_id": live_id,
        "pre_id": pre_id,
        "item_key": "eins",
        "live_item": live_item,
        "pack_id": pack_id,
        "pupil_id": pupil_id,
        "school_id": school_a,
        "account_id": target,
        "link_id": link_id,
        "invite_token": invitation.rsplit("/", 1)[-1],
        "reset_token": reset.rsplit("/", 1)[-1],
        "code": code.replace("-", ""),
        "sha256": sha256,
    }
    return World(app=app, browsers=browsers, ids=ids)


def _account_id(app: Any, email: str) -> int:
    with app.state.lupe.db.read_session() as db:
        return int(db.execute(select(Account.id).where(Account.email == email)).scalar_one())


def _first_live_item(app: Any, live_id: int) -> str:
    lupe = app.state.lupe
    with lupe.db.read_session() as db:
        assignment = db.get(Assignment, live_id)
        assert assignment is not None
        compiled = lupe.packs.current(db, assignment.pack_id)
    return str(compiled["items"][0]["key"])


def stream_status(main: TestClient, path: str, cookie: str | None, seconds: float = 5) -> int:
    """The status of an event stream, read from its first message; then the client "goes away".

    TestClient waits for a whole body, which a stream never finishes; this speaks ASGI directly.
    """
    status: list[int] = []

    async def run() -> None:
        started = anyio.Event()
        first = True

        async def receive() -> dict[str, Any]:
            nonlocal first
            if first:
                first = False
                return {"type": "http.request", "body": b"", "more_body": False}
            await started.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
                started.set()

        headers = [(b"host", b"testserver")]
        if cookie:
            headers.append((b"cookie", f"{COOKIE_NAME}={cookie}".encode()))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("testclient", 50000),
            "server": ("testserver", 80),
        }
        with anyio.fail_after(seconds):
            await main.app(scope, receive, send)  # type: ignore[arg-type]

    assert main.portal is not None
    main.portal.call(run)
    return status[0]


def world_app_settings(tmp: Path, template: Path) -> Any:
    """Settings of a fresh SQLite copy of the migrated template (no daily purge: it writes in the background)."""
    import shutil

    from app.settings import Settings
    from tests.conftest import LESSONS

    shutil.copy(template, tmp / "lupe.sqlite3")
    return Settings(
        data_dir=tmp, secret_key="test-secret-key", lessons_dir=LESSONS, purge_daily=False, access_log=False
    )


def cheap_hashing() -> Iterator[None]:
    """Argon2 with tiny costs for a module-scoped world (the cheap_argon2 fixture is per test)."""
    import pytest
    from argon2 import PasswordHasher

    from app.security import passwords

    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    dummy = hasher.hash("dummy")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", hasher)
        patch.setattr(passwords, "_dummy_hash", lambda: dummy)
        yield
