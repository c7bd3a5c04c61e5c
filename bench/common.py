"""Shared pieces: the run's context, requests as a pupil's browser sends them, percentiles."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.db import Database
from app.settings import Settings
from bench.config import CHOICE, HOST
from bench.servers import Server
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

    @property
    def port(self) -> int:
        assert self.lupe is not None
        return self.lupe.port


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
