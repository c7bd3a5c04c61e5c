"""`lupe serve`: preparation once in the parent, then N uvicorn workers; refusals that explain themselves."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from app.cli import cli
from app.observability import MULTIPROCESS_VARIABLE
from app.settings import PROJECT_ROOT
from tests.conftest import LESSONS
from tests.e2e.conftest import free_port, wait_until_up, worker_pids


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in [name for name in os.environ if name.startswith("LUPE_")]:
        monkeypatch.delenv(name)
    monkeypatch.delenv(MULTIPROCESS_VARIABLE, raising=False)
    monkeypatch.setenv("LUPE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LUPE_LESSONS_DIR", str(LESSONS))
    return tmp_path


@pytest.fixture
def uvicorn_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """uvicorn.run replaced: the arguments of each call, and the metrics folder as it was then."""
    import uvicorn

    calls: list[dict[str, Any]] = []

    def run(app: str, **options: Any) -> None:
        calls.append({"app": app, "folder": os.environ.get(MULTIPROCESS_VARIABLE), **options})

    monkeypatch.setattr(uvicorn, "run", run)
    return calls


@pytest.mark.parametrize(
    ("arguments", "variables", "message"),
    [
        (["--workers", "2"], {}, "SQLite serves one process"),
        (["--workers", "0"], {}, "--workers must be 1 or more"),
        ([], {"LUPE_WORKERS": "3"}, "SQLite serves one process"),
    ],
)
def test_refused_before_anything_is_written(
    env: Path, monkeypatch: pytest.MonkeyPatch, arguments: list[str], variables: dict[str, str], message: str
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, ["serve", *arguments])
    assert result.exit_code == 2
    assert message in result.output
    assert not (env / "lupe.sqlite3").exists()


@pytest.mark.postgres
def test_several_workers_on_postgres_refuse_what_stays_in_one_process(
    env: Path, monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> None:
    monkeypatch.setenv("LUPE_DATABASE_URL", postgres_url)
    for variable, message in (("LUPE_RELOAD_LESSONS", "pack authors"), ("LUPE_LIVE_BUS", "inside one process")):
        monkeypatch.setenv(variable, {"LUPE_LIVE_BUS": "memory"}.get(variable, "true"))
        result = CliRunner().invoke(cli, ["serve", "--workers", "2"])
        assert result.exit_code == 2 and message in result.output
        monkeypatch.delenv(variable)


def test_one_process_prepares_then_serves_with_the_options(env: Path, uvicorn_calls: list[dict[str, Any]]) -> None:
    result = CliRunner().invoke(
        cli, ["serve", "--port", "8123", "--no-proxy-headers", "--forwarded-allow-ips", "10.0.0.5"]
    )
    assert result.exit_code == 0, result.output
    assert re.search(r"\d+ lesson packs ready\nserving on http://127.0.0.1:8123 with 1 process", result.output)
    assert (env / "lupe.sqlite3").exists() and (env / "secret_key").exists()  # prepared before uvicorn
    (call,) = uvicorn_calls
    assert call["app"] == "app.asgi:app" and call["workers"] == 1 and call["port"] == 8123
    assert call["proxy_headers"] is False and call["forwarded_allow_ips"] == "10.0.0.5"
    assert call["log_config"] is None and call["access_log"] is False
    assert call["folder"] is None  # one process keeps its metrics in memory


@pytest.mark.postgres
def test_several_workers_get_a_fresh_metrics_folder(
    env: Path, monkeypatch: pytest.MonkeyPatch, postgres_url: str, uvicorn_calls: list[dict[str, Any]]
) -> None:
    monkeypatch.setenv("LUPE_DATABASE_URL", postgres_url)
    monkeypatch.setenv("LUPE_METRICS", "true")
    result = CliRunner().invoke(cli, ["serve", "--workers", "3"])
    assert result.exit_code == 0, result.output
    (call,) = uvicorn_calls
    assert call["workers"] == 3 and call["folder"] is not None
    engine = create_engine(postgres_url)
    with engine.connect() as connection:  # prepared (in a child process) before the workers start
        assert connection.execute(text("SELECT count(*) FROM pack WHERE shipped")).scalar_one() > 0
    engine.dispose()
    assert not Path(call["folder"]).exists()  # removed when the server ends


@pytest.mark.postgres
def healthz(base: str) -> int:
    with urllib.request.urlopen(f"{base}/healthz", timeout=10) as response:  # noqa: S310 - loopback
        return int(response.status)


def test_two_worker_processes_serve_and_report_together(tmp_path: Path, postgres_url: str) -> None:
    """A real `lupe serve --workers 2`: two worker processes answer, /metrics adds up both."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LUPE_")},
        "LUPE_DATA_DIR": str(tmp_path),
        "LUPE_DATABASE_URL": postgres_url,
        "LUPE_PORT": str(port),
        "LUPE_METRICS": "true",
        "LUPE_LOG_FORMAT": "json",
        "LUPE_SECRET_KEY": "two-processes",
    }
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "app.cli", "serve", "--workers", "2"],
        cwd=PROJECT_ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process, seconds=90)
        workers = worker_pids(process.pid)
        assert len(workers) == 2, workers
        # New connections, many at once: the kernel hands them to either worker, but on a busy
        # machine one worker may take a whole round, so go on until both have served some.
        pids: set[str] = set()
        for _ in range(20):
            with ThreadPoolExecutor(max_workers=20) as pool:
                assert set(pool.map(lambda _n: healthz(base), range(40))) == {200}
            time.sleep(0.2)
            with urllib.request.urlopen(f"{base}/metrics", timeout=5) as response:  # noqa: S310 - loopback
                text = response.read().decode()
            pids = set(re.findall(r'lupe_process_resident_memory_bytes\{pid="(\d+)"\}', text))
            if pids == {str(pid) for pid in workers}:
                break
        served = re.search(r'lupe_http_requests_total\{method="GET",route="/healthz",status="200"\} (\S+)', text)
        assert served is not None and float(served.group(1)) >= 40
        assert pids == {str(pid) for pid in workers}, (pids, workers)
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=20)
    assert process.returncode == 0, errors[-2000:]
    assert '"logger": "uvicorn.error"' in errors  # uvicorn's own lines come out as JSON too
