"""Who may see what: other teachers' classes, teacher URLs for pupils, packs of other classes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.classroom.models import Assignment
from tests.conftest import (
    create_class,
    html,
    join,
    new_client,
    open_pack,
    pack_id_by_key,
    signed_in,
    two_schools,
)

OTHER_PACK = "real-or-made-up"


pytestmark = pytest.mark.usefixtures("cheap_argon2")  # the fixture lives in tests/conftest.py


@dataclass
class World:
    app: Any
    admin: TestClient  # school admin of the first school
    owner: TestClient  # teacher who runs the class
    colleague: TestClient  # another teacher of the same school
    stranger: TestClient  # teacher of a second school
    stranger_admin: TestClient  # admin of the second school
    class_id: int
    code: str
    assignment_id: int  # the pack given to the class
    other_pack_id: int


@pytest.fixture
def world(client: TestClient, app: Any) -> World:
    two_schools(client, app)
    owner = signed_in(app, "owner@eins.example")
    owner.follow_redirects = True
    class_id, code = create_class(owner)
    assignment_id = open_pack(owner, class_id)
    owner.follow_redirects = False
    client.follow_redirects = False
    return World(
        app=app,
        admin=client,
        owner=owner,
        colleague=signed_in(app, "colleague@eins.example"),
        stranger=signed_in(app, "stranger@zwei.example"),
        stranger_admin=signed_in(app, "admin@zwei.example"),
        class_id=class_id,
        code=code,
        assignment_id=assignment_id,
        other_pack_id=pack_id_by_key(client, OTHER_PACK),
    )


def opened(world: World) -> set[int]:
    """The class's open assignments."""
    with world.app.state.lupe.db.read_session() as db:
        statement = select(Assignment.id).where(Assignment.class_id == world.class_id, Assignment.closed_at.is_(None))
        return set(db.execute(statement).scalars())


def class_urls(world: World) -> list[str]:
    base = f"/teacher/classes/{world.class_id}"
    return [base, f"{base}/progress", f"{base}/projector"]


def assert_friendly_404(response: Any) -> None:
    assert response.status_code == 404, response.status_code
    assert response.headers["content-type"].startswith("text/html")
    page = html(response)
    assert page.select_one("h1") is not None and page.select_one("h1").get_text(strip=True)


def test_owner_and_school_admin_see_the_class(world: World) -> None:
    for browser in (world.owner, world.admin):
        for url in class_urls(world):
            assert browser.get(url).status_code == 200, url
        assert browser.get(class_urls(world)[1], headers={"HX-Request": "true"}).status_code == 200


@pytest.mark.parametrize("who", ["colleague", "stranger", "stranger_admin"])
def test_other_teachers_cannot_see_the_class(world: World, who: str) -> None:
    browser: TestClient = getattr(world, who)
    for url in class_urls(world):
        assert_friendly_404(browser.get(url))
        response = browser.get(url, headers={"HX-Request": "true"})
        assert response.status_code == 404
        assert world.code.replace("-", "") not in response.text and world.code not in response.text
    assert world.code not in browser.get("/teacher").text


@pytest.mark.parametrize("who", ["colleague", "stranger", "stranger_admin"])
def test_other_teachers_cannot_change_the_class(world: World, who: str) -> None:
    browser: TestClient = getattr(world, who)
    before = opened(world)
    assert_friendly_404(
        browser.post(f"/teacher/classes/{world.class_id}/assignments", data={"pack_id": world.other_pack_id})
    )
    assert_friendly_404(browser.post(f"/teacher/assignments/{world.assignment_id}/close"))
    assert opened(world) == before == {world.assignment_id}


