"""Fault tests: a real `lupe serve` process, a seeded class, and a burst of answers fired at it.

The class is seeded straight through the app's services (as bench/world.py does); the answers
go over real HTTP so that "acknowledged" means what it means for a browser: a 200 was received.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import pytest
from sqlalchemy import Engine, select
from sqlmodel import col

from app.accounts.services import create_school_with_admin
from app.classroom.assignments import create_assignment
from app.classroom.models import Pupil
from app.classroom.services import create_class
from app.db import Database, create_db_engine
from app.packs.models import Pack
from app.practice.models import Answer
from app.security.sessions import SessionCookies
from app.settings import PROJECT_ROOT, Settings
from tests.conftest import LESSONS
from tests.e2e.conftest import free_port, wait_until_up

SECRET = "fault-test-secret-key"
PACK_KEY = "echt-oder-erfunden"
# Verdict items of the shipped demo pack ("Fakt" and "Fake" are valid answers to each); eight of
# its fourteen keep a burst of 30 pupils at 240 answers, a few seconds.
ITEMS = [
    "venus-drehung",
    "zocken-iq",
    "bodensee-grenze",
    "hausaufgaben-studie",
    "blaulicht-netzhaut",
    "olympia-silber",
    "masern-nachweis",
    "kettenbrief-hacker",
]


def fault_settings(data: Path, database_url: str) -> Settings:
    return Settings(data_dir=data, database_url=database_url, secret_key=SECRET, lessons_dir=LESSONS)


@dataclass
class Classroom:
    """A class of pupils signed in, with the demo pack given to them."""

    assignment_id: int
    pupils: list[str]
    cookies: list[str]

    def choice(self, pupil: int, item: str) -> str:
        """What this pupil answers to this item: a fixed pattern, so the stored choice can be checked."""
        return ("Fakt", "Fake")[(pupil + ITEMS.index(item)) % 2]


def seed_classroom(settings: Settings, pupils: int = 30, *, pack_key: str = PACK_KEY) -> Classroom:
    """A school, a teacher, a class of ``pupils`` with session cookies, and a pack (the demo) assigned."""
    database = Database.from_settings(settings)
    cookies = SessionCookies(settings)
    try:
        with database.writing() as db:
            admin = create_school_with_admin(
                db,
                school_name="Störfall-Schule",
                email=f"admin-{secrets.token_hex(3)}@schule.example",
                display_name="Frau Fehler",
                password="korrekt-pferd-batterie",
            )
            assert admin.id is not None and admin.school_id is not None
            pack_id = db.execute(select(Pack.id).where(col(Pack.key) == pack_key)).scalar_one()
            school_class = create_class(db, school_id=admin.school_id, teacher_id=admin.id, name="7c")
            assert school_class.id is not None
            assignment = create_assignment(db, class_id=school_class.id, pack_id=pack_id)
            ids = [secrets.token_hex(12) for _ in range(pupils)]
            for number, pupil_id in enumerate(ids):
                db.add(
                    Pupil(
                        id=pupil_id,
                        class_id=school_class.id,
                        pseudonym=f"Kind {number + 1:02d}",
                        resume_code_hash=secrets.token_hex(32),
                    )
                )
            db.flush()
            assert assignment.id is not None
            return Classroom(assignment.id, ids, [cookies.start(db, pupil_id=p) for p in ids])
    finally:
        database.close()


class LupeServer:
    """`python -m app.cli serve` in a process of its own, started and stopped (or killed) by the test."""

    def __init__(
        self,
        data: Path,
        database_url: str,
        *,
        before_exec: Callable[[], None] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.data = data
        self.database_url = database_url
        self.before_exec = before_exec
        self.env = env or {}
        self.log = data.parent / f"{data.name}-server.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.base = ""

    def start(self, *, wait: bool = True) -> LupeServer:
        port = free_port()
        variables = {
            **os.environ,
            "LUPE_DATA_DIR": str(self.data),
            "LUPE_DATABASE_URL": self.database_url,
            "LUPE_SECRET_KEY": SECRET,
            "LUPE_PORT": str(port),
            "LUPE_LOG_LEVEL": "warning",
            **self.env,
            **_experiment(),
        }
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - this very project's command
                [sys.executable, "-m", "app.cli", "serve"],
                cwd=PROJECT_ROOT,
                env=variables,
                stdout=log,
                stderr=log,
                preexec_fn=self.before_exec,  # noqa: PLW1509 - only sets limits and signal dispositions
            )
        self.base = f"http://127.0.0.1:{port}"
        if wait:
            wait_until_up(self.base, self.process, seconds=60)
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown handler, no flush, no goodbye."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)
        self.process = None

    def logged(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def _experiment() -> dict[str, str]:
    """LUPE_FAULT_EXPERIMENT=<folder>: put a sitecustomize.py that breaks a defence on the server's path.

    How the fault tests were shown to fail without their defence (see docs/security.md).
    """
    folder = os.environ.get("LUPE_FAULT_EXPERIMENT")
    return {"PYTHONPATH": folder} if folder else {}


@pytest.fixture
def servers() -> Iterator[list[LupeServer]]:
    """Servers a test starts; whatever is still running at the end is stopped."""
    started: list[LupeServer] = []
    yield started
    for server in started:
        server.stop()


@dataclass
class Burst:
    """What a burst of answers got back: acknowledged (200) answers, and every status per answer."""

    acknowledged: set[tuple[int, str]] = field(default_factory=set)
    statuses: dict[tuple[int, str], int | str] = field(default_factory=dict)

    def count(self) -> Counter[int | str]:
        return Counter(self.statuses.values())


async def post_answer(http: httpx2.AsyncClient, classroom: Classroom, pupil: int, item: str) -> httpx2.Response:
    """One pupil's answer, as the form posts it (attempt 1, htmx fragment)."""
    return await http.post(
        f"/play/{classroom.assignment_id}/items/{item}",
        data={"choice": classroom.choice(pupil, item), "attempt": "1"},
        headers={"Cookie": f"lupe_session={classroom.cookies[pupil]}", "HX-Request": "true"},
    )


