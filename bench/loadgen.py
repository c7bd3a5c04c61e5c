"""The asyncio load generator: HTTP/1.1 over raw asyncio streams, run as its own process.

``python -m bench.loadgen SPEC.json OUT.json``. Two modes:

- ``closed``: ``connections`` keep-alive connections send the listed requests back to
  back for ``duration`` seconds (the fallback for wrk).
- ``schedule``: sessions (one pupil's device each) send their steps at planned times.
  A step has ``at`` (seconds after the start) or ``after`` (seconds after the session's
  previous response). Latency counts from the planned time, so a stalled server cannot
  hide its stall by delaying the next send (no coordinated omission). A session's
  connection is ``fresh`` (new TCP connection per request) or ``keepalive`` (reused,
  reopened after 3.5 s idle because uvicorn closes idle connections after 5 s).
  With ``deadline``, steps due (or delayed) past it are not sent but recorded with status -1.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import resource
import sys
import time
from typing import Any

TIMEOUT = 10.0  # a pupil's browser would show an error; the run counts it as one
IDLE_REOPEN = 3.5


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.last = time.monotonic()
        self.reusable = True

    def close(self) -> None:
        self.writer.close()


async def connect(host: str, port: int) -> Connection:
    """A new connection (callers bound the time: a full accept queue means SYN retries for minutes)."""
    reader, writer = await asyncio.open_connection(host, port)
    return Connection(reader, writer)


def encode(host: str, port: int, request: dict[str, Any]) -> bytes:
    body = request.get("b", "").encode()
    lines = [f"{request.get('m', 'GET')} {request['p']} HTTP/1.1", f"Host: {host}:{port}"]
    lines += [f"{name}: {value}" for name, value in request.get("h", {}).items()]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def exchange(connection: Connection, raw: bytes) -> tuple[int, bytes, str]:
    reader = connection.reader
    connection.writer.write(raw)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            parts.append((await reader.readexactly(size + 2))[:-2])
        body = b"".join(parts)
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    else:
        body = await reader.read()
        connection.reusable = False
    if headers.get("connection", "").lower() == "close":
        connection.reusable = False
    connection.last = time.monotonic()
    return status, body, headers.get("content-encoding", "")


async def run_closed(spec: dict[str, Any]) -> dict[str, Any]:
    host, port = spec["host"], spec["port"]
    requests = [encode(host, port, r) for r in spec["requests"]]
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    acked: list[int] = []
    errors: list[str] = []
    position = 0
    wrapped = False
    in_window = 0
    start = time.monotonic()
    deadline = start + spec["duration"]

    async def worker() -> None:
        nonlocal position, wrapped, in_window
        connection: Connection | None = None
        while time.monotonic() < deadline:
            index = position % len(requests)
            wrapped = wrapped or position >= len(requests)
            position += 1
            try:
                if connection is None or not connection.reusable:
                    connection = await asyncio.wait_for(connect(host, port), spec.get("timeout", TIMEOUT))
                sent = time.monotonic()
                status, _, _ = await asyncio.wait_for(
                    exchange(connection, requests[index]), spec.get("timeout", TIMEOUT)
                )
            except Exception as error:  # noqa: BLE001 - every failure is an error of the run
                errors.append(f"{type(error).__name__}: {error}"[:200])
                statuses[0] = statuses.get(0, 0) + 1
                if connection is not None:
                    connection.close()
                connection = None
                continue
            done = time.monotonic()
            latencies.append((done - sent) * 1000)
            in_window += done <= deadline
            statuses[status] = statuses.get(status, 0) + 1
            if status == 200:
                acked.append(index)
        if connection is not None:
            connection.close()

    await asyncio.gather(*(worker() for _ in range(spec["connections"])))
    elapsed = time.monotonic() - start
    return {
        "elapsed": elapsed,
        "sent": position,
        "completed": len(latencies),
        "completed_in_window": in_window,
        "duration": spec["duration"],
        "statuses": statuses,
        "latencies_ms": latencies,
        "acked": acked,
        "errors": errors[:20],
        "wrapped": wrapped,
    }


async def run_schedule(spec: dict[str, Any]) -> dict[str, Any]:
    host, port = spec["host"], spec["port"]
    sessions = spec["sessions"]
    records: list[list[Any]] = []
    errors: list[str] = []
    start = time.monotonic() + 0.2

    async def session(number: int, plan: dict[str, Any]) -> None:
        fresh = plan.get("policy", "keepalive") == "fresh"
        connection: Connection | None = None
        previous_done = start
        for step_number, step in enumerate(plan["steps"]):
            intended = start + step["at"] if "at" in step else previous_done + step.get("after", 0.0)
            if "deadline" in spec and max(intended, time.monotonic()) - start > spec["deadline"]:
                # The run is over: the request is not sent (status -1), and counts as an error.
                records.append([number, step_number, -1, intended - start, None, None, "not sent", None, 0])
                continue
            delay = intended - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            sent = time.monotonic()
            status, body, error, encoding = 0, b"", "", ""
            stale = connection is not None and (
                not connection.reusable or time.monotonic() - connection.last > IDLE_REOPEN
            )
            if connection is not None and (fresh or stale):
                connection.close()
                connection = None

            async def attempt(reuse: Connection | None, raw: bytes) -> tuple[Connection, int, bytes, str]:
                used = reuse if reuse is not None else await connect(host, port)
                return (used, *await exchange(used, raw))

            try:
                # One limit for connecting and the exchange together, as a pupil's patience is one.
                connection, status, body, encoding = await asyncio.wait_for(
                    attempt(connection, encode(host, port, step)), spec.get("timeout", TIMEOUT)
                )
            except Exception as failure:  # noqa: BLE001 - every failure is an error of the run
                error = f"{type(failure).__name__}: {failure}"[:200]
                errors.append(error)
                if connection is not None:
                    connection.close()
                connection = None
            done = time.monotonic()
            previous_done = done
            if fresh and connection is not None:
                connection.close()
                connection = None
            kept = None
            if step.get("keep"):
                kept = (gzip.decompress(body) if encoding == "gzip" else body).decode("utf-8", "replace")
            records.append(
                [number, step_number, status, intended - start, sent - start, done - start, error, kept, len(body)]
            )
        if connection is not None:
            connection.close()

    await asyncio.gather(*(session(n, plan) for n, plan in enumerate(sessions)))
    return {"records": records, "errors": errors[:20]}


def main() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    spec_path, out_path = sys.argv[1], sys.argv[2]
    with open(spec_path, encoding="utf-8") as handle:
        spec = json.load(handle)
    runner = run_closed if spec["mode"] == "closed" else run_schedule
    try:
        import uvloop

        result = uvloop.run(runner(spec))
    except ImportError:
        result = asyncio.run(runner(spec))
    with open(out_path, "w", encoding="utf-8") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main()
