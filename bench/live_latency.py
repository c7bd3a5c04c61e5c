"""live_latency: a pupil's answer → the teacher's screen shows it (budget: p95 ≤ 1 s, also with several processes).

Teachers' screens are the live view of live lessons (``/teacher/live/{id}``): each follows
its stream ``/teacher/live/{id}/events`` and, on every ``event: change``, fetches the
fragment ``/teacher/live/{id}/stage`` with ``HX-Request`` as static/js/live.js does
(bench/livegen.py). The lessons are started (question phase); then the 30 pupils of each of
four lessons answer at random moments of ``LIVE_SECONDS``, while one more class of 30
answers within one second (a class burst). Latency of an answer on one screen: from
sending the pupil's POST until that screen's first fetched fragment whose answered count
certainly includes the answer (see ``includes``). Run with one process, and on PostgreSQL
also with ``lupe serve --workers 2`` (``LUPE_LIVE_BUS=postgres``): streams stay on the
process that accepted them, answers land on either.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from bench.common import BROWSER_HEADERS, ERROR_LINE, Context, percentile, pupil_headers, rounded, warm_up
from bench.config import (
    CHOICE,
    CLASS_SIZE,
    HOST,
    LIVE_BURST_AT,
    LIVE_SCREENS_PER_ROOM,
    LIVE_SECONDS,
    LIVE_SPREAD_ROOMS,
    PROJECT_ROOT,
)
from bench.servers import Server, start_lupe_serve, wait_until_up
from bench.world import LiveRoom

NAMES = ["live_latency", "live_latency_2_processes"]
ITEM_RE = re.compile(r'/live/\d+/items/([^"?]+)')
SETTLE_SECONDS = 3.0


def run(ctx: Context) -> dict[str, dict[str, Any]]:
    rooms = ctx.world.live_rooms
    per_run = LIVE_SPREAD_ROOMS + 1
    bus = "memory" if ctx.dialect == "sqlite" else "postgres"
    with serving(ctx, workers=1, bus=bus) as server:
        single = measure(server, rooms[:per_run], workers=1, seed=5)
    figures = {"live_latency": {"workers": 1, "bus": bus, **single}}
    if ctx.dialect != "postgresql":
        figures["live_latency_2_processes"] = {
            "skipped": "PostgreSQL only (several processes need it): run with LUPE_DATABASE_URL=postgresql+psycopg://…",
            "p95_ms": None,
        }
        return figures
    with serving(ctx, workers=2, bus="postgres") as server:
        multi = measure(server, rooms[per_run : 2 * per_run], workers=2, seed=6)
    figures["live_latency_2_processes"] = {"workers": 2, "bus": "postgres", **multi}
    return figures


@contextmanager
def serving(ctx: Context, *, workers: int, bus: str) -> Iterator[Server]:
    """``lupe serve`` as a school runs it, with ``workers`` processes and the given live bus, warmed up."""
    log = ctx.workdir / "live.log"
    offset = log.stat().st_size if log.exists() else 0
    env = {**ctx.env, "LUPE_WORKERS": str(workers), "LUPE_LIVE_BUS": bus}
    server = start_lupe_serve(env, log)
    ctx.lupe = server
    children: list[int] = []
    try:
        wait_until_up(server, "/healthz", timeout=60)
        warm_up(ctx)
        children = child_pids(server.process.pid)
        yield server
    finally:
        children = children or child_pids(server.process.pid)
        server.stop(grace=5)
        for pid in children:  # a killed master leaves its workers behind
            with suppress(ProcessLookupError):
                os.kill(pid, 9)
        ctx.lupe = None
        with open(log, "rb") as handle:
            handle.seek(offset)
            for line in handle.read().decode("utf-8", "replace").splitlines():
                found = ERROR_LINE.match(line)
                if found:
                    ctx.server_errors[found.group(1)] = ctx.server_errors.get(found.group(1), 0) + 1


def measure(server: Server, rooms: list[LiveRoom], *, workers: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    port = server.port
    keys = [start_lesson(room, port) for room in rooms]
    screens = [
        {
            "room": number,
            "events": f"/teacher/live/{room.assignment_id}/events",
            "refresh": f"/teacher/live/{room.assignment_id}/stage",
            "headers": {**BROWSER_HEADERS, "Cookie": f"lupe_session={room.teacher_cookie}"},
        }
        for number, room in enumerate(rooms)
        for _ in range(LIVE_SCREENS_PER_ROOM)
    ]
    answers = []
    for number, (room, key) in enumerate(zip(rooms, keys, strict=True)):
        burst = number == len(rooms) - 1
        for cookie in room.pupils.cookies:
            at = rng.uniform(LIVE_BURST_AT, LIVE_BURST_AT + 1) if burst else rng.uniform(0, LIVE_SECONDS)
            request = {
                "m": "POST",
                "p": f"/live/{room.assignment_id}/items/{key}",
                "h": pupil_headers(cookie, port, post=True),
                "b": f"choice={CHOICE}&attempt=1",
            }
            answers.append({"room": number, "burst": burst, "at": at, "request": request})
    pids = [server.process.pid, *child_pids(server.process.pid)]
    result = run_livegen(port, screens, answers, pids, workers)
    holders = {int(port): pid for port, pid in result["holders"].items()}
    return {**summarise(result, screens, answers, holders), "reopened_streams": result["reopened_streams"]}


def start_lesson(room: LiveRoom, port: int) -> str:
    """The teacher starts the lesson (question phase); returns the key of the item on the projector."""
    teacher = {
        "Cookie": f"lupe_session={room.teacher_cookie}",
        "Origin": f"http://{HOST}:{port}",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    status, _ = fetch(port, "POST", f"/teacher/live/{room.assignment_id}/step", teacher, "step=start")
    if status != 303:
        raise RuntimeError(f"starting live lesson {room.assignment_id}: HTTP {status}")
    pupil = {"Cookie": f"lupe_session={room.pupils.cookies[0]}", "HX-Request": "true"}
    status, body = fetch(port, "GET", f"/live/{room.assignment_id}/stage", pupil)
    found = ITEM_RE.search(body)
    if status != 200 or not found:
        raise RuntimeError(f"live lesson {room.assignment_id} shows no item to answer (HTTP {status})")
    return found.group(1)


def fetch(port: int, method: str, path: str, headers: dict[str, str], body: str | None = None) -> tuple[int, str]:
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def run_livegen(
    port: int, screens: list[dict[str, Any]], answers: list[dict[str, Any]], pids: list[int], workers: int
) -> dict[str, Any]:
    """bench.livegen in its own process (it also finds which server process holds each stream)."""
    with tempfile.TemporaryDirectory(prefix="lupe-livegen-") as folder:
        spec_file, out_file = Path(folder) / "spec.json", Path(folder) / "out.json"
        spec = {
            "host": HOST,
            "port": port,
            "screens": screens,
            "answers": answers,
            "settle": SETTLE_SECONDS,
            "server_pids": pids,
            "workers": workers,
        }
        spec_file.write_text(json.dumps(spec))
        subprocess.run(
            [sys.executable, "-m", "bench.livegen", str(spec_file), str(out_file)],
            cwd=PROJECT_ROOT,
            check=True,
            timeout=180,
        )
        return json.loads(out_file.read_text())  # type: ignore[no-any-return]


def includes(fetch: list[Any], answer: list[Any], rank: int) -> bool:
    """Whether a fetched fragment certainly counts the answer.

    Either the fetch was sent after the answer was acknowledged (stored before it was read),
    or its count reaches ``rank``: the answers of the lesson sent before this one was
    acknowledged. Only those can have been stored before it, so a count that high must
    include it. Overlapping answers can make this later than the truth, never earlier.
    """
    _trigger, sent, done, status, count = fetch
    if status != 200 or count is None or done < answer[1]:
        return False
    return sent >= answer[2] or count >= rank


def summarise(
    result: dict[str, Any], screens: list[dict[str, Any]], answers: list[dict[str, Any]], holders: dict[int, int]
) -> dict[str, Any]:
    records = result["answers"]  # [planned, sent, done, status] in the order of ``answers``
    worker_of = {port: pid for port, pid in holders.items()}
    workers = sorted(set(worker_of.values()))
    samples: list[dict[str, Any]] = []
    unseen = 0
    for screen, observed in zip(screens, result["screens"], strict=True):
        fetches = sorted(observed["fetches"], key=lambda f: f[2])
        baseline = (fetches[0][4] or 0) if fetches else 0
        mine = [(plan, record) for plan, record in zip(answers, records, strict=True) if plan["room"] == screen["room"]]
        for plan, record in mine:
            if record[3] != 200:
                continue
            rank = baseline + sum(1 for _, other in mine if other[1] <= record[2])
            shown = next((f for f in fetches if includes(f, record, rank)), None)
            if shown is None:
                unseen += 1
                continue
            samples.append(
                {
                    "ms": (shown[2] - record[1]) * 1000,
                    "answer_ms": (record[2] - record[1]) * 1000,
                    "event_after_answer_ms": max(0.0, shown[0] - record[1]) * 1000,
                    "fetch_ms": (shown[2] - shown[1]) * 1000,
                    "burst": plan["burst"],
                    "worker": workers.index(worker_of[observed["port"]]) if observed["port"] in worker_of else None,
                }
            )
    latencies = [s["ms"] for s in samples]
    burst = [s["ms"] for s in samples if s["burst"]]
    all_fetches = [f for s in result["screens"] for f in s["fetches"]]
    figures: dict[str, Any] = {
        "p50_ms": rounded(percentile(latencies, 50)),
        "p95_ms": rounded(percentile(latencies, 95)),
        "max_ms": rounded(max(latencies, default=float("nan"))),
        "samples": len(latencies),
        "answers": len(answers),
        "acknowledged": sum(1 for r in records if r[3] == 200),
        "errors": sum(1 for r in records if r[3] != 200) + sum(1 for f in all_fetches if f[3] != 200),
        "unseen": unseen,
        "screens": len(screens),
        "broken_streams": result["broken_streams"][:3],
        "burst": {
            "pupils": CLASS_SIZE,
            "window_s": 1.0,
            "p50_ms": rounded(percentile(burst, 50)),
            "p95_ms": rounded(percentile(burst, 95)),
            "max_ms": rounded(max(burst, default=float("nan"))),
        },
        "parts_p50_ms": {
            "answer_response": rounded(percentile([s["answer_ms"] for s in samples], 50)),
            "answer_sent_to_change_event": rounded(percentile([s["event_after_answer_ms"] for s in samples], 50)),
            "fragment_fetch": rounded(percentile([s["fetch_ms"] for s in samples], 50)),
        },
        "fetches": len(all_fetches),
        "events": sum(len(s["events"]) for s in result["screens"]),
        "method": (
            f"{len(screens)} teacher screens ({LIVE_SCREENS_PER_ROOM} per live lesson) on server-sent events, each "
            f"fetching /teacher/live/{{id}}/stage on every change like live.js; {LIVE_SPREAD_ROOMS} × {CLASS_SIZE} "
            f"pupils answering at random moments of {LIVE_SECONDS:g} s, and a class burst of {CLASS_SIZE} within 1 s "
            f"from {LIVE_BURST_AT:g} s; from the answer POST sent to the fragment that counts it"
        ),
        "generator": "bench.livegen (asyncio), one fresh connection per answer, one stream + one keep-alive per screen",
    }
    if holders:
        by_worker = {}
        for number in range(len(workers)):
            mine_ms = [s["ms"] for s in samples if s["worker"] == number]
            by_worker[f"process_{number + 1}"] = {
                "streams": sum(1 for s in result["screens"] if worker_of.get(s["port"]) == workers[number]),
                "p95_ms": rounded(percentile(mine_ms, 95)),
                "samples": len(mine_ms),
            }
        figures["streams_by_process"] = by_worker
    return figures


def child_pids(parent: int) -> list[int]:
    """The processes whose parent is ``parent`` (uvicorn's workers)."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            children.append(int(entry.name))
    return children
