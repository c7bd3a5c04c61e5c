"""The database goes away (PostgreSQL's cable pulled, SQLite's write lock held): 503s, never 500s; then it carries on.

Pages, answers and /healthz answer 503 with the friendly page and Retry-After while the
database is unavailable; nothing half-written remains; once it is back the same process
serves again (the pool checks connections before use), without a restart.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx2
import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import func, select

import app.db
from app.main import create_app
from app.practice.models import Answer
from app.settings import Settings
from tests.conftest import create_class, join, new_client, open_pack, set_up_school
from tests.faults.conftest import (
    ITEMS,
    LupeServer,
    assert_each_once,
    fault_settings,
    fire_burst,
    seed_classroom,
    stored_answers,
)
from tests.faults.proxy import CablePuller

pytestmark = pytest.mark.faults

CUT_AFTER = 60


def assert_friendly_503(response: httpx2.Response) -> None:
    assert response.status_code == 503, response.text[:300]
    assert response.headers["retry-after"] == "5"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page = BeautifulSoup(response.text, "html.parser")
    heading = page.select_one("h1")
    assert heading is not None and heading.get_text(strip=True)
    assert "Traceback" not in response.text and "psycopg" not in response.text and "sqlite" not in response.text


@pytest.fixture
def cable(database_url: str) -> Iterator[CablePuller]:
    parts = urlsplit(database_url)
    puller = CablePuller((parts.hostname or "127.0.0.1", parts.port or 5432))
    yield puller
    puller.close()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_burst_during_a_postgres_outage_gets_503s_and_the_app_recovers_by_itself(
    tmp_path: Path, database_url: str, cable: CablePuller, servers: list[LupeServer]
) -> None:
    classroom = seed_classroom(fault_settings(tmp_path, database_url))
    parts = urlsplit(database_url)
    proxied = parts._replace(netloc=f"{parts.username}@127.0.0.1:{cable.port}").geturl()
    server = LupeServer(tmp_path, proxied).start()
    servers.append(server)

    def pull_the_cable(acknowledged: int) -> None:
        if acknowledged == CUT_AFTER:
            cable.cut()

    burst = fire_burst(server.base, classroom, when_acknowledged=pull_the_cable)
    counts = burst.count()
    assert set(counts) <= {200, 503}, f"not only 200 and 503: {counts}"
    assert counts[503] > 0 and counts[200] >= CUT_AFTER

    with httpx2.Client(base_url=server.base, timeout=30) as http:
        health = http.get("/healthz")
        assert health.status_code == 503 and health.json()["database"] == "unreachable"
        cookie = {"Cookie": f"lupe_session={classroom.cookies[0]}"}
        for path in ("/", "/play", f"/play/{classroom.assignment_id}/items/{ITEMS[0]}"):
            assert_friendly_503(http.get(path, headers={"Accept-Language": "en", **cookie}))
        answer = http.post(
            f"/play/{classroom.assignment_id}/items/{ITEMS[-1]}", data={"choice": "Fake"}, headers=cookie
        )
        assert_friendly_503(answer)

        cable.restore()
        deadline = time.monotonic() + 15
        while http.get("/healthz").status_code != 200:
            assert time.monotonic() < deadline, "the app did not recover without a restart"
            time.sleep(0.2)
    assert server.process is not None and server.process.poll() is None

    # Whatever was acknowledged is there once; the browsers retry the rest, which is stored once too.
    assert_each_once(stored_answers(database_url, classroom), burst.acknowledged, classroom)
    retried = fire_burst(server.base, classroom)
    everything = {(pupil, item) for pupil in range(len(classroom.pupils)) for item in ITEMS}
    assert retried.count() == {200: len(everything)}
    assert_each_once(stored_answers(database_url, classroom), everything, classroom)
    logged = server.logged()
    assert "database unavailable" in logged
    assert "unhandled error" not in logged


@pytest.fixture
def impatient_app(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    """The app with SQLite's busy timeout at 0.3 s instead of 15 s, so a held lock shows quickly."""
    monkeypatch.setattr(app.db, "SQLITE_BUSY_TIMEOUT_MS", 300)
    return create_app(settings)


def test_answers_get_503_while_sqlite_is_locked_and_are_stored_once_after(
    impatient_app: object, settings: Settings
) -> None:
    with TestClient(impatient_app, follow_redirects=True) as teacher:
        set_up_school(teacher)
        class_id, code = create_class(teacher)
        assignment_id = open_pack(teacher, class_id)
        pupil = new_client(impatient_app)
        join(pupil, code, "Fuchs")
        url = f"/play/{assignment_id}/items/zocken-iq"
        holder = sqlite3.connect(settings.data_dir / "lupe.sqlite3", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # a stuck process (or a slow copy tool) holds the write lock
        try:
            locked = pupil.post(url, data={"choice": "Fake", "attempt": "1"}, headers={"Accept-Language": "en"})
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert_friendly_503(locked)  # type: ignore[arg-type]
        assert answers(impatient_app) == 0
        again = pupil.post(url, data={"choice": "Fake", "attempt": "1"})
        assert again.status_code == 200
        assert BeautifulSoup(again.text, "html.parser").select_one("section.feedback.right") is not None
        assert answers(impatient_app) == 1


def answers(application: object) -> int:
    with application.state.lupe.db.read_session() as db:  # type: ignore[attr-defined]
        return int(db.execute(select(func.count()).select_from(Answer)).scalar_one())
