"""Before serving: the database schema, the lesson packs and the key prepared once; settings that cannot serve."""

from __future__ import annotations

import gc
import os
import tempfile
from pathlib import Path

from app.settings import PROJECT_ROOT, Settings


def upgrade_database(settings: Settings) -> None:
    """Apply every Alembic migration to the configured database."""
    from alembic import command
    from alembic.config import Config

    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    config = Config(str(PROJECT_ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = settings.effective_database_url
    command.upgrade(config, "head")


def prepare(settings: Settings) -> int:
    """Migrations, the lesson packs and the signing key, done once before any worker starts."""
    from app.db import Database
    from app.packs.library import sync_shipped_packs

    upgrade_database(settings)
    database = Database.from_settings(settings)
    ready = sum(1 for checked in sync_shipped_packs(database, settings.lessons_dir) if checked.compiled)
    database.close()
    gc.collect()  # the packs just compiled are in the database now; don't keep them in this process
    settings.signing_key()  # workers must agree on one key
    return ready


def serving_problem(settings: Settings) -> str | None:
    """Why these settings cannot be served as asked, or None."""
    if settings.workers < 1:
        return "--workers must be 1 or more"
    if settings.workers == 1:
        return None
    if settings.is_sqlite:
        return (
            "SQLite serves one process: use --workers 1, or PostgreSQL (LUPE_DATABASE_URL) for several "
            "(see docs/deployment.md)"
        )
    if settings.reload_lessons:
        return "LUPE_RELOAD_LESSONS is for pack authors and needs --workers 1"
    if settings.live_bus == "memory":
        return "LUPE_LIVE_BUS=memory keeps live events inside one process: use auto, postgres or redis"
    return None


def data_folder_problem(settings: Settings) -> str | None:
    """Why the SQLite database's folder cannot be written (read-only, no permission), or None."""
    if not settings.is_sqlite:
        return None
    from sqlalchemy.engine import make_url

    database = Path(make_url(settings.effective_database_url).database or "")
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=database.parent):
            pass  # SQLite needs to create its -wal and -shm files beside the database
        if database.exists() and not os.access(database, os.W_OK):
            raise PermissionError(13, "Permission denied")
    except OSError as error:
        return (
            f"cannot write to {database.parent} ({error.strerror or error}): Lupe keeps its SQLite database "
            "there; make the folder and lupe.sqlite3 writable for the user running Lupe, or set LUPE_DATA_DIR"
        )
    return None


def metrics_folder_for(settings: Settings) -> Path | None:
    """With several workers and metrics on: a fresh folder where every worker writes its figures."""
    if not (settings.metrics and settings.workers > 1):
        return None
    from app.observability import MULTIPROCESS_VARIABLE, prepare_multiprocess_folder

    given = os.environ.get(MULTIPROCESS_VARIABLE)
    folder = Path(given) if given else Path(tempfile.mkdtemp(prefix="lupe-metrics-"))
    prepare_multiprocess_folder(folder)
    return None if given else folder  # a folder the admin chose is emptied, never removed
