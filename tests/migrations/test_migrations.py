"""Migrations: they build the schema on SQLite and PostgreSQL, and match the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from app.cli import upgrade_database
from app.models import metadata
from app.settings import Settings


def differences(url: str) -> list:
    engine = create_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "render_as_batch": True})
        found = compare_metadata(context, metadata)
    engine.dispose()
    return found


def test_sqlite_migrations_match_the_models(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, secret_key="x")
    upgrade_database(settings)
    assert differences(settings.effective_database_url) == []
    tables = set(inspect(create_engine(settings.effective_database_url)).get_table_names())
    assert {
        "school",
        "account",
        "school_class",
        "pupil",
        "answer",
        "pack",
        "pack_version",
        "item",
        "auth_session",
        "assignment",
        "live_session",
    } <= tables


def test_upgrade_twice_is_harmless(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, secret_key="x")
    upgrade_database(settings)
    upgrade_database(settings)


@pytest.mark.postgres
def test_postgres_migrations_match_the_models(postgres_url: str, tmp_path: Path) -> None:
    upgrade_database(Settings(database_url=postgres_url, data_dir=tmp_path))
    assert differences(postgres_url) == []
