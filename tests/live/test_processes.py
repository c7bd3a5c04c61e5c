"""The proof across processes: two uvicorn processes on one PostgreSQL database (or one Redis);
a stream served by process A hears what process B publishes, within a second."""

from __future__ import annotations

import signal
import statistics
import subprocess
import time
from collections.abc import AsyncIterator

import httpx2
import pytest

from tests.live.conftest import run
from tests.live.servers import serve

pytestmark = pytest.mark.postgres
ROUNDS = 20


def quantile_95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


async def messages(lines: AsyncIterator[str]) -> AsyncIterator[str]:
    """SSE messages from a stream of lines."""
    message: list[str] = []
    async for line in lines:
        if line:
            message.append(line)
        elif message:
            yield "\n".join(message)
            message = []


def test_an_event_published_on_process_b_reaches_a_stream_on_process_a(environment: dict[str, str]) -> None:
    async def scenario(a: str, b: str) -> list[float]:
        latencies = []
        async with httpx2.AsyncClient(timeout=5) as client, client.stream("GET", f"{a}/events?topic=live:7") as events:
            assert events.status_code == 200
            incoming = messages(events.aiter_lines())
            assert (await anext(incoming)).endswith("event: change\ndata: *")
            assert (await client.get(f"{a}/open")).json() == {"open": 1}
            for _ in range(ROUNDS):
                started = time.perf_counter()
                assert (await client.post(f"{b}/publish/live:7")).status_code == 200
                message = await anext(incoming)
                latencies.append(time.perf_counter() - started)
                assert message == "event: change\ndata: live:7"
        return latencies

    with serve(environment, count=2) as [(a, _), (b, _)]:
        latencies = run(scenario(a, b))
    figures = (statistics.median(latencies), quantile_95(latencies), max(latencies))
    median, p95, worst = (1000 * figure for figure in figures)
    print(  # noqa: T201 - the figure the report quotes (pytest -s)
        f"\n{environment['LUPE_LIVE_BUS']}: publish on B → change on A's stream, {ROUNDS} rounds: "
        f"median {median:.0f} ms, p95 {p95:.0f} ms, max {worst:.0f} ms"
    )
    assert max(latencies) < 1.0


def test_an_open_stream_does_not_keep_uvicorn_from_stopping(environment: dict[str, str]) -> None:
    async def scenario(a: str, process: subprocess.Popen[bytes]) -> float:
        async with httpx2.AsyncClient(timeout=10) as client, client.stream("GET", f"{a}/events") as events:
            incoming = messages(events.aiter_lines())
            await anext(incoming)
            started = time.perf_counter()
            process.send_signal(signal.SIGTERM)
            async for _ in incoming:  # the server ends the stream
                pass
        while process.poll() is None:
            assert time.perf_counter() - started < 5, "uvicorn is still waiting for the stream"
            time.sleep(0.05)
        return time.perf_counter() - started

    with serve(environment) as [(a, process)]:
        took = run(scenario(a, process))
    assert process.returncode in (0, -signal.SIGTERM)  # uvicorn re-raises the signal it handled
    assert took < 3
