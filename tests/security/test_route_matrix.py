"""Every route × every role (SECURITY.md, "Roles and tenants"): the status each role gets.

The routes are listed from the app itself: a route without a row in TABLE fails, and so does a
row for a route that no longer exists. Where a role is refused (sent to sign in, 403, 404, 405,
409, 422 …) nothing in the database may change. POSTs carry a harmless but valid form with
same-origin headers, so that they reach the authorisation check.

To add a route: add a row to TABLE (columns in the order of ROLES), and if its path has a new
parameter, a value in ``fill``; if a POST needs fields that FORM lacks, an entry in ``forms``.
``observed(world)`` gives the rows as the app answers now, to compare with a reviewed TABLE.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.security.ratelimit import Limits
from tests.accounts.test_tenant_isolation import all_routes
from tests.security.roles import ROLES, World, build_world, cheap_hashing, pack_zip, stream_status, world_app_settings
from tests.security.test_cross_site import snapshot

# LUPE_MATRIX_DIAGNOSE=1: snapshot every table around each request, to name what a refused one changed (slow).
DIAGNOSE = os.environ.get("LUPE_MATRIX_DIAGNOSE") == "1"

L = "login"  # 303 to /login?next=…: sign in first
H = "home"  # 303 to /: join a class first
F = "2fa"  # 303 to /account/two-factor (not used by the roles here, kept for new rows)
SAME_ORIGIN = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}

# (method, path) → expected outcome per role, in the order of ROLES:
#  anonymous, pupil, pupil_elsewhere, teacher, colleague, stranger, admin, other_admin, instance_admin
# POST rows run in this order, so the world stays usable (close before reopen, disable before enable, logout last).
TABLE: dict[tuple[str, str], tuple[Any, ...]] = {
    # anonymous, pupil, pupil_elsewhere, teacher, colleague, stranger, admin, other_admin, instance_admin
    # Everyone: the start, health, sign-in, joining, capability links (the token is the permission)
    ("GET", "/"): (200, 303, 303, 200, 200, 200, 200, 200, 200),
    ("GET", "/healthz"): (200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "/setup"): (303, 303, 303, 303, 303, 303, 303, 303, 303),
    ("GET", "/login"): (200, 200, 200, 303, 303, 303, 303, 303, 303),
    ("GET", "/login/code"): (303, 303, 303, 303, 303, 303, 303, 303, 303),
    ("GET", "/join/{code}"): (200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "/resume"): (200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "/invite/{token}"): (200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "/reset/{token}"): (200, 200, 200, 200, 200, 200, 200, 200, 200),
    # Pictures by content hash: anyone signed in (SECURITY.md known limit, docs/security.md)
    ("GET", "/media/{sha256}"): (404, 200, 200, 200, 200, 200, 200, 200, 200),
    # Any account
    ("GET", "/account"): (L, L, L, 200, 200, 200, 200, 200, 200),
    ("GET", "/account/two-factor"): (L, L, L, 200, 200, 200, 200, 200, 200),
    # Pupils: only their own class's assignments
    ("GET", "/play"): (H, 200, 200, H, H, H, H, H, H),
    ("GET", "/play/progress"): (H, 200, 200, H, H, H, H, H, H),
    ("GET", "/play/{assignment_id}"): (H, 303, 404, H, H, H, H, H, H),
    ("GET", "/play/{assignment_id}/items/{item_key}"): (H, 200, 404, H, H, H, H, H, H),
    ("GET", "/play/{assignment_id}/summary"): (H, 200, 404, H, H, H, H, H, H),
    ("GET", "/live/{assignment_id}"): (H, 200, 404, H, H, H, H, H, H),
    ("GET", "/live/{assignment_id}/stage"): (H, 200, 404, H, H, H, H, H, H),
    ("GET", "/live/{assignment_id}/events"): (H, 200, 404, H, H, H, H, H, H),
    # Teachers of a school (not the instance admin, who runs no classes)
    ("GET", "/teacher"): (L, L, L, 200, 200, 200, 200, 200, 404),
    ("GET", "/teacher/packs"): (L, L, L, 200, 200, 200, 200, 200, 404),
    ("GET", "/teacher/packs/new"): (L, L, L, 200, 200, 200, 200, 200, 404),
    # The class: its teacher and the school's admin
    ("GET", "/teacher/classes/{class_id}"): (L, L, L, 200, 404, 404, 200, 404, 404),
    ("GET", "/teacher/classes/{class_id}/events"): (L, L, L, 200, 404, 404, 200, 404, 404),
    ("GET", "/teacher/classes/{class_id}/progress"): (L, L, L, 200, 404, 404, 200, 404, 404),
    ("GET", "/teacher/classes/{class_id}/projector"): (L, L, L, 200, 404, 404, 200, 404, 404),
    ("GET", "/teacher/live/{assignment_id}"): (L, L, L, 200, 404, 404, 200, 404, 404),
    ("GET", "/teacher/live/{assignment_id}/stage"): (L, L, L, 200, 404, 404, 200, 404, 404),
    ("GET", "/teacher/live/{assignment_id}/events"): (L, L, L, 200, 404, 404, 200, 404, 404),
    ("GET", "/teacher/assignments/{assignment_id}/report"): (L, L, L, 200, 404, 404, 200, 404, 404),
    ("GET", "/teacher/assignments/{assignment_id}/report.csv"): (L, L, L, 200, 404, 404, 200, 404, 404),
    ("GET", "/teacher/assignments/{assignment_id}/report/print"): (L, L, L, 200, 404, 404, 200, 404, 404),
    ("GET", "/teacher/retests/{assignment_id}"): (L, L, L, 200, 404, 404, 200, 404, 404),
    ("GET", "/privacy/classes/{class_id}"): (L, L, L, 200, 404, 404, 200, 404, 404),
    ("GET", "/privacy/classes/{class_id}/delete"): (L, L, L, 200, 404, 404, 200, 404, 404),
    ("GET", "/privacy/pupils/{pupil_id}/delete"): (L, L, L, 200, 404, 404, 200, 404, 404),
    # The teacher's own (unshared) pack: its owner and the school's admin
    ("GET", "/teacher/packs/{pack_id}"): (L, L, L, 200, 404, 404, 200, 404, 404),
    ("GET", "/teacher/packs/{pack_id}/answer-key"): (L, L, L, 200, 404, 404, 200, 404, 404),
    ("GET", "/teacher/packs/{pack_id}/download"): (L, L, L, 200, 404, 404, 200, 404, 404),
    ("GET", "/teacher/packs/{pack_id}/edit"): (L, L, L, 200, 404, 404, 200, 404, 404),
    ("GET", "/teacher/packs/{pack_id}/gift"): (L, L, L, 200, 404, 404, 200, 404, 404),
    ("GET", "/teacher/packs/{pack_id}/report"): (L, L, L, 200, 404, 404, 200, 404, 404),
    ("GET", "/teacher/packs/{pack_id}/worksheet"): (L, L, L, 200, 404, 404, 200, 404, 404),
    # School admins (of their own school: the ids are school A's)
    ("GET", "/school/accounts"): (L, L, L, 404, 404, 404, 200, 200, 404),
    ("GET", "/privacy/school"): (L, L, L, 404, 404, 404, 200, 200, 404),
    ("GET", "/privacy/school/audit"): (L, L, L, 404, 404, 404, 200, 200, 404),
    # The instance admin
    ("GET", "/admin/schools"): (L, L, L, 404, 404, 404, 404, 404, 200),
    ("GET", "/privacy/schools/{school_id}/delete"): (L, L, L, 404, 404, 404, 404, 404, 200),
    # POSTs, in the order they run
    ("POST", "/setup"): (303, 303, 303, 303, 303, 303, 303, 303, 303),
    ("POST", "/login"): (401, 401, 401, 401, 401, 401, 401, 401, 401),
    ("POST", "/login/code"): (303, 303, 303, 303, 303, 303, 303, 303, 303),
    ("POST", "/language"): (H, H, H, H, H, H, H, H, H),
    ("POST", "/join"): (422, 422, 422, 422, 422, 422, 422, 422, 422),
    ("POST", "/join/{code}"): (422, 422, 422, 422, 422, 422, 422, 422, 422),
    ("POST", "/resume"): (422, 422, 422, 422, 422, 422, 422, 422, 422),
    ("POST", "/invite/{token}"): (422, 422, 422, 422, 422, 422, 422, 422, 422),
    ("POST", "/reset/{token}"): (422, 422, 422, 422, 422, 422, 422, 422, 422),
    ("POST", "/account/language"): (L, L, L, 303, 303, 303, 303, 303, 303),
    ("POST", "/account/password"): (L, L, L, 422, 422, 422, 422, 422, 422),
    ("POST", "/account/two-factor"): (L, L, L, 422, 422, 422, 422, 422, 422),
    ("POST", "/account/two-factor/off"): (L, L, L, 422, 422, 422, 422, 422, 422),
    ("POST", "/play/{assignment_id:int}/items/{item_key}"): (H, 200, 404, H, H, H, H, H, H),
    ("POST", "/teacher/classes"): (L, L, L, 303, 303, 303, 303, 303, 404),
    ("POST", "/teacher/classes/{class_id}/assignments"): (L, L, L, 303, 404, 404, 303, 404, 404),
    ("POST", "/teacher/live/{assignment_id}/settings"): (L, L, L, 303, 404, 404, 303, 404, 404),
    ("POST", "/teacher/live/{assignment_id}/step"): (L, L, L, 303, 404, 404, 303, 404, 404),
    ("POST", "/live/{assignment_id}/items/{item_key}"): (H, 303, 404, H, H, H, H, H, H),
    ("POST", "/teacher/assignments/{assignment_id}/close"): (L, L, L, 303, 404, 404, 303, 404, 404),
    ("POST", "/teacher/assignments/{assignment_id}/reopen"): (L, L, L, 303, 404, 404, 303, 404, 404),
    # the same pack key as the teacher's own pack: a colleague may not replace it, its owner and the admin may
    ("POST", "/teacher/packs/upload"): (L, L, L, 303, 422, 303, 303, 303, 404),
    ("POST", "/teacher/packs/preview"): (L, L, L, 200, 404, 404, 200, 404, 404),
    ("POST", "/teacher/packs/save"): (L, L, L, 422, 404, 404, 422, 404, 404),
    ("POST", "/teacher/packs/{pack_id}/copy"): (L, L, L, 303, 404, 404, 303, 404, 404),
    ("POST", "/teacher/packs/{pack_id}/share"): (L, L, L, 303, 404, 404, 303, 404, 404),
    ("POST", "/privacy/classes/{class_id}/export"): (L, L, L, 200, 404, 404, 200, 404, 404),
    ("POST", "/privacy/pupils/{pupil_id}/export"): (L, L, L, 200, 404, 404, 200, 404, 404),
    ("POST", "/privacy/classes/{class_id}/delete"): (L, L, L, 422, 404, 404, 422, 404, 404),
    ("POST", "/privacy/pupils/{pupil_id}/delete"): (L, L, L, 422, 404, 404, 422, 404, 404),
    ("POST", "/privacy/school/export"): (L, L, L, 404, 404, 404, 200, 200, 404),
    ("POST", "/privacy/school/retention"): (L, L, L, 404, 404, 404, 422, 422, 404),
    ("POST", "/school/invitations"): (L, L, L, 404, 404, 404, 200, 200, 404),
    ("POST", "/school/invitations/{link_id}/withdraw"): (L, L, L, 404, 404, 404, 303, 404, 404),
    ("POST", "/school/accounts/{account_id}/disable"): (L, L, L, 404, 404, 404, 303, 404, 404),
    ("POST", "/school/accounts/{account_id}/enable"): (L, L, L, 404, 404, 404, 303, 404, 404),
    ("POST", "/school/accounts/{account_id}/end-sessions"): (L, L, L, 404, 404, 404, 303, 404, 404),
    ("POST", "/school/accounts/{account_id}/reset-link"): (L, L, L, 404, 404, 404, 200, 404, 404),
    ("POST", "/school/accounts/{account_id}/two-factor-off"): (L, L, L, 404, 404, 404, 303, 404, 404),
    ("POST", "/school/settings"): (L, L, L, 404, 404, 404, 303, 303, 404),
    ("POST", "/admin/schools"): (L, L, L, 404, 404, 404, 404, 404, 200),
    ("POST", "/admin/schools/{school_id}/invitations"): (L, L, L, 404, 404, 404, 404, 404, 200),
    ("POST", "/privacy/schools/{school_id}/delete"): (L, L, L, 404, 404, 404, 404, 404, 422),
    ("POST", "/logout"): (H, H, H, H, H, H, H, H, H),  # last: see test_logout_signs_out_only_who_asks
}

FORM = {
    "name": "7x",
    "code": "000000",
    "resume_code": "FALSCH",
    "pseudonym": "",
    "email": "falsch@a.example",
    "password": "falsch-falsch-falsch",
    "current": "falsch-falsch-falsch",
    "new": "ein-neues-passwort",
    "display_name": "Jemand",
    "school_name": "Neue Schule",
    "language": "de",
    "lang": "de",
    "role": "teacher",
    "setup": "bogus",
    "confirm": "nicht der Name",
    "choice": "Fakt",
    "shared": "",
    "step": "start",
    "kind": "practice",
}


def fill(path: str, world: World) -> str:
    """``path`` with the world's ids: the class of "teacher", its assignments, the teacher's own pack …"""
    ids = dict(world.ids)
    if path.startswith(("/live/", "/teacher/live/")):
        ids["assignment_id"], ids["item_key"] = ids["live_id"], ids["live_item"]
    if path.startswith("/teacher/retests/"):
        ids["assignment_id"] = ids["pre_id"]
    ids["token"] = ids["invite_token"] if path.startswith("/invite/") else ids["reset_token"]
    return path.replace("{assignment_id:int}", "{assignment_id}").format(**ids)


def forms(world: World) -> dict[tuple[str, str], dict[str, Any]]:
    """Fields some POSTs need on top of FORM (or instead of it)."""
    ids = world.ids
    return {
        ("POST", "/teacher/classes/{class_id}/assignments"): {"pack_id": ids["pack_id"]},
        ("POST", "/teacher/packs/preview"): {"pack_id": ids["pack_id"], "name": "pack.md", "text": "kaputt"},
        ("POST", "/teacher/packs/save"): {"pack_id": ids["pack_id"], "name": "pack.md", "text": "kaputt"},
        ("POST", "/join"): {"code": "FALSCH00"},
        # a capability link: whoever holds it may use it; too short a password keeps it unused
        ("POST", "/invite/{token}"): {"password": "kurz"},
        ("POST", "/reset/{token}"): {"password": "kurz", "new": "kurz"},
    }


def outcome(response: Any) -> Any:
    """The status, with 303s named by where they send the browser."""
    if response.status_code != 303:
        return response.status_code
    location = response.headers["location"]
    if location.startswith("/login?next="):
        return L
    if location == "/":
        return H
    if location == "/account/two-factor":
        return F
    return 303


def refused(found: Any) -> bool:
    return found in (L, H, F) or (isinstance(found, int) and found >= 400)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[World]:
    """One world for the whole module; POSTs are ordered so that it stays usable."""
    settings = world_app_settings(tmp_path_factory.mktemp("matrix"), sqlite_template)
    app = create_app(settings)
    for _ in cheap_hashing():
        with TestClient(app, follow_redirects=True) as main:
            yield build_world(app, main)


def call(world: World, method: str, path: str, role: str) -> Any:
    world.app.state.lupe.limits = Limits()  # every role comes from one address: no throttling between them
    url = fill(path, world)
    browser = world.browsers[role]
    if path.endswith("/events"):  # text/event-stream
        return outcome_of_stream(world, url, role)
    if method == "GET":
        return outcome(browser.get(url))
    if path == "/teacher/packs/upload":
        files = [("files", ("p.zip", pack_zip("eigene-lektion"), "application/zip"))]
        return outcome(browser.post(url, files=files, headers=SAME_ORIGIN))
    data = {**FORM, **forms(world).get((method, path), {})}
    return outcome(browser.post(url, data=data, headers=SAME_ORIGIN))


def outcome_of_stream(world: World, url: str, role: str) -> Any:
    status = stream_status(world.browsers["admin"], url, world.cookie(role))
    if status == 303:  # the redirect's target is checked by the page routes; streams only say 303
        return L if role in ("anonymous", "pupil", "pupil_elsewhere") and "/teacher/" in url else H
    return status


def test_every_route_has_a_row(world: World) -> None:
    routes = set(all_routes(world.app))
    missing = sorted(routes - set(TABLE))
    assert missing == [], "routes without a row in tests/security/test_route_matrix.py TABLE: " + ", ".join(
        f"{m} {p}" for m, p in missing
    )
    gone = sorted(set(TABLE) - routes)
    assert gone == [], "TABLE rows for routes that no longer exist: " + ", ".join(f"{m} {p}" for m, p in gone)
    assert all(len(row) == len(ROLES) for row in TABLE.values())


class Writes:
    """Whether anyone committed to the SQLite database since the last look (PRAGMA data_version).

    Far cheaper than a snapshot of every table before and after each of ~900 requests (the
    snapshot, test_cross_site.snapshot, names the table when a test needs to know which).
    """

    def __init__(self, world: World) -> None:
        self.connection = sqlite3.connect(world.app.state.lupe.settings.data_dir / "lupe.sqlite3")
        self.version = self._read()

    def _read(self) -> int:
        return int(self.connection.execute("PRAGMA data_version").fetchone()[0])

    def happened(self) -> bool:
        version = self._read()
        changed, self.version = version != self.version, version
        return changed


def run(world: World, method_wanted: str) -> list[str]:
    """Each row of TABLE for ``method_wanted``; the differences, described."""
    problems = []
    writes = Writes(world)
    for (method, path), expected in TABLE.items():
        if method != method_wanted or (method, path) == ("POST", "/logout"):
            continue
        for role, wanted in zip(ROLES, expected, strict=True):
            before = snapshot(world.app) if DIAGNOSE else None
            writes.happened()
            found = call(world, method, path, role)
            if found != wanted:
                problems.append(f"{method} {path} as {role}: {found!r}, expected {wanted!r}")
            if refused(found) and writes.happened():
                problems.append(f"{method} {path} as {role} was refused ({found!r}) but wrote to the database")
                if before is not None:
                    after = snapshot(world.app)
                    problems.append(f"  changed: {[t for t in after if after[t] != before[t]]}")
    writes.connection.close()
    return problems


def observed(world: World) -> str:
    """The table as the app answers now (to write or review TABLE)."""
    lines = []
    for method, path in sorted(set(all_routes(world.app))):
        row = ", ".join(repr(call(world, method, path, role)) for role in ROLES)
        lines.append(f"    ({method!r}, {path!r}): ({row}),")
    return "\n".join(lines)


def test_get_matrix(world: World) -> None:
    problems = run(world, "GET")
    assert problems == [], "\n".join(problems)


def test_post_matrix(world: World) -> None:
    problems = run(world, "POST")
    assert problems == [], "\n".join(problems)


def test_every_post_from_another_site_is_refused(world: World) -> None:
    """SECURITY.md #8 over every POST route and role, htmx included: 403 and nothing written."""
    writes = Writes(world)
    hostile = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site", "HX-Request": "true"}
    tried = 0
    for method, path in TABLE:
        if method != "POST":
            continue
        data = {**FORM, **forms(world).get((method, path), {})}
        for role in ROLES:
            response = world.browsers[role].post(fill(path, world), data=data, headers=hostile)
            assert response.status_code == 403, (path, role, response.status_code)
            assert "set-cookie" not in response.headers, (path, role)
            assert not writes.happened(), (path, role)
            tried += 1
    writes.connection.close()
    assert tried >= 9 * 44


