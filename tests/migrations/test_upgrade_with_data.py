"""Upgrading a database that holds data: every revision's rows survive to the current schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from app.settings import PROJECT_ROOT, Settings

FIRST_REVISION_ROWS = [
    "INSERT INTO school (id, name, created_at) VALUES (1, 'Schule', '2026-01-01 00:00:00')",
    "INSERT INTO account (id, school_id, email, display_name, password_hash, role, disabled, created_at)"
    " VALUES (1, 1, 'a@b.example', 'A', 'x', 'school_admin', false, '2026-01-01 00:00:00')",
    "INSERT INTO school_class (id, school_id, teacher_id, name, join_code, is_open, created_at)"
    " VALUES (1, 1, 1, '7a', 'ABCDEFGH', true, '2026-01-01 00:00:00')",
    "INSERT INTO pupil (id, class_id, pseudonym, resume_code_hash, created_at)"
    " VALUES ('p1', 1, 'Fuchs', 'h', '2026-01-01 00:00:00')",
    "INSERT INTO pack (id, key, school_id, owner_id, shipped, current_version_id, created_at)"
    " VALUES (1, 'demo', NULL, NULL, true, 1, '2026-01-01 00:00:00')",
    "INSERT INTO pack_version (id, pack_id, version, title, language, content_hash, compiled, created_at)"
    " VALUES (1, 1, '1.0.0', 'Demo', 'de', 'abc', '{\"items\": []}', '2026-01-01 00:00:00')",
    "INSERT INTO item (id, pack_version_id, key, position, type) VALUES (1, 1, 'eins', 0, 'verdict')",
    "INSERT INTO answer (id, pupil_id, pack_id, item_id, item_key, choice, confidence, is_correct, created_at)"
    " VALUES (1, 'p1', 1, 1, 'eins', 'Fakt', 75, true, '2026-01-01 00:00:00')",
    "INSERT INTO class_pack (class_id, pack_id, opened_at) VALUES (1, 1, '2026-01-01 00:00:00')",
    # A second pack, answered and then closed again (no class_pack row left)
    "INSERT INTO pack (id, key, school_id, owner_id, shipped, current_version_id, created_at)"
    " VALUES (2, 'zwei', NULL, NULL, true, 2, '2026-01-01 00:00:00')",
    "INSERT INTO pack_version (id, pack_id, version, title, language, content_hash, compiled, created_at)"
    " VALUES (2, 2, '1.0.0', 'Zwei', 'de', 'def', '{\"items\": []}', '2026-01-01 00:00:00')",
    "INSERT INTO item (id, pack_version_id, key, position, type) VALUES (2, 2, 'zwei', 0, 'verdict')",
    "INSERT INTO answer (id, pupil_id, pack_id, item_id, item_key, choice, confidence, is_correct, created_at)"
    " VALUES (2, 'p1', 2, 2, 'zwei', 'Fake', NULL, false, '2026-01-02 00:00:00')",
]


def config_for(url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = url
    return config


def upgrade_with_first_revision_data(url: str) -> None:
    command.upgrade(config_for(url), "0001")
    engine = create_engine(url)
    with engine.begin() as connection:
        for statement in FIRST_REVISION_ROWS:
            connection.execute(text(statement))
    engine.dispose()
    command.upgrade(config_for(url), "head")
    engine = create_engine(url)
    with engine.connect() as connection:
        answer = connection.execute(
            text("SELECT choice, confidence, is_correct, attempt, final, score FROM answer WHERE id = 1")
        ).one()
        assert tuple(answer) == ("Fakt", 75, True, 1, True, 1.0)
        # Opened packs became open assignments; a pack closed before keeps its answers in a closed one.
        assignments = connection.execute(
            text(
                "SELECT s.pack_id, s.kind, s.closed_at IS NULL, a.id FROM assignment s "
                "JOIN answer a ON a.assignment_id = s.id ORDER BY s.pack_id"
            )
        ).all()
        assert [tuple(row) for row in assignments] == [(1, "practice", True, 1), (2, "practice", False, 2)]
        assert connection.execute(text("SELECT allow_reflection FROM school")).scalar_one() in (False, 0)
        assert connection.execute(text("SELECT shared FROM pack WHERE id = 1")).scalar_one() in (False, 0)
        assert connection.execute(text("SELECT pseudonym FROM pupil")).scalar_one() == "Fuchs"
    engine.dispose()
    command.downgrade(config_for(url), "0001")  # and back, with the data still there
    engine = create_engine(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM answer")).scalar_one() == 2
        assert connection.execute(text("SELECT pack_id FROM class_pack")).scalar_one() == 1
    engine.dispose()


def test_sqlite_upgrade_keeps_the_data(tmp_path: Path) -> None:
    upgrade_with_first_revision_data(Settings(data_dir=tmp_path).effective_database_url)


@pytest.mark.postgres
def test_postgres_upgrade_keeps_the_data(postgres_url: str) -> None:
    upgrade_with_first_revision_data(postgres_url)


# From revision 0004 on, answers belong to an assignment instead of "packs opened for a class".
ASSIGNMENT_ROWS = [
    *[row for row in FIRST_REVISION_ROWS if "INTO answer" not in row and "INTO class_pack" not in row],
    "INSERT INTO assignment (id, class_id, pack_id, kind, created_at)"
    " VALUES (1, 1, 1, 'practice', '2026-01-01 00:00:00')",
    "INSERT INTO assignment (id, class_id, pack_id, kind, created_at, closed_at)"
    " VALUES (2, 1, 2, 'live', '2026-01-01 00:00:00', '2026-01-02 00:00:00')",
    "INSERT INTO live_session (assignment_id, position, phase, revision, points, speed_bonus, streaks, podium,"
    " started_at) VALUES (2, 0, 'finished', 3, false, false, false, false, '2026-01-02 00:00:00')",
    "INSERT INTO answer (id, pupil_id, assignment_id, pack_id, item_id, item_key, choice, confidence, is_correct,"
    " attempt, final, score, created_at) VALUES (1, 'p1', 1, 1, 1, 'eins', 'Fakt', 75, true, 1, true, 1.0,"
    " '2026-01-01 00:00:00')",
    "INSERT INTO answer (id, pupil_id, assignment_id, pack_id, item_id, item_key, choice, confidence, is_correct,"
    " attempt, final, score, created_at) VALUES (2, 'p1', 2, 2, 2, 'zwei', 'Fake', NULL, false, 1, true, 0.0,"
    " '2026-01-02 00:00:00')",
]


def earlier_revisions() -> list[str]:
    """Every revision but the newest, oldest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(config_for("sqlite://"))
    revisions = [revision.revision for revision in script.walk_revisions()]
    return list(reversed(revisions))[:-1]


