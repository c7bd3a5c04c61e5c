"""Shared fixtures: every test gets its own database (SQLite by default, PostgreSQL on request)."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text

from app.accounts.models import Role, School
from app.accounts.services import create_account
from app.cli import upgrade_database
from app.db import Database
from app.main import create_app
from app.packs.library import sync_shipped_packs
from app.settings import PROJECT_ROOT, Settings

POSTGRES_URL = os.environ.get("LUPE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
LESSONS = PROJECT_ROOT / "lessons"
PASSWORD = "korrekt-pferd-batterie"


def postgres_available() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as error:  # noqa: BLE001 - any failure means "not available"
        return f"PostgreSQL not reachable at {POSTGRES_URL}: {type(error).__name__}"


def require_or_skip(reason: str | None, variable: str) -> None:
    if reason is None:
        return
    if os.environ.get(variable) == "1":
        pytest.fail(f"{reason} ({variable}=1 makes this a failure)")
    pytest.skip(reason)


@pytest.fixture
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with tiny costs: for tests that sign in many people, not for tests of hashing."""
    from argon2 import PasswordHasher

    from app.security import passwords

    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    dummy = hasher.hash("dummy")
    monkeypatch.setattr(passwords, "_hasher", hasher)
    monkeypatch.setattr(passwords, "_dummy_hash", lambda: dummy)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database with the shipped packs, copied for each test."""
    folder = tmp_path_factory.mktemp("template")
    settings = Settings(data_dir=folder, secret_key="template", lessons_dir=LESSONS)
    upgrade_database(settings)
    database = Database.from_settings(settings)
    sync_shipped_packs(database, LESSONS)
    database.close()
    return folder / "lupe.sqlite3"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for one test, dropped afterwards."""
    require_or_skip(postgres_available(), "LUPE_REQUIRE_POSTGRES")
    name = f"lupe_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = re.sub(r"/[^/]*$", f"/{name}", POSTGRES_URL)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite by default; tests parametrised with "postgres" get a fresh PostgreSQL database."""
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        upgrade_database(Settings(database_url=url, data_dir=tmp_path))
        database = Database(create_engine_for(url))
        sync_shipped_packs(database, LESSONS)
        database.close()
        return url
    shutil.copy(sqlite_template, tmp_path / "lupe.sqlite3")
    return ""


def create_engine_for(url: str):  # noqa: ANN201
    from app.db import create_db_engine

    return create_db_engine(url)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    # No daily purge in the background: tests that compare every row before and after must see only their own writes.
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        secret_key="test-secret-key",
        lessons_dir=LESSONS,
        purge_daily=False,
    )


@pytest.fixture
def app(settings: Settings):  # noqa: ANN201
    return create_app(settings)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # noqa: ANN001
    with TestClient(app, follow_redirects=True) as test_client:
        yield test_client


def new_client(app) -> TestClient:  # noqa: ANN001
    """Another browser: its own cookies, same app."""
    return TestClient(app, follow_redirects=True)


def html(response) -> BeautifulSoup:  # noqa: ANN001
    return BeautifulSoup(response.text, "html.parser")


def set_up_school(client: TestClient, email: str = "admin@schule.example") -> None:
    response = client.post(
        "/setup",
        data={"school_name": "Gesamtschule Am See", "display_name": "Frau Berg", "email": email, "password": PASSWORD},
    )
    assert response.status_code == 200, response.text
    assert str(response.url).endswith("/teacher")


def create_class(client: TestClient, name: str = "7b") -> tuple[int, str]:
    """Create a class; return its id and join code."""
    response = client.post("/teacher/classes", data={"name": name})
    assert response.status_code == 200
    class_id = int(str(response.url).rstrip("/").split("/")[-1])
    code = html(response).select_one(".code.big").get_text(strip=True)
    return class_id, code


def open_pack(client: TestClient, class_id: int, pack_key: str = "echt-oder-erfunden", **form: object) -> int:
    """Give a pack to the class (self-paced unless ``kind=`` says otherwise); return the assignment's id."""
    from sqlalchemy import func, select

    from app.classroom.models import Assignment

    pack_id = pack_id_by_key(client, pack_key)
    response = client.post(f"/teacher/classes/{class_id}/assignments", data={"pack_id": pack_id, **form})
    assert response.status_code == 200, response.text
    with client.app.state.lupe.db.read_session() as db:  # type: ignore[attr-defined]
        return db.execute(select(func.max(Assignment.id)).where(Assignment.class_id == class_id)).scalar_one()


def pack_id_by_key(client: TestClient, key: str) -> int:
    from sqlalchemy import select

    from app.packs.models import Pack

    with client.app.state.lupe.db.read_session() as db:  # type: ignore[attr-defined]
        return db.execute(select(Pack.id).where(Pack.key == key)).scalar_one()


def add_school(app, name: str) -> int:  # noqa: ANN001
    """A school made in the database; its id."""
    with app.state.lupe.db.writing() as db:
        school = School(name=name)
        db.add(school)
        db.flush()
        assert school.id is not None
        return school.id


def add_account(app, email: str, school_id: int | None, role: Role = Role.teacher) -> int:  # noqa: ANN001
    """An account made in the database (password PASSWORD); its id."""
    with app.state.lupe.db.writing() as db:
        account = create_account(
            db, school_id=school_id, email=email, display_name=email.split("@")[0], password=PASSWORD, role=role
        )
        assert account.id is not None
        return account.id


def two_schools(client: TestClient, app) -> None:  # noqa: ANN001
    """The access tests' world of accounts: school A, set up on ``client`` by admin@eins, with the
    teachers owner@eins and colleague@eins; school B with the teacher stranger@zwei and its admin@zwei."""
    set_up_school(client, "admin@eins.example")
    with app.state.lupe.db.read_session() as db:
        first_school = db.execute(select(School.id)).scalar_one()  # made by the setup page
    second = add_school(app, "Realschule Am Berg")
    add_account(app, "owner@eins.example", first_school)
    add_account(app, "colleague@eins.example", first_school)
    add_account(app, "stranger@zwei.example", second)
    add_account(app, "admin@zwei.example", second, Role.school_admin)


def signed_in(app, email: str, password: str = PASSWORD, *, follow_redirects: bool = False) -> TestClient:  # noqa: ANN001
    """Another browser, signed in as ``email`` (password only)."""
    browser = new_client(app)
    response = browser.post("/login", data={"email": email, "password": password}, follow_redirects=False)
    assert response.status_code == 303, response.text
    browser.follow_redirects = follow_redirects
    return browser


def join(client: TestClient, code: str, pseudonym: str) -> str:
    """Join as a pupil; return the resume code."""
    response = client.post("/join", data={"code": code})
    assert response.status_code == 200, response.text
    response = client.post(f"/join/{code.replace('-', '')}", data={"pseudonym": pseudonym})
    assert response.status_code == 200, response.text
    return html(response).select_one(".resume-code").get_text(strip=True)


def pupil_playing(client: TestClient, app, pseudonym: str = "Dachs") -> tuple[TestClient, int, str]:  # noqa: ANN001
    """A school and a class with the demo pack given to it, and a pupil who joined and opened it:
    (the pupil's client, the assignment id, the key of the first item)."""
    set_up_school(client)
    class_id, code = create_class(client)
    assignment_id = open_pack(client, class_id)
    pupil = new_client(app)
    join(pupil, code, pseudonym)
    first = pupil.get(f"/play/{assignment_id}")
    return pupil, assignment_id, str(first.url).rsplit("/", 1)[-1]
