"""SIGKILL in the middle of a class burst: every acknowledged answer survives, exactly once.

An answer is acknowledged (200) only after the answer writer's transaction has committed
(app/db.py resolves the request's future after ``engine.begin()`` exits). On SQLite, WAL with
``synchronous=NORMAL`` writes each commit to the WAL file before returning, without fsync:
a killed *process* loses nothing that was committed (the bytes are in the kernel's page cache,
and the next open replays the WAL); only a power cut or kernel crash can lose the last commits.
On PostgreSQL the commit is durable on the server before the writer hears of it; a killed
Lupe leaves at most a transaction that PostgreSQL rolls back.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

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

PUPILS = 30
KILL_AFTER = 80  # of 30 × 8 = 240 answers


@pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_sigkill_mid_burst_loses_no_acknowledged_answer(
    tmp_path: Path, database_url: str, servers: list[LupeServer]
) -> None:
    settings = fault_settings(tmp_path, database_url)
    url = settings.effective_database_url
    classroom = seed_classroom(settings, PUPILS)
    server = LupeServer(tmp_path, database_url).start()
    servers.append(server)

    def pull_the_plug(acknowledged: int) -> None:
        if acknowledged >= KILL_AFTER and server.process is not None and server.process.poll() is None:
            server.kill()

    burst = fire_burst(server.base, classroom, when_acknowledged=pull_the_plug)
    assert server.process is not None and server.process.returncode == -9, "the server was not killed"
    cut_off = [key for key, status in burst.statuses.items() if isinstance(status, str)]
    assert cut_off, "no request was in flight when the server was killed"
    assert KILL_AFTER <= len(burst.acknowledged) < PUPILS * len(ITEMS)
    assert {status for status in burst.statuses.values() if isinstance(status, int)} == {200}

    restarted = LupeServer(tmp_path, database_url).start()
    servers.append(restarted)
    if settings.is_sqlite:
        assert integrity(settings.data_dir / "lupe.sqlite3") == "ok"
    rows = stored_answers(url, classroom)
    assert_each_once(rows, burst.acknowledged, classroom)
    assert rows.keys() <= burst.statuses.keys(), "an answer that was never sent is stored"

    # The browsers retry whatever they sent (and the rest of the pack): still one row per answer.
    everything = {(pupil, item) for pupil in range(PUPILS) for item in ITEMS}
    retried = fire_burst(restarted.base, classroom)
    assert retried.count() == {200: len(everything)}
    assert_each_once(stored_answers(url, classroom), everything, classroom)
    if settings.is_sqlite:
        assert integrity(settings.data_dir / "lupe.sqlite3") == "ok"


def integrity(path: Path) -> str:
    """``PRAGMA integrity_check`` of the SQLite file (read alongside the running server)."""
    connection = sqlite3.connect(path)
    try:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        connection.close()
