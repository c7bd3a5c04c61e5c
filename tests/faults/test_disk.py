"""Disk full and a read-only data folder, on SQLite: a clear error, no corrupted database, work resumes.

A small tmpfs stands in for the school server's disk (needs root, or CAP_SYS_ADMIN, to mount;
otherwise these tests skip and say so). A folder cannot be made read-only under a running
SQLite database (the kernel refuses to remount while files are open for writing), so the
read-only case is the one an admin meets: Lupe started on a folder it cannot write.
"""

from __future__ import annotations

import errno
import hashlib
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from tests.conftest import require_or_skip
from tests.faults.conftest import (
    ITEMS,
    LupeServer,
    assert_each_once,
    fault_settings,
    fire_burst,
    seed_classroom,
    stored_answers,
)

pytestmark = pytest.mark.faults


def mount(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["mount", *args], capture_output=True, text=True, check=False)


@pytest.fixture
def small_disk(tmp_path: Path, sqlite_template: Path) -> Iterator[Path]:
    """A 24 MB tmpfs holding a copy of the migrated test database."""
    folder = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    folder.mkdir()
    mounted = mount("-t", "tmpfs", "-o", "size=24m", "tmpfs", str(folder))
    if mounted.returncode != 0:
        reason = f"cannot mount a small tmpfs here (needs root): {mounted.stderr.strip()}"
        require_or_skip(reason, "LUPE_REQUIRE_MOUNT")
    try:
        shutil.copy(sqlite_template, folder / "lupe.sqlite3")
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> Path:
    """Write a file until the disk is full; return it (delete it to free the space)."""
    filler = folder / "filler"
    block = b"\0" * 65536
    with filler.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(block)
        except OSError as error:
            assert error.errno == errno.ENOSPC
    return filler


def integrity(path: Path, *, read_only: bool = False) -> str:
    # On a read-only folder SQLite cannot make its -shm file; "immutable" reads the file as it is.
    connection = sqlite3.connect(f"file:{path}?immutable=1", uri=True) if read_only else sqlite3.connect(path)
    try:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        connection.close()


def test_a_full_disk_gives_503s_keeps_the_data_and_answers_go_through_once_space_returns(
    small_disk: Path, servers: list[LupeServer]
) -> None:
    settings = fault_settings(small_disk, "")
    url = settings.effective_database_url
    classroom = seed_classroom(settings)
    server = LupeServer(small_disk, "").start()
    servers.append(server)
    before = fire_burst(server.base, classroom, items=ITEMS[:3])
    assert before.count() == {200: 90}

    # An empty WAL, so the next commit needs fresh space; then nothing is left.
    checkpoint = sqlite3.connect(small_disk / "lupe.sqlite3")
    assert checkpoint.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0] == 0
    checkpoint.close()
    filler = fill(small_disk)

    during = fire_burst(server.base, classroom, items=ITEMS[3:6])
    counts = during.count()
    assert set(counts) <= {200, 503}, f"not only 200 and 503: {counts}"
    assert counts[503] > 0
    with httpx2.Client(base_url=server.base, timeout=30) as http:
        assert http.get("/healthz").status_code == 200  # reading still works: pupils see their work
    assert "database or disk is full" in server.logged()
    assert "unhandled error" not in server.logged()

    filler.unlink()
    assert server.process is not None and server.process.poll() is None
    after = fire_burst(server.base, classroom)
    assert after.count() == {200: len(classroom.pupils) * len(ITEMS)}
    everything = {(pupil, item) for pupil in range(len(classroom.pupils)) for item in ITEMS}
    assert_each_once(stored_answers(url, classroom), everything, classroom)
    server.stop()
    assert integrity(small_disk / "lupe.sqlite3") == "ok"


def test_a_read_only_data_folder_stops_the_start_with_a_clear_message(
    small_disk: Path, servers: list[LupeServer]
) -> None:
    database = small_disk / "lupe.sqlite3"
    fingerprint = hashlib.sha256(database.read_bytes()).hexdigest()
    assert mount("-o", "remount,ro", str(small_disk)).returncode == 0
    server = LupeServer(small_disk, "")
    servers.append(server)
    server.start(wait=False)
    assert server.process is not None
    assert server.process.wait(timeout=60) == 2
    logged = server.logged()
    assert f"error: cannot write to {small_disk} (Read-only file system)" in logged
    assert "Traceback" not in logged
    assert hashlib.sha256(database.read_bytes()).hexdigest() == fingerprint
    assert integrity(database, read_only=True) == "ok"

    assert mount("-o", "remount,rw", str(small_disk)).returncode == 0
    server.start()  # once the folder is writable, the same data serves
    with httpx2.Client(base_url=server.base, timeout=30) as http:
        assert http.get("/healthz").json()["database"] == "ok"
