"""/metrics: off by default, Prometheus text when on, route templates only, summed over workers."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine

from app.db import AnswerWriter
from app.main import create_app
from app.observability import MULTIPROCESS_VARIABLE
from app.observability.metrics import Metrics
from app.settings import PROJECT_ROOT, Settings
from tests.conftest import create_class, join, new_client, set_up_school


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a scrape: (name, labels) → value."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(scrape: str, name: str, **labels: str) -> float:
    return samples(scrape).get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def metered(settings: Settings) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"metrics": True}))
    with TestClient(app, follow_redirects=True) as client:
        yield client


def test_metrics_are_off_by_default(client: TestClient) -> None:
    assert client.get("/metrics").status_code == 404


def test_requests_are_counted_by_route_template_never_by_path(metered: TestClient) -> None:
    set_up_school(metered)
    _, code = create_class(metered)
    pupil = new_client(metered.app)
    join(pupil, code, "Zählmaus")
    metered.get("/join/QQQQQQQQ?secret=1")
    scrape = metered.get("/metrics")
    assert scrape.status_code == 200
    assert scrape.headers["content-type"].startswith("text/plain; version=")
    text = scrape.text
    assert value(text, "lupe_http_requests_total", method="POST", route="/join/{code}", status="200") == 1
    assert value(text, "lupe_http_requests_total", method="GET", route="/join/{code}", status="404") == 1
    assert value(text, "lupe_http_request_duration_seconds_count", method="POST", route="/join") >= 1
    for secret in (code, code.replace("-", ""), "QQQQQQQQ", "secret", "Zählmaus"):
        assert secret not in text
    assert value(text, "lupe_db_pool_size") > 0
    assert value(text, "lupe_process_resident_memory_bytes") > 10_000_000


def test_a_token_guards_the_metrics(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"metrics": True, "metrics_token": "geheim-123"}))
    with TestClient(app) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer falsch"}).status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Basic geheim-123"}).status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer geheim-123"}).status_code == 200


def test_the_writer_reports_stored_answers_and_batch_sizes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only new rows count: a repeated try (the insert returned nothing) is not an answer stored."""
    writer = AnswerWriter(create_engine(f"sqlite:///{tmp_path / 'w.sqlite3'}"))
    outcomes = iter([True, False, True])
    # The writer inserts a batch in one statement and learns, for each row, whether it was new.
    monkeypatch.setattr(AnswerWriter, "_insert", lambda _self, _connection, rows: [next(outcomes) for _ in rows])
    metrics = Metrics(_FakeDatabase(writer))  # type: ignore[arg-type]

    async def store_three() -> list[bool]:
        return [await writer.store({"assignment_id": 1, "n": n}) for n in range(3)]

    try:
        assert asyncio.run(store_three()) == [True, False, True]
    finally:
        writer.stop()
    text = metrics.render().decode()
    assert value(text, "lupe_answers_stored_total") == 2
    assert value(text, "lupe_answer_writer_batch_size_count") == 3


class _FakePool:
    def checkedout(self) -> int:
        return 3

    def size(self) -> int:
        return 20


class _FakeWriter:
    on_batch = None

    def queue_length(self) -> int:
        return 1


class _FakeDatabase:
    """What Metrics reads of a Database, without a database."""

    def __init__(self, writer: Any) -> None:
        self.writer = writer
        self.engine = type("Engine", (), {"pool": _FakePool()})()


WORKER = textwrap.dedent(
    """
    import sys
    from tests.ops.test_metrics import _FakeDatabase, _FakeWriter
    from app.observability.metrics import Metrics

    metrics = Metrics(_FakeDatabase(_FakeWriter()))
    for _ in range(int(sys.argv[1])):
        metrics.observe_request("GET", "/healthz", 200, 0.01)
    metrics.writer_batch(5, 4)
    metrics.refresh()
    """
)


def test_several_worker_processes_are_added_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whichever worker answers a scrape reports the sum of all of them."""
    env = {"PATH": "/usr/bin:/bin", MULTIPROCESS_VARIABLE: str(tmp_path)}
    for requests in (3, 4):
        subprocess.run([sys.executable, "-c", WORKER, str(requests)], cwd=PROJECT_ROOT, env=env, check=True)  # noqa: S603
    monkeypatch.setenv(MULTIPROCESS_VARIABLE, str(tmp_path))
    text = Metrics(_FakeDatabase(_FakeWriter())).render().decode()  # type: ignore[arg-type]
    assert value(text, "lupe_http_requests_total", method="GET", route="/healthz", status="200") == 7
    assert value(text, "lupe_answers_stored_total") == 8
    assert value(text, "lupe_db_pool_connections_in_use") == 6  # 3 in each worker
    assert len([key for key in samples(text) if key[0] == "lupe_process_resident_memory_bytes"]) == 2  # one per pid
