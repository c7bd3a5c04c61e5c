"""`lupe backup` while the app runs, and `lupe restore`: the restored data is identical."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from app.backup import BackupError, backup, restore
from app.cli import cli
from app.models import metadata
from app.settings import Settings
from tests.conftest import create_class, join, new_client, open_pack, set_up_school


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order."""
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = {
            table.name: sorted(
                (tuple(str(value) for value in row) for row in connection.execute(table.select())), key=repr
            )
            for table in metadata.sorted_tables
        }
    engine.dispose()
    return rows


@pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_backup_during_use_restores_to_identical_data(
    client: Any, app: Any, settings: Settings, tmp_path: Path
) -> None:
    set_up_school(client)
    class_id, code = create_class(client)
    pack_id = open_pack(client, class_id)
    pupil = new_client(app)
    join(pupil, code, "Sicherung")
    key = str(pupil.get(f"/play/{pack_id}").url).rsplit("/", 1)[-1]
    pupil.post(f"/play/{pack_id}/items/{key}", data={"choice": "Fakt"})
    url = settings.effective_database_url
    before = snapshot(url)

    target = backup(settings, tmp_path / "backups" / "eins.bak")
    with pytest.raises(BackupError):
        backup(settings, target)  # never overwrites an earlier backup

    join(new_client(app), code, "Danach")  # changes after the backup
    with app.state.lupe.db.writing() as db:
        db.execute(text("DELETE FROM answer"))
    assert snapshot(url) != before

    restore(settings, target)
    assert snapshot(url) == before


def test_cli_backup_and_restore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_template: Path) -> None:
    import shutil

    shutil.copy(sqlite_template, tmp_path / "lupe.sqlite3")
    monkeypatch.setenv("LUPE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LUPE_DATABASE_URL", "")
    runner = CliRunner()
    made = runner.invoke(cli, ["backup"])
    assert made.exit_code == 0, made.output
    written = next((tmp_path / "backups").iterdir())
    assert runner.invoke(cli, ["restore", str(written)], input="n\n").exit_code == 1  # asks first
    assert runner.invoke(cli, ["restore", "--yes", str(written)]).exit_code == 0
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"not a database")
    failed = runner.invoke(cli, ["restore", "--yes", str(broken)])
    assert failed.exit_code == 1 and "error:" in failed.output
