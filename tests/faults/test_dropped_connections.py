"""A pupil's connection drops mid-answer and the browser retries, or the pupil double-clicks: one answer stored.

The defences: the form's hidden ``attempt`` field (a retried try names a try already stored and
just sees it), and ``INSERT … ON CONFLICT DO NOTHING`` on (pupil, assignment, item, attempt)
for two copies that arrive at the same moment.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from bs4 import BeautifulSoup

from app.packs.library import check_folder
from tests.conftest import LESSONS
from tests.faults.conftest import (
    Classroom,
    LupeServer,
    fault_settings,
    post_answer,
    seed_classroom,
    stored_answers,
)

pytestmark = pytest.mark.faults

ORDER_ITEM = "checking-steps"  # an order item with two tries in the shipped "manipulation-tricks" pack


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[tuple[LupeServer, Any]]:
    """One server (SQLite) with two classes: the demo pack, and the pack with a two-try order item."""
    data = tmp_path_factory.mktemp("dropped")
    shutil.copy(sqlite_template, data / "lupe.sqlite3")
    settings = fault_settings(data, "")
    classes = {
        "demo": seed_classroom(settings, 12),
        "tricks": seed_classroom(settings, 4, pack_key="manipulation-tricks"),
    }
    server = LupeServer(data, "").start()
    try:
        yield server, classes
    finally:
        server.stop()


def raw_request(classroom: Classroom, pupil: int, item: str, body: str, *, content_length: int | None = None) -> bytes:
    encoded = body.encode()
    return (
        f"POST /play/{classroom.assignment_id}/items/{item} HTTP/1.1\r\n"
        "Host: 127.0.0.1\r\n"
        f"Cookie: lupe_session={classroom.cookies[pupil]}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {content_length if content_length is not None else len(encoded)}\r\n"
        "\r\n"
    ).encode() + encoded


def send_and_hang_up(base: str, request: bytes) -> None:
    """Write the request and close the connection without reading a byte of the answer."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(request)


def wait_for_tries(server: LupeServer, classroom: Classroom, pupil: int, item: str, count: int) -> None:
    """The abandoned request still runs in the server; wait until its try is stored."""
    deadline = time.monotonic() + 10
    while len(rows_of(server, classroom, pupil, item)) < count:
        assert time.monotonic() < deadline, "the abandoned request stored nothing"
        time.sleep(0.05)


def rows_of(server: LupeServer, classroom: Classroom, pupil: int, item: str) -> list[tuple[int, str]]:
    url = fault_settings(server.data, "").effective_database_url
    return sorted(stored_answers(url, classroom).get((pupil, item), []))


def feedback(response: httpx2.Response) -> str:
    section = BeautifulSoup(response.text, "html.parser").select_one("section.feedback")
    assert section is not None, response.text[:500]
    return " ".join(section.get_text(" ", strip=True).split())


def test_a_dropped_answer_retried_by_the_browser_is_stored_once(world: tuple[LupeServer, Any]) -> None:
    server, classes = world
    demo = classes["demo"]
    send_and_hang_up(server.base, raw_request(demo, 0, "zocken-iq", "choice=Fake&attempt=1"))
    wait_for_tries(server, demo, 0, "zocken-iq", 1)
    with httpx2.Client(base_url=server.base, timeout=30) as http:
        retried = http.post(
            f"/play/{demo.assignment_id}/items/zocken-iq",
            data={"choice": "Fake", "attempt": "1"},
            headers={"Cookie": f"lupe_session={demo.cookies[0]}", "Accept-Language": "en"},
        )
    assert retried.status_code == 200
    assert "Right!" in feedback(retried) and "Your answer: Fake." in feedback(retried)
    assert rows_of(server, demo, 0, "zocken-iq") == [(1, "Fake")]


def test_a_retry_with_another_answer_shows_the_stored_one(world: tuple[LupeServer, Any]) -> None:
    """The first copy got through; a retry that (say, after a reload) carries another choice changes nothing."""
    server, classes = world
    demo = classes["demo"]
    send_and_hang_up(server.base, raw_request(demo, 1, "zocken-iq", "choice=Fakt&attempt=1"))
    wait_for_tries(server, demo, 1, "zocken-iq", 1)
    with httpx2.Client(base_url=server.base, timeout=30) as http:
        retried = http.post(
            f"/play/{demo.assignment_id}/items/zocken-iq",
            data={"choice": "Fake", "attempt": "1"},
            headers={"Cookie": f"lupe_session={demo.cookies[1]}", "Accept-Language": "en"},
        )
    assert retried.status_code == 200
    assert "Your answer: Fakt." in feedback(retried)
    assert rows_of(server, demo, 1, "zocken-iq") == [(1, "Fakt")]


