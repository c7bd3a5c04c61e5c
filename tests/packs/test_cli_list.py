"""`lupe packs list --json` and `lupe packs check` against the stored versions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from app.cli import cli, upgrade_database
from app.db import Database
from app.packs.library import sync_shipped_packs
from app.settings import Settings
from tests.conftest import LESSONS


def test_packs_list_json_counts_types_and_techniques() -> None:
    result = CliRunner().invoke(cli, ["packs", "list", "--json", str(LESSONS / "echt-oder-erfunden")])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[0])
    assert summary["id"] == "echt-oder-erfunden" and summary["language"] == "de"
    assert summary["items"] == 14 and summary["types"] == {"verdict": 14}
    assert sum(summary["techniques"].values()) == 7


def test_check_reports_an_item_that_disappeared_since_the_stored_version(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("LUPE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LUPE_DATABASE_URL", "")
    settings = Settings()
    upgrade_database(settings)
    database = Database.from_settings(settings)
    sync_shipped_packs(database, LESSONS)
    database.close()
    changed = tmp_path / "echt-oder-erfunden"
    shutil.copytree(LESSONS / "echt-oder-erfunden", changed)
    lesson = changed / "01-schlagzeilen.md"
    lesson.write_text(lesson.read_text().replace("#venus-drehung", "#venus-tag"))
    result = CliRunner().invoke(cli, ["packs", "check", str(changed)])
    assert result.exit_code == 1
    assert "error[ITEM012] item 'venus-drehung'" in result.output
    lesson.write_text(lesson.read_text().replace("#venus-tag", "#venus-tag renamed-from=venus-drehung"))
    assert CliRunner().invoke(cli, ["packs", "check", str(changed)]).exit_code == 0
    assert CliRunner().invoke(cli, ["packs", "check", "--alone", str(changed)]).exit_code == 0
