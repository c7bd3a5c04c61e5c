"""Every account route × every role: the status each one gets (SECURITY.md, "Roles and tenants").

A new route under the account prefixes without a row here fails the test.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.accounts.models import AccountLink, Role, School
from app.security.ratelimit import Limits
from tests.accounts.helpers import account
from tests.accounts.test_tenant_isolation import all_routes
from tests.conftest import add_account, add_school, create_class, join, new_client, set_up_school, signed_in

pytestmark = pytest.mark.usefixtures("cheap_argon2")

ROLES = ["anonymous", "pupil", "teacher", "instance_admin", "other_admin", "admin"]  # the admin acts last
PREFIXES = ("/account", "/school/", "/admin/", "/invite/", "/reset/", "/login", "/logout", "/setup")
LOGIN = 303  # sent to sign in
# route → expected status per role, in the order of ROLES
TABLE: dict[tuple[str, str], list[int]] = {
    ("GET", "/setup"): [303, 303, 303, 303, 303, 303],
    ("POST", "/setup"): [303, 303, 303, 303, 303, 303],
    ("GET", "/login"): [200, 200, 303, 303, 303, 303],
    ("POST", "/login"): [401, 401, 401, 401, 401, 401],
    ("GET", "/login/code"): [303, 303, 303, 303, 303, 303],
    ("POST", "/login/code"): [303, 303, 303, 303, 303, 303],
    ("GET", "/account"): [LOGIN, LOGIN, 200, 200, 200, 200],
    ("POST", "/account/language"): [LOGIN, LOGIN, 303, 303, 303, 303],
    ("POST", "/account/password"): [LOGIN, LOGIN, 422, 422, 422, 422],
    ("GET", "/account/two-factor"): [LOGIN, LOGIN, 200, 200, 200, 200],
    ("POST", "/account/two-factor"): [LOGIN, LOGIN, 422, 422, 422, 422],
    ("POST", "/account/two-factor/off"): [LOGIN, LOGIN, 422, 422, 422, 422],
    ("GET", "/invite/{token}"): [404, 404, 404, 404, 404, 404],
    ("POST", "/invite/{token}"): [404, 404, 404, 404, 404, 404],
    ("GET", "/reset/{token}"): [404, 404, 404, 404, 404, 404],
    ("POST", "/reset/{token}"): [404, 404, 404, 404, 404, 404],
    ("GET", "/school/accounts"): [LOGIN, LOGIN, 404, 404, 200, 200],
    ("POST", "/school/invitations"): [LOGIN, LOGIN, 404, 404, 200, 200],
    ("POST", "/school/invitations/{link_id}/withdraw"): [LOGIN, LOGIN, 404, 404, 404, 303],
    ("POST", "/school/accounts/{account_id}/disable"): [LOGIN, LOGIN, 404, 404, 404, 303],
    ("POST", "/school/accounts/{account_id}/enable"): [LOGIN, LOGIN, 404, 404, 404, 303],
    ("POST", "/school/accounts/{account_id}/end-sessions"): [LOGIN, LOGIN, 404, 404, 404, 303],
    ("POST", "/school/accounts/{account_id}/reset-link"): [LOGIN, LOGIN, 404, 404, 404, 200],
    ("POST", "/school/accounts/{account_id}/two-factor-off"): [LOGIN, LOGIN, 404, 404, 404, 303],
    ("POST", "/school/settings"): [LOGIN, LOGIN, 404, 404, 303, 303],
    ("GET", "/admin/schools"): [LOGIN, LOGIN, 404, 200, 404, 404],
    ("POST", "/admin/schools"): [LOGIN, LOGIN, 404, 200, 404, 404],
    ("POST", "/admin/schools/{school_id}/invitations"): [LOGIN, LOGIN, 404, 200, 404, 404],
    ("POST", "/logout"): [303, 303, 303, 303, 303, 303],
}


def test_every_account_route_has_a_row(app: Any) -> None:
    mine = {(method, path) for method, path in all_routes(app) if path.startswith(PREFIXES)}
    assert mine - set(TABLE) == set(), "account routes without a row in TABLE"
    assert set(TABLE) - mine == set(), "rows for routes that do not exist"


@pytest.fixture
def browsers(client: TestClient, app: Any) -> dict[str, Any]:
    set_up_school(client, "admin@schule.example")
    with app.state.lupe.db.read_session() as db:
        school_id = db.execute(select(School.id)).scalar_one()
    _, code = create_class(client)
    add_account(app, "lehrer@schule.example", school_id)
    add_account(app, "ziel@schule.example", school_id)  # the account the admin routes act on
    add_account(app, "admin@andere.example", add_school(app, "Andere Schule"), Role.school_admin)
    add_account(app, "it@stadt.example", None, Role.instance_admin)
    pupil = new_client(app)
    join(pupil, code, "Fuchs")
    client.follow_redirects = pupil.follow_redirects = False
    client.post("/school/invitations", data={"email": "neu@schule.example", "role": "teacher"})
    with app.state.lupe.db.read_session() as db:
        link_id = db.execute(select(AccountLink.id)).scalar_one()
    anonymous = new_client(app)
    anonymous.follow_redirects = False
    return {
        "anonymous": anonymous,
        "pupil": pupil,
        "teacher": signed_in(app, "lehrer@schule.example"),
        "instance_admin": signed_in(app, "it@stadt.example"),
        "other_admin": signed_in(app, "admin@andere.example"),
        "admin": client,
        "app": app,
        "ids": {
            "account_id": account(app, "ziel@schule.example").id,
            "link_id": link_id,
            "school_id": school_id,
            "token": "x" * 43,
        },
    }


FORM = {
    "school_name": "Neue Schule",
    "display_name": "Jemand",
    "email": "jemand@neu.example",
    "password": "falsch-falsch-falsch",
    "current": "falsch-falsch-falsch",
    "new": "ein-neues-passwort",
    "language": "de",
    "role": "teacher",
    "setup": "bogus",
    "code": "000000",
}


def test_every_role_gets_the_expected_status(browsers: dict[str, Any]) -> None:
    ids = browsers["ids"]
    found: dict[tuple[str, str], list[int]] = {}
    for (method, path), expected_here in TABLE.items():
        if path == "/logout":
            continue  # it would sign the roles out; covered in test_sessions
        url = path.format(**ids)
        statuses = []
        for role in ROLES:
            browsers["app"].state.lupe.limits = Limits()  # all come from one address and try one e-mail: no throttling
            browser = browsers[role]
            response = browser.get(url) if method == "GET" else browser.post(url, data=FORM)
            statuses.append(response.status_code)
            if (
                response.status_code == 303
                and expected_here[ROLES.index(role)] == LOGIN
                and role in ("anonymous", "pupil")
            ):
                assert response.headers["location"].startswith("/login"), (role, url)
        found[(method, path)] = statuses
    expected = {route: statuses for route, statuses in TABLE.items() if route[1] != "/logout"}
    assert found == expected