def test_logout_signs_out_only_who_asks(world: World) -> None:
    """Last: every role signs out; afterwards each is anonymous."""
    expected = TABLE[("POST", "/logout")]
    for role, wanted in zip(ROLES, expected, strict=True):
        assert call(world, "POST", "/logout", role) == wanted, role
    for role in ROLES:
        assert outcome(world.browsers[role].get("/teacher")) == L, role


HOSTILE_QUERY = "?block=head&template=web/error.html&fragment=stage&partial=1"
HOSTILE_HEADERS = {"HX-Target": "body", "HX-Trigger-Name": "head", "HX-Current-URL": "http://evil.example/"}


def without_random(page: str) -> str:
    """The page without what differs on every load (suggested pseudonyms, numbered chart ids)."""
    return re.sub(r"(chart-[a-z]+-)\d+", r"\1N", re.sub(r'value="[^"]*"', 'value=""', page))


def test_fragment_names_never_come_from_the_client(world: World) -> None:
    """SECURITY.md #12: a query string or htmx headers naming templates or blocks change no page."""
    tried = 0
    for (method, path), expected in TABLE.items():
        # not pages, or a new two-factor secret on every load
        if (
            method != "GET"
            or path.endswith(("/events", ".csv", "/download"))
            or path in ("/healthz", "/account/two-factor")
        ):
            continue
        for role, wanted in zip(ROLES, expected, strict=True):
            if wanted != 200:
                continue
            browser, url = world.browsers[role], fill(path, world)
            for htmx in ({}, {"HX-Request": "true"}):
                plain = browser.get(url, headers=htmx)
                hostile = browser.get(url + HOSTILE_QUERY, headers={**htmx, **HOSTILE_HEADERS})
                assert hostile.status_code == plain.status_code, (url, role)
                assert without_random(hostile.text) == without_random(plain.text), f"{url} as {role} changed"
                tried += 1
            break  # one role that may see the page is enough
    assert tried > 40


def test_a_hidden_thing_looks_like_a_missing_one(world: World) -> None:
    """SECURITY.md #13: another school's id gets the very page an id that does not exist gets."""
    missing = {"class_id": 999_999, "assignment_id": 999_999, "live_id": 999_999, "pre_id": 999_999}
    missing |= {"pack_id": 999_999, "pupil_id": "0" * 32}
    tried = 0
    for (method, path), expected in TABLE.items():
        if method != "GET" or not any(f"{{{name}}}" in path for name in ("class_id", "assignment_id", "pack_id")):
            continue
        if path.endswith("/events") or expected[ROLES.index("stranger")] != 404:
            continue
        stranger = world.browsers["stranger"]
        hidden = stranger.get(fill(path, world))
        gone = stranger.get(fill(path, World(world.app, world.browsers, {**world.ids, **missing})))
        assert (hidden.status_code, without_random(hidden.text)) == (gone.status_code, without_random(gone.text)), path
        tried += 1
    assert tried >= 18
