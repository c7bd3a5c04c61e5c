"""Before serving: the database schema, the lesson packs and the key prepared once; settings that cannot serve."""

from __future__ import annotations

import gc
import os
import re
import sys
import tempfile
import traceback
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


def prepare_for_serving(settings: Settings) -> int:
    """What ``lupe serve`` does before uvicorn starts; returns the number of lesson packs ready.

    One serving process checks cheaply whether anything must be done (it imports the
    database layer anyway); a supervisor of several processes stays lean and always
    prepares in a child. Raises :class:`PreparationFailed` when preparing failed.
    """
    ready = prepared_already(settings) if settings.workers == 1 else None
    return ready if ready is not None else prepare_apart(settings)


def prepared_already(settings: Settings) -> int | None:
    """The number of shipped packs when the database is at the newest migration and holds every
    shipped pack exactly as in the lessons folder (a restart, the usual case); else None.

    Answers without Alembic and the pack compiler, so that the serving process never imports
    them (docs/benchmarks.md, section 4). Any doubt means None: :func:`prepare` decides then.
    """
    heads = migration_heads()
    if heads is None or (settings.is_sqlite and not _sqlite_file(settings).exists()):
        return None
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError
    from sqlmodel import Session

    from app.db import create_db_engine
    from app.packs.library import shipped_packs_as_stored

    engine = create_db_engine(settings.effective_database_url, pool_size=1)
    try:
        with Session(engine) as db:
            if set(db.execute(text("SELECT version_num FROM alembic_version")).scalars()) != heads:
                return None
            ready = shipped_packs_as_stored(db, settings.lessons_dir)
    except (SQLAlchemyError, OSError):
        return None  # no schema yet, or a problem that preparing reports properly
    finally:
        engine.dispose()
    if ready is not None:
        settings.signing_key()  # as prepare() does
    return ready


_REVISION_LINE = re.compile(r'^(revision|down_revision)\b[^=\n]*=\s*(?:None|"([^"\n]+)")\s*$', re.MULTILINE)


def migration_heads() -> set[str] | None:
    """The newest revisions in migrations/versions, read as text; None when a file is not of the simple form.

    Alembic's own script loader would bring Mako and Pygments into the serving process (10 MB).
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (PROJECT_ROOT / "migrations" / "versions").glob("*.py"):
        found = {match[1]: match[2] for match in _REVISION_LINE.finditer(path.read_text(encoding="utf-8"))}
        if not found.get("revision") or "down_revision" not in found:
            return None  # a merge or an unusual file: let Alembic decide
        revisions.add(found["revision"])
        if found["down_revision"]:
            parents.add(found["down_revision"])
    return (revisions - parents) or None


class PreparationFailed(Exception):
    """The child that prepared exited with ``code`` (it has printed why)."""

    def __init__(self, code: int) -> None:
        super().__init__(f"preparation failed with exit code {code}")
        self.code = code


def prepare_apart(settings: Settings) -> int:
    """:func:`prepare` in a forked child, so that this process never holds what preparing loads.

    Migrating and compiling packs bring Alembic, Mako, markdown-it, nh3 and PyYAML, and
    leave a fragmented heap: about 10 MB that a serving process would keep for its whole life.
    """
    if not hasattr(os, "fork"):  # no fork (Windows): prepare here
        return prepare(settings)
    read_end, write_end = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child, which leaves through os._exit
        os.close(read_end)
        _prepare_as_child(settings, write_end)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        told = pipe.read()
    _, status = os.waitpid(child, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise PreparationFailed(code)
    return int(told)


def _prepare_as_child(settings: Settings, answer: int) -> None:  # pragma: no cover - runs in the child
    """Prepare, write the number of packs ready to ``answer``, and leave without the parent's clean-up."""
    code = 1
    try:
        os.write(answer, str(prepare(settings)).encode())
        code = 0
    except BaseException:  # noqa: BLE001 - the parent only sees the exit code, so say why here
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _sqlite_file(settings: Settings) -> Path:
    from sqlalchemy.engine import make_url

    return Path(make_url(settings.effective_database_url).database or "")


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
    database = _sqlite_file(settings)
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