def fire_burst(
    base: str,
    classroom: Classroom,
    *,
    items: list[str] = ITEMS,
    when_acknowledged: Callable[[int], None] | None = None,
    pause: float = 0.0,
) -> Burst:
    """Every pupil answers ``items`` in order, all pupils at once; a pupil stops at their first failure.

    ``when_acknowledged`` is told the number of 200s so far after each one (to pull a plug part-way).
    """
    burst = Burst()

    async def pupil_answers(http: httpx2.AsyncClient, pupil: int) -> None:
        for item in items:
            try:
                response = await post_answer(http, classroom, pupil, item)
            except httpx2.TransportError as error:
                burst.statuses[(pupil, item)] = type(error).__name__
                return
            burst.statuses[(pupil, item)] = response.status_code
            if response.status_code != 200:
                return
            burst.acknowledged.add((pupil, item))
            if when_acknowledged is not None:
                when_acknowledged(len(burst.acknowledged))
            if pause:
                await asyncio.sleep(pause)

    async def run() -> None:
        limits = httpx2.Limits(max_connections=len(classroom.pupils) + 5)
        async with httpx2.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
            await asyncio.gather(*(pupil_answers(http, p) for p in range(len(classroom.pupils))))

    asyncio.run(run())
    return burst


def stored_answers(database_url: str, classroom: Classroom) -> dict[tuple[int, str], list[tuple[int, str]]]:
    """Every stored try of the class's assignment: (pupil index, item) → [(attempt, choice), …]."""
    engine: Engine = create_db_engine(database_url, pool_size=1)
    index = {pupil_id: number for number, pupil_id in enumerate(classroom.pupils)}
    rows: dict[tuple[int, str], list[tuple[int, str]]] = {}
    try:
        with engine.connect() as connection:
            found = connection.execute(
                select(Answer.pupil_id, Answer.item_key, Answer.attempt, Answer.choice).where(  # type: ignore[call-overload]
                    col(Answer.assignment_id) == classroom.assignment_id
                )
            )
            for pupil_id, item_key, attempt, choice in found:
                rows.setdefault((index[pupil_id], item_key), []).append((attempt, choice))
    finally:
        engine.dispose()
    return rows


def assert_each_once(
    rows: dict[tuple[int, str], list[tuple[int, str]]], expected: set[tuple[int, str]], classroom: Any
) -> None:
    """Each expected answer is stored exactly once, as attempt 1, with the choice that was sent."""
    missing = sorted(expected - rows.keys())
    assert missing == [], f"{len(missing)} acknowledged answers are missing, e.g. {missing[:5]}"
    doubled = {key: tries for key, tries in rows.items() if len(tries) != 1}
    assert doubled == {}, f"answers stored more than once: {list(doubled.items())[:5]}"
    wrong = {key: rows[key] for key in expected if rows[key] != [(1, classroom.choice(*key))]}
    assert wrong == {}, f"stored answers differ from what was sent: {list(wrong.items())[:5]}"
