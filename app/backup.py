"""Consistent backups while Lupe runs, and restoring them.

SQLite uses its online backup API (pages copied under a read transaction, so writers may
continue); PostgreSQL uses ``pg_dump`` in its custom format and ``pg_restore``.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess  # noqa: S404 - runs PostgreSQL's own tools with arguments we build
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from app.settings import Settings


class BackupError(RuntimeError):
    """A backup or restore could not be made; the message says why."""


def default_target(settings: Settings) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    suffix = "sqlite3" if settings.is_sqlite else "pgdump"
    return settings.data_dir / "backups" / f"lupe-{stamp}.{suffix}"


def backup(settings: Settings, target: Path) -> Path:
    """Write a consistent copy of the database to ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise BackupError(f"{target} exists already; choose another file")
    if settings.is_sqlite:
        source = _sqlite_path(settings)
        with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
            live.backup(copy)
        return target
    _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", _libpq_url(settings)])
    return target


def restore(settings: Settings, source: Path) -> None:
    """Replace the database's contents with the backup ``source`` (stop the app first)."""
    if not source.is_file():
        raise BackupError(f"{source} is not a backup file")
    if settings.is_sqlite:
        try:
            with sqlite3.connect(source) as check:
                healthy = check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{source} is not a Lupe backup: {error}") from error
        if not healthy:
            raise BackupError(f"{source} is damaged (integrity check failed)")
        target = _sqlite_path(settings)
        with sqlite3.connect(source) as backup_file, sqlite3.connect(target) as live:
            backup_file.backup(live)
        return
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={_libpq_url(settings)}",
            str(source),
        ]
    )


def _sqlite_path(settings: Settings) -> Path:
    database = make_url(settings.effective_database_url).database
    if not database:
        raise BackupError("the SQLite database has no file to back up")
    return Path(database)


def _libpq_url(settings: Settings) -> str:
    """The SQLAlchemy URL as PostgreSQL's tools read it (without the driver name)."""
    url = make_url(settings.effective_database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install postgresql-client)")
    finished = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if finished.returncode != 0:
        raise BackupError(f"{command[0]} failed: {finished.stderr.strip()[:500]}")
