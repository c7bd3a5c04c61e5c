"""Preparing before serving: the cheap check of a restart, and the full preparation in a child process."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from app import serving
from app.cli import cli
from app.serving import PreparationFailed, migration_heads, prepare, prepare_apart, prepared_already
from app.settings import PROJECT_ROOT, Settings
from tests.conftest import LESSONS


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    lessons = tmp_path / "lessons"
    shutil.copytree(LESSONS, lessons)
    return Settings(data_dir=tmp_path / "data", lessons_dir=lessons, secret_key="prepare-tests")


def test_migration_heads_are_alembics() -> None:
    script = ScriptDirectory.from_config(Config(str(PROJECT_ROOT / "migrations" / "alembic.ini")))
    assert migration_heads() == set(script.get_heads())


def test_a_restart_needs_no_preparation_until_something_changed(settings: Settings) -> None:
    assert prepared_already(settings) is None  # no database yet
    ready = prepare(settings)
    assert ready > 0
    assert prepared_already(settings) == ready

    pack_file = next(settings.lessons_dir.glob("*/pack.md"))
    pack_file.write_text(pack_file.read_text() + "\n")
    assert prepared_already(settings) is None  # a changed pack must be compiled
    assert prepare(settings) == ready
    assert prepared_already(settings) == ready

    engine = create_engine(settings.effective_database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    engine.dispose()
    assert prepared_already(settings) is None  # an older schema must be migrated


def test_preparing_apart_tells_the_packs_ready_or_fails(settings: Settings, capfd: pytest.CaptureFixture) -> None:
    assert prepare_apart(settings) == prepare(settings) > 0
    unreachable = Settings(
        data_dir=settings.data_dir,
        lessons_dir=settings.lessons_dir,
        database_url="postgresql+psycopg://x@127.0.0.1:1/x",
    )
    with pytest.raises(PreparationFailed) as failed:
        prepare_apart(unreachable)
    assert failed.value.code == 1
    assert "OperationalError" in capfd.readouterr().err  # the child says why


def test_serve_prepares_in_a_child_only_when_needed(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    for name in [name for name in os.environ if name.startswith("LUPE_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("LUPE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("LUPE_LESSONS_DIR", str(settings.lessons_dir))
    uvicorn_calls: list[str] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **_options: uvicorn_calls.append(app))
    first = CliRunner().invoke(cli, ["serve"])
    assert first.exit_code == 0, first.output

    def must_not_run(_settings: Settings) -> int:
        raise AssertionError("prepared again although nothing changed")

    monkeypatch.setattr(serving, "prepare_apart", must_not_run)
    again = CliRunner().invoke(cli, ["serve"])
    assert again.exit_code == 0, again.output
    assert again.output.splitlines()[0] == first.output.splitlines()[0]  # "22 lesson packs ready"
    assert len(uvicorn_calls) == 2
