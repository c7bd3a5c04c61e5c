"""Shared pieces: the run's context, requests as a pupil's browser sends them, percentiles."""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.db import Database
from app.settings import Settings
from bench.config import CHOICE, HOST
from bench.generators import run_loadgen
from bench.servers import Server, start_uvicorn, wait_until_up
from bench.world import World


@dataclass
class Context:
    settings: Settings
    env: dict[str, str]  # LUPE_* variables for every Lupe process of the run
    database: Database  # the bench's own handle on the server's database
    world: World
    uvicorn: dict[str, Any]
    workdir: Path
    dialect: str
    generator: str  # "wrk" or "asyncio" for the throughput scenarios
    lupe: Server | None = None
    floor: Server | None = None
    notes: dict[str, Any] = field(default_factory=dict)
    server_errors: dict[str, int] = field(default_factory=dict)  # exception lines in the server log

    @property
    def port(self) -> int:
        assert self.lupe is not None
        return self.lupe.port


ERROR_LINE = re.compile(r"^((?:[A-Za-z_][\w]*\.)*[A-Za-z_]\w*(?:Error|Exception|Disconnect|Timeout)\b.{0,120})")
BROWSER_HEADERS = {"Accept-Encoding": "gzip, deflate", "Accept-Language": "de-DE,de;q=0.9"}


def pupil_headers(cookie: str, port: int, *, post: bool = False, htmx: bool = True) -> dict[str, str]:
    headers = {**BROWSER_HEADERS, "Cookie": f"lupe_session={cookie}"}
    if htmx:
        headers["HX-Request"] = "true"
    if post:
        headers["Origin"] = f"http://{HOST}:{port}"
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    return headers


def answer_request(cookie: str, pack_id: int, key: str, port: int, **extra: Any) -> dict[str, Any]:
    """POST /play/{pack}/items/{key} with choice=Fakt, as htmx sends it from the item page."""
    return {
        "m": "POST",
        "p": f"/play/{pack_id}/items/{key}",
        "h": pupil_headers(cookie, port, post=True),
        "b": f"choice={CHOICE}",
        **extra,
    }


def page_request(cookie: str, path: str, port: int, *, htmx: bool = False, **extra: Any) -> dict[str, Any]:
    return {"m": "GET", "p": path, "h": pupil_headers(cookie, port, htmx=htmx), **extra}


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) with linear interpolation, like numpy's default."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


def rounded(value: float, digits: int = 1) -> float:
    return round(value, digits) if not math.isnan(value) else value


@contextmanager
def lupe_server(ctx: Context, *, warm: bool = True, uvicorn: dict[str, Any] | None = None) -> Iterator[Server]:
    """A fresh Lupe process for one scenario, warmed up with a few sequential requests.

    Fresh per scenario because a stalled process (see docs/benchmarks.md) must not
    spoil the next scenario's figures.
    """
    log = ctx.workdir / "lupe.log"
    offset = log.stat().st_size if log.exists() else 0
    server = start_uvicorn("lupe", "app.asgi:app", uvicorn or ctx.uvicorn, ctx.env, log)
    ctx.lupe = server
    try:
        wait_until_up(server, "/healthz")
        if warm:
            warm_up(ctx)
        yield server
    finally:
        server.stop()
        ctx.lupe = None
        with open(log, "rb") as handle:
            handle.seek(offset)
            for line in handle.read().decode("utf-8", "replace").splitlines():
                found = ERROR_LINE.match(line)
                if found:
                    ctx.server_errors[found.group(1)] = ctx.server_errors.get(found.group(1), 0) + 1


def warm_up(ctx: Context, pupils: int = 4) -> None:
    """Sequential item pages, answers and teacher pages: fills caches and the connection pool."""
    world, port = ctx.world, ctx.port
    steps: list[dict[str, Any]] = []
    for pupil, pack, key in world.pairs(pupils * 3, pupils=range(len(world.load.ids) - pupils, len(world.load.ids))):
        cookie = world.load.cookies[pupil]
        steps.append(page_request(cookie, f"/play/{pack}/items/{key}", port))
        steps.append(answer_request(cookie, pack, key, port))
    teacher = {"Cookie": f"lupe_session={world.teacher_cookie}", **BROWSER_HEADERS}
    for class_id in (world.report_class_id, world.live_rooms[0].class_id):
        steps.append({"m": "GET", "p": f"/teacher/classes/{class_id}", "h": teacher})
        steps.append({"m": "GET", "p": f"/teacher/classes/{class_id}/progress", "h": {**teacher, "HX-Request": "true"}})
    result = run_loadgen(
        {"mode": "schedule", "port": port, "sessions": [{"steps": [dict(s, after=0.0) for s in steps]}]}
    )
    failed = [r for r in result["records"] if r[2] != 200]
    if failed:
        raise RuntimeError(f"warm-up failed: {failed[:3]}")