def test_pupils_cannot_open_teacher_urls_even_with_htmx_headers(world: World) -> None:
    pupil = new_client(world.app)
    join(pupil, world.code, "Fuchs")
    pupil.follow_redirects = False
    for headers in (
        {},
        {"HX-Request": "true"},
        {"HX-Request": "true", "HX-Current-URL": f"http://testserver/teacher/classes/{world.class_id}"},
    ):
        for url in ["/teacher", *class_urls(world)]:
            response = pupil.get(url, headers=headers)
            assert response.status_code == 303, (url, headers)
            assert response.headers["location"].startswith("/login"), (url, headers)
        for url, data in [
            (f"/teacher/classes/{world.class_id}/assignments", {"pack_id": world.other_pack_id}),
            (f"/teacher/assignments/{world.assignment_id}/close", {}),
            ("/teacher/classes", {"name": "Kaperung"}),
        ]:
            response = pupil.post(url, data=data, headers=headers)
            assert response.status_code == 303 and response.headers["location"].startswith("/login"), url
    assert opened(world) == {world.assignment_id}


def test_anonymous_is_sent_to_sign_in_or_to_the_start(world: World) -> None:
    anonymous = new_client(world.app)
    anonymous.follow_redirects = False
    for url in ["/teacher", *class_urls(world)]:
        response = anonymous.get(url, headers={"HX-Request": "true"})
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next={url}"
    for url in [
        "/play",
        f"/play/{world.assignment_id}",
        f"/play/{world.assignment_id}/items/venus-drehung",
        f"/play/{world.assignment_id}/summary",
    ]:
        response = anonymous.get(url)
        assert response.status_code == 303 and response.headers["location"] == "/", url
    response = anonymous.post(f"/play/{world.assignment_id}/items/venus-drehung", data={"choice": "Fakt"})
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_pupil_cannot_play_a_pack_opened_only_for_another_class(world: World) -> None:
    world.owner.follow_redirects = True
    class_b, code_b = create_class(world.owner, "7c")
    other = open_pack(world.owner, class_b, OTHER_PACK)
    pupil_b = new_client(world.app)
    join(pupil_b, code_b, "Luchs")
    item_b = str(pupil_b.get(f"/play/{other}").url).rsplit("/", 1)[-1]

    pupil_a = new_client(world.app)
    join(pupil_a, world.code, "Fuchs")
    pupil_a.follow_redirects = False
    home = html(pupil_a.get("/play"))
    assert f"/play/{other}" not in {a.get("href") for a in home.select("a")}
    for url in [f"/play/{other}", f"/play/{other}/items/{item_b}", f"/play/{other}/summary"]:
        assert_friendly_404(pupil_a.get(url))
        assert pupil_a.get(url, headers={"HX-Request": "true"}).status_code == 404
    assert_friendly_404(pupil_a.post(f"/play/{other}/items/{item_b}", data={"choice": "Fake"}))
    # and pupil B cannot play class A's pack either
    assert_friendly_404(pupil_b.get(f"/play/{world.assignment_id}", follow_redirects=False))


def test_unknown_ids_give_the_friendly_404(world: World) -> None:
    pupil = new_client(world.app)
    join(pupil, world.code, "Fuchs")
    pupil.follow_redirects = False
    assert_friendly_404(world.owner.get("/teacher/classes/999999"))
    assert_friendly_404(world.owner.get("/teacher/classes/999999/progress", headers={"HX-Request": "true"}))
    assert_friendly_404(world.owner.get("/teacher/classes/999999/projector"))
    pack_id = pack_id_by_key(world.owner, "echt-oder-erfunden")
    assert_friendly_404(world.owner.post("/teacher/classes/999999/assignments", data={"pack_id": pack_id}))
    assert_friendly_404(world.owner.post(f"/teacher/classes/{world.class_id}/assignments", data={"pack_id": 999999}))
    assert_friendly_404(world.owner.post("/teacher/assignments/999999/close"))
    assert_friendly_404(pupil.get("/play/999999"))
    assert_friendly_404(pupil.get(f"/play/{world.assignment_id}/items/nope"))
    assert_friendly_404(pupil.get("/play/1/items/nope"))
    assert_friendly_404(pupil.get("/play/999999/summary"))
    assert_friendly_404(pupil.post(f"/play/{world.assignment_id}/items/nope", data={"choice": "Fakt"}))
    for browser in (world.owner, pupil, new_client(world.app)):
        assert_friendly_404(browser.get("/nope"))
        assert_friendly_404(browser.get("/static/nope.css"))