def upgrade_from(revision: str, url: str) -> None:
    """A database at ``revision`` holding a school, a class, a pupil and two answered packs, upgraded to the newest."""
    command.upgrade(config_for(url), revision)
    engine = create_engine(url)
    with engine.begin() as connection:
        for statement in FIRST_REVISION_ROWS if revision < "0004" else ASSIGNMENT_ROWS:
            connection.execute(text(statement))
    engine.dispose()
    command.upgrade(config_for(url), "head")
    engine = create_engine(url)
    with engine.connect() as connection:
        answers = connection.execute(
            text(
                "SELECT a.id, p.pseudonym, a.item_key, a.choice, s.pack_id FROM answer a "
                "JOIN pupil p ON p.id = a.pupil_id JOIN assignment s ON s.id = a.assignment_id ORDER BY a.id"
            )
        ).all()
        assert [tuple(row) for row in answers] == [(1, "Fuchs", "eins", "Fakt", 1), (2, "Fuchs", "zwei", "Fake", 2)]
        assert connection.execute(text("SELECT name FROM school_class")).scalar_one() == "7a"
        assert connection.execute(text("SELECT email FROM account")).scalar_one() == "a@b.example"
    engine.dispose()


@pytest.mark.parametrize("revision", earlier_revisions())
def test_sqlite_upgrade_from_every_earlier_revision(revision: str, tmp_path: Path) -> None:
    upgrade_from(revision, Settings(data_dir=tmp_path).effective_database_url)


@pytest.mark.postgres
@pytest.mark.parametrize("revision", earlier_revisions())
def test_postgres_upgrade_from_every_earlier_revision(revision: str, postgres_url: str) -> None:
    upgrade_from(revision, postgres_url)
