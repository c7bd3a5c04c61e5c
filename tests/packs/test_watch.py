"""Editing a file in lessons/ shows up without a restart when LUPE_RELOAD_LESSONS is on."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from fastapi.testclient import TestClient

from app.main import create_app
from app.packs import watch
from app.settings import Settings
from tests.conftest import LESSONS, set_up_school


def test_changed_pack_is_loaded_again(tmp_path: Path, sqlite_template: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(watch, "INTERVAL_SECONDS", 0.1)
    lessons = tmp_path / "lessons"
    shutil.copytree(LESSONS / "echt-oder-erfunden", lessons / "echt-oder-erfunden")
    shutil.copy(sqlite_template, tmp_path / "lupe.sqlite3")
    app = create_app(Settings(data_dir=tmp_path, secret_key="k", lessons_dir=lessons, reload_lessons=True))
    with TestClient(app) as client:
        set_up_school(client)
        pack_md = lessons / "echt-oder-erfunden" / "pack.md"
        pack_md.write_text(pack_md.read_text().replace("title: Echt oder erfunden?", "title: Echt oder erfunden – neu"))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "Echt oder erfunden – neu" not in client.get("/teacher/packs").text:
            time.sleep(0.1)
        assert "Echt oder erfunden – neu" in client.get("/teacher/packs").text
