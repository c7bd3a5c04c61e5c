"""The run's database: a temporary SQLite folder, or a scratch PostgreSQL database dropped afterwards."""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from app.cli import upgrade_database
from app.db import Database
from app.packs.library import sync_shipped_packs
from app.settings import PROJECT_ROOT, Settings
from bench.config import SECRET_KEY

LOOPBACK = {"127.0.0.1", "localhost", "::1", None, ""}


@dataclass
class Target:
    dialect: str
    url: str  # "" for SQLite in data_dir
    data_dir: Path

    def env(self) -> dict[str, str]:
        return {
            "LUPE_DATA_DIR": str(self.data_dir),
            "LUPE_DATABASE_URL": self.url,
            "LUPE_SECRET_KEY": SECRET_KEY,
            "LUPE_LESSONS_DIR": str(PROJECT_ROOT / "lessons"),
            "LUPE_LOG_LEVEL": "warning",
        }

    def settings(self) -> Settings:
        return Settings(
            data_dir=self.data_dir,
            database_url=self.url,
            secret_key=SECRET_KEY,
            lessons_dir=PROJECT_ROOT / "lessons",
            log_level="warning",
        )


@contextmanager
def target(database_url: str) -> Iterator[Target]:
    """A fresh database for one run: SQLite in a temporary folder, or a scratch PostgreSQL database."""
    with tempfile.TemporaryDirectory(prefix="lupe-bench-") as folder:
        data_dir = Path(folder)
        if not database_url.startswith("postgresql"):
            yield Target("sqlite", "", data_dir)
            return
        url = make_url(database_url)
        if url.host not in LOOPBACK:
            raise SystemExit(f"the benchmark only targets this machine; {url.host} is not a loopback address")
        scratch = f"lupe_bench_{secrets.token_hex(4)}"
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{scratch}"'))
        try:
            yield Target("postgresql", url.set(database=scratch).render_as_string(hide_password=False), data_dir)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
            admin.dispose()


def prepare(settings: Settings) -> Database:
    """Migrate and load the shipped packs the way ``lupe serve`` does; return a handle on the database."""
    upgrade_database(settings)
    database = Database.from_settings(settings)
    sync_shipped_packs(database, settings.lessons_dir)
    return database