def test_a_request_cut_off_inside_its_body_stores_nothing_and_the_retry_stores_once(
    world: tuple[LupeServer, Any],
) -> None:
    server, classes = world
    demo = classes["demo"]
    body = "choice=Fake&attempt=1"
    send_and_hang_up(server.base, raw_request(demo, 2, "zocken-iq", body[:8], content_length=len(body)))
    time.sleep(0.5)
    assert rows_of(server, demo, 2, "zocken-iq") == []
    with httpx2.Client(base_url=server.base, timeout=30) as http:
        retried = post_sync(http, demo, 2, "zocken-iq", {"choice": "Fake", "attempt": "1"})
    assert retried.status_code == 200
    assert rows_of(server, demo, 2, "zocken-iq") == [(1, "Fake")]
    assert "unhandled error" not in server.logged()


def post_sync(
    http: httpx2.Client, classroom: Classroom, pupil: int, item: str, form: dict[str, str]
) -> httpx2.Response:
    return http.post(
        f"/play/{classroom.assignment_id}/items/{item}",
        data=form,
        headers={"Cookie": f"lupe_session={classroom.cookies[pupil]}", "Accept-Language": "en"},
    )


def wrong_order() -> dict[str, str]:
    """Every step of the order item one place off: a wrong first try, which leaves a second."""
    compiled = check_folder(LESSONS / "manipulation-tricks").compiled
    assert compiled is not None
    item = next(i for i in compiled["items"] if i["key"] == ORDER_ITEM)
    assert item["tries"] == 2
    entries = [entry["id"] for entry in item["entries"]]
    return {f"pos-{entry}": str((index + 1) % len(entries) + 1) for index, entry in enumerate(entries)}


def test_a_retried_wrong_first_try_does_not_use_up_the_second(world: tuple[LupeServer, Any]) -> None:
    server, classes = world
    tricks = classes["tricks"]
    form = {**wrong_order(), "attempt": "1"}
    send_and_hang_up(server.base, raw_request(tricks, 0, ORDER_ITEM, str(httpx2.QueryParams(form))))
    wait_for_tries(server, tricks, 0, ORDER_ITEM, 1)
    with httpx2.Client(base_url=server.base, timeout=30) as http:
        retried = post_sync(http, tricks, 0, ORDER_ITEM, form)
        assert retried.status_code == 200
        page = BeautifulSoup(retried.text, "html.parser")
        assert page.select_one('input[name="attempt"]')["value"] == "2"  # the second try is still to come
        assert len(rows_of(server, tricks, 0, ORDER_ITEM)) == 1
        second = post_sync(http, tricks, 0, ORDER_ITEM, {**wrong_order(), "attempt": "2"})
    assert second.status_code == 200
    assert [attempt for attempt, _ in rows_of(server, tricks, 0, ORDER_ITEM)] == [1, 2]


def double_click(
    base: str, classroom: Classroom, pupils: range, item: str, form: dict[str, str] | None = None
) -> list[int]:
    """Each pupil sends the same answer twice at the same instant, over two connections."""

    async def run() -> list[int]:
        async with (
            httpx2.AsyncClient(base_url=base, timeout=30) as first,
            httpx2.AsyncClient(base_url=base, timeout=30) as second,
        ):

            async def click(http: httpx2.AsyncClient, pupil: int) -> int:
                if form is None:
                    return (await post_answer(http, classroom, pupil, item)).status_code
                response = await http.post(
                    f"/play/{classroom.assignment_id}/items/{item}",
                    data=form,
                    headers={"Cookie": f"lupe_session={classroom.cookies[pupil]}"},
                )
                return response.status_code

            return await asyncio.gather(*(click(http, p) for p in pupils for http in (first, second)))

    return asyncio.run(run())


def test_a_double_click_stores_one_answer(world: tuple[LupeServer, Any]) -> None:
    server, classes = world
    demo = classes["demo"]
    pupils = range(3, 12)
    assert double_click(server.base, demo, pupils, "venus-drehung") == [200] * 2 * len(pupils)
    for pupil in pupils:
        assert rows_of(server, demo, pupil, "venus-drehung") == [(1, demo.choice(pupil, "venus-drehung"))]


def test_a_double_clicked_wrong_try_counts_once(world: tuple[LupeServer, Any]) -> None:
    server, classes = world
    tricks = classes["tricks"]
    pupils = range(1, 4)
    form = {**wrong_order(), "attempt": "1"}
    assert double_click(server.base, tricks, pupils, ORDER_ITEM, form) == [200] * 2 * len(pupils)
    for pupil in pupils:
        assert [attempt for attempt, _ in rows_of(server, tricks, pupil, ORDER_ITEM)] == [1]
