"""SECURITY.md #28: every page, as each role that may see it, in Chromium: no request leaves the
server's origin, no Content-Security-Policy violation, no script error; axe-core finds nothing on
each distinct page.

The pages and who may see them come from the route × role matrix (tests/security/test_route_matrix.py):
every GET row where a role gets 200, except event streams, downloads and non-pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx2 as httpx
import pytest

from app.db import Database
from app.packs.library import CompiledPacks
from app.security.sessions import COOKIE_NAME
from app.settings import Settings
from tests.conftest import require_or_skip
from tests.e2e.conftest import Watch, browser_missing, check_accessibility, running_server
from tests.security.roles import ROLES, World, build_world
from tests.security.test_route_matrix import TABLE, fill

pytestmark = pytest.mark.browser

# streams, downloads, fragments only htmx asks for, and what is not a page
NOT_PAGES = ("/events", ".csv", "/download", "/gift", "/stage", "/healthz", "/media/")


def pages() -> list[tuple[str, list[str]]]:
    """(path, the roles that get it with 200) for every GET page of the matrix."""
    found = []
    for (method, path), expected in TABLE.items():
        if method != "GET" or any(part in path for part in NOT_PAGES):
            continue
        roles = [role for role, status in zip(ROLES, expected, strict=True) if status == 200]
        if roles:
            found.append((path, roles))
    return found


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, World]]:
    """A running server, and the matrix's world made through its pages (accounts written to its database)."""
    require_or_skip(browser_missing(), "LUPE_REQUIRE_BROWSER")
    data: Path = tmp_path_factory.mktemp("every-page")
    with running_server(data, env={"LUPE_PURGE_DAILY": "false"}) as (base, _process):
        database = Database.from_settings(Settings(data_dir=data))
        app = SimpleNamespace(state=SimpleNamespace(lupe=SimpleNamespace(db=database, packs=CompiledPacks())))
        clients: list[httpx.Client] = []

        def new_browser() -> httpx.Client:
            browser = httpx.Client(base_url=base, follow_redirects=True, timeout=30)
            browser.app = app  # type: ignore[attr-defined]  # the test helpers look up ids through it
            clients.append(browser)
            return browser

        try:
            yield base, build_world(app, new_browser(), new_browser)
        finally:
            for browser in clients:
                browser.close()
            database.close()


def test_every_page_as_every_role_stays_on_the_origin(browser: Any, world: tuple[str, World]) -> None:
    base, the_world = world
    checked: set[str] = set()
    loads = 0
    for role in ROLES:
        watch = Watch(base)
        context = browser.new_context(viewport={"width": 360, "height": 800})
        watch.attach(context)
        cookie = the_world.cookie(role)
        if cookie:
            context.add_cookies([{"name": COOKIE_NAME, "value": cookie, "url": base}])
        page = context.new_page()
        for path, roles in pages():
            if role not in roles:
                continue
            url = base + fill(path, the_world)
            response = page.goto(url, wait_until="load")
            assert response is not None and response.status == 200, (role, path, response and response.status)
            loads += 1
            if path not in checked:
                check_accessibility(page, f"{path} as {role}")
                checked.add(path)
        context.close()
        watch.assert_clean()
    assert loads > 60 and len(checked) == len(pages())


def test_the_watch_sees_a_foreign_request(browser: Any, world: tuple[str, World]) -> None:
    """The machinery finds things: a page that loads a picture from elsewhere is reported."""
    base, _the_world = world
    watch = Watch(base)
    context = browser.new_context()
    watch.attach(context)
    context.route("https://elsewhere.example/**", lambda route: route.abort())  # nothing leaves the machine
    page = context.new_page()
    page.goto(base + "/")
    page.evaluate("() => { const i = new Image(); i.src = 'https://elsewhere.example/pixel.png'; }")
    page.wait_for_timeout(300)
    context.close()
    assert watch.foreign or watch.problems, "neither the request nor the CSP violation was seen"
