"""The foundation's story on PostgreSQL with `lupe serve --workers 2`, and a backup taken in the middle
of it that restores, into a fresh database, to exactly the data of that moment."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from app.settings import PROJECT_ROOT
from tests.conftest import POSTGRES_URL
from tests.e2e.conftest import Watch, running_server, worker_pids
from tests.e2e.test_class_story import expect, join_as_pupil, play_whole_pack, set_up_and_create_class
from tests.test_backup import snapshot

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

GERMAN = {"locale": "de-DE", "viewport": {"width": 1024, "height": 768}}


@pytest.fixture
def empty_database() -> Iterator[str]:
    """A second, empty PostgreSQL database to restore into."""
    name = f"lupe_restore_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield re.sub(r"/[^/]*$", f"/{name}", POSTGRES_URL)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def lupe(database_url: str, data: Path, *arguments: str) -> str:
    """Run the `lupe` command against ``database_url``; return its output."""
    env = {**os.environ, "LUPE_DATABASE_URL": database_url, "LUPE_DATA_DIR": str(data)}
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "app.cli", *arguments], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def pupil_page(browser: Any, watch: Watch) -> Any:
    context = browser.new_context(**GERMAN)
    watch.attach(context)
    return context.new_page()


def test_class_story_on_two_processes_with_a_backup_in_the_middle(
    browser: Any, postgres_url: str, empty_database: str, tmp_path: Path
) -> None:
    environment = {
        "LUPE_DATABASE_URL": postgres_url,
        "LUPE_METRICS": "true",
        "LUPE_SECRET_KEY": "zwei-prozesse",
        "LUPE_PURGE_DAILY": "false",  # its daily run must not write between the snapshot and the backup
    }
    with running_server(tmp_path / "data", args=("--workers", "2"), env=environment) as (base, process):
        assert len(worker_pids(process.pid)) == 2
        watch = Watch(base)
        teacher_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
        watch.attach(teacher_context)
        teacher = teacher_context.new_page()
        code = set_up_and_create_class(teacher, base)

        first = pupil_page(browser, watch)
        first_name = join_as_pupil(first, base, code, "Kluge Eule")
        total = play_whole_pack(first)
        expect()(teacher.locator("#progress tbody tr", has_text=first_name)).to_contain_text(f"{total}/{total}")

        # The backup, while the server runs: the teacher's page is away so nothing changes meanwhile.
        class_page = teacher.url
        teacher.goto("about:blank")
        at_backup = snapshot(postgres_url)
        backup_file = tmp_path / "mitten-in-der-stunde.pgdump"
        assert "backup written" in lupe(postgres_url, tmp_path, "backup", str(backup_file))
        assert snapshot(postgres_url) == at_backup
        teacher.goto(class_page)

        second = pupil_page(browser, watch)
        second_name = join_as_pupil(second, base, code, "Nachtfalke 3")
        assert play_whole_pack(second) == total
        for name in (first_name, second_name):
            expect()(teacher.locator("#progress tbody tr", has_text=name)).to_contain_text(f"{total}/{total}")
        expect()(teacher.locator("#progress tbody tr")).to_have_count(2)

        with urllib.request.urlopen(f"{base}/metrics", timeout=5) as response:  # noqa: S310 - loopback
            scrape = response.read().decode()
        watch.assert_clean()

    stored = len(snapshot(postgres_url)["answer"])
    assert stored > len(at_backup["answer"]) > 0
    counted = re.search(r"^lupe_answers_stored_total (\S+)$", scrape, flags=re.MULTILINE)
    assert counted is not None and float(counted.group(1)) == stored  # both workers' answers, added up

    assert "restored" in lupe(empty_database, tmp_path, "restore", "--yes", str(backup_file))
    assert snapshot(empty_database) == at_backup
