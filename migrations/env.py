"""Alembic environment: Lupe's metadata, the URL from the settings, batch mode for SQLite."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from app.db import create_db_engine
from app.models import metadata
from app.settings import Settings

config = context.config


def database_url() -> str:
    return config.attributes.get("database_url") or Settings().effective_database_url


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_sqlite(connection: Connection) -> None:
    """Batch mode rebuilds tables, which foreign keys would forbid: check them once at the end instead."""
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        run_with(connection)
        connection.commit()
        problems = raw.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"the migration left rows without their parent: {problems[:5]}")
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_with(connection)
        return
    engine = create_db_engine(database_url())
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            run_sqlite(connection)
        else:
            run_with(connection)
            connection.commit()
    engine.dispose()


if context.is_offline_mode():
    context.configure(url=database_url(), target_metadata=metadata, render_as_batch=True, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
