"""cold_start: from starting ``lupe serve`` until the first answer is acknowledged (budget: ≤ 1.5 s).

The database exists and is migrated (a restart, as after an update or a reboot);
``lupe serve`` checks the migrations, loads the shipped packs and starts uvicorn. A
pupil's answer is posted as soon as the port accepts connections, again until it is
acknowledged. For comparison, the same with uvicorn started directly (no migration check,
no pack loading).
"""

from __future__ import annotations

import http.client
import time
from typing import Any

from bench.common import Context, answer_request, median, rounded
from bench.config import COLD_START_RUNS, HOST
from bench.servers import Server, start_lupe_serve, start_uvicorn

NAMES = ["cold_start"]


def post(port: int, request: dict[str, Any], timeout: float = 5) -> int:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request(request["m"], request["p"], body=request.get("b"), headers=request["h"])
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def first_answer(ctx: Context, server: Server, pupil: int, deadline: float = 30) -> float:
    """Seconds from the process start until an answer is acknowledged."""
    pack, key = ctx.world.take(pupil)
    request = answer_request(ctx.world.load.cookies[pupil], pack, key, server.port)
    last: object = "no connection"
    while time.monotonic() - server.started < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited during start")
        try:
            last = post(server.port, request)
            if last == 200:
                return time.monotonic() - server.started
        except (ConnectionError, OSError, http.client.HTTPException) as error:
            last = type(error).__name__
        time.sleep(0.01)
    raise RuntimeError(f"{server.name}: no answer acknowledged within {deadline} s (last: {last})")


def run(ctx: Context) -> dict[str, dict[str, Any]]:
    serve, direct = [], []
    for run_number in range(COLD_START_RUNS):
        server = start_lupe_serve(ctx.env, ctx.workdir / "cold.log")
        try:
            serve.append(first_answer(ctx, server, pupil=run_number))
        finally:
            server.stop()
        server = start_uvicorn("uvicorn", "app.asgi:app", ctx.uvicorn, ctx.env, ctx.workdir / "cold.log")
        try:
            direct.append(first_answer(ctx, server, pupil=run_number))
        finally:
            server.stop()
    return {
        "cold_start": {
            "seconds": rounded(median(serve), 3),
            "runs_seconds": [rounded(s, 3) for s in serve],
            "command": "python -m app.cli serve (lupe serve)",
            "uvicorn_only_seconds": rounded(median(direct), 3),
        }
    }
