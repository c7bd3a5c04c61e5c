"""floor and answer_throughput: closed loop at fixed concurrency, floor and Lupe runs interleaved.

Each Lupe request answers a (pupil, item) pair never answered before, from 1,000 pupils
with their own sessions, as htmx posts it (HX-Request, feedback fragment rendered).
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from typing import Any

from bench.common import BROWSER_HEADERS, Context, answer_request, lupe_server, median, percentile, rounded
from bench.config import ANSWERS_PER_RUN, CHOICE, CONNECTIONS, HOST, LOW_CONNECTIONS, RUN_SECONDS, RUNS
from bench.generators import run_loadgen, run_wrk
from bench.servers import thread_cpu_seconds
from bench.world import stored_pairs

NAMES = ["floor", "answer_throughput"]

WARMUP_SECONDS = 2.0


def _floor_run(ctx: Context, seconds: float) -> dict[str, Any]:
    assert ctx.floor is not None
    if ctx.generator == "wrk":
        return run_wrk(
            ctx.floor.port,
            [("/", "")] * 64,
            method="GET",
            body="",
            headers=BROWSER_HEADERS,
            duration=seconds,
            connections=CONNECTIONS,
        )
    result = run_loadgen(
        {
            "port": ctx.floor.port,
            "mode": "closed",
            "connections": CONNECTIONS,
            "duration": seconds,
            "requests": [{"m": "GET", "p": "/", "h": BROWSER_HEADERS}],
        }
    )
    return _summarise_closed(result)


def _summarise_closed(result: dict[str, Any]) -> dict[str, Any]:
    latencies = result["latencies_ms"]
    ok = int(result["statuses"].get("200", 0))
    return {
        "rps": result["completed_in_window"] / result["duration"],
        "ok": ok,
        "errors": result["completed"] - ok + int(result["statuses"].get("0", 0)),
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "wrapped": int(result["wrapped"]),
        "error_samples": result["errors"][:3],
    }


def _lupe_run(ctx: Context, seconds: float, count: int, connections: int = CONNECTIONS) -> dict[str, Any]:
    world, port = ctx.world, ctx.port
    assert ctx.lupe is not None
    cpu_before = thread_cpu_seconds(ctx.lupe.process.pid)
    pairs = world.pairs(count)
    keys = {(world.load.ids[p], pack, key) for p, pack, key in pairs}
    if ctx.generator == "wrk":
        lines = [(f"/play/{pack}/items/{key}", world.load.cookies[p]) for p, pack, key in pairs]
        headers = {
            **BROWSER_HEADERS,
            "HX-Request": "true",
            "Origin": f"http://{HOST}:{port}",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        summary = run_wrk(
            port,
            lines,
            method="POST",
            body=f"choice={CHOICE}",
            headers=headers,
            duration=seconds,
            connections=connections,
        )
        acknowledged_pairs = None
    else:
        requests = [answer_request(world.load.cookies[p], pack, key, port) for p, pack, key in pairs]
        result = run_loadgen(
            {"port": port, "mode": "closed", "connections": connections, "duration": seconds, "requests": requests}
        )
        summary = _summarise_closed(result)
        summary["ok"] = len(result["acked"])
        acknowledged_pairs = {(world.load.ids[pairs[i][0]], pairs[i][1], pairs[i][2]) for i in result["acked"]}
    cpu_after = thread_cpu_seconds(ctx.lupe.process.pid)
    # The server's CPU per acknowledged answer, by thread: steadier than req/s on a shared machine,
    # and it shows what the one interpreter lock has to carry (the event loop and the answer writer).
    answered = max(1, summary["ok"])
    cpu_us = {name: 1e6 * (cpu_after[name] - cpu_before.get(name, 0.0)) / answered for name in cpu_after}
    summary["cpu_us_per_answer"] = {name: round(us) for name, us in sorted(cpu_us.items()) if us >= 1}
    responsive = _responsive(port)
    time.sleep(0.5)  # let the writer settle before counting
    stored = keys & stored_pairs(ctx.database)
    # asyncio: exact, every acknowledged pair looked up; wrk: each request is a distinct pair, so count.
    lost = len(acknowledged_pairs - stored) if acknowledged_pairs is not None else max(0, summary["ok"] - len(stored))
    return {**summary, "acknowledged": summary["ok"], "stored": len(stored), "lost": lost, "responsive": responsive}


def _median_by_thread(runs: list[dict[str, int]]) -> dict[str, float]:
    names = sorted({name for run in runs for name in run})
    return {name: rounded(median([run.get(name, 0) for run in runs]), 0) for name in names}


def _responsive(port: int) -> bool:
    """Whether the server answers /healthz within 3 s right after the load stopped (False: it stalled)."""
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=3) as response:  # noqa: S310 - loopback
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def run(ctx: Context) -> dict[str, dict[str, Any]]:
    _floor_run(ctx, WARMUP_SECONDS)
    floors, lupes = [], []
    for _ in range(RUNS):
        floors.append(_floor_run(ctx, RUN_SECONDS))
        with lupe_server(ctx):  # a fresh process per run: a stalled one must not spoil the next run
            lupes.append(_lupe_run(ctx, RUN_SECONDS, ANSWERS_PER_RUN))
    with lupe_server(ctx):
        low = _lupe_run(ctx, RUN_SECONDS, ANSWERS_PER_RUN // 2, LOW_CONNECTIONS)
    floor_rps = median([r["rps"] for r in floors])
    lupe_rps = median([r["rps"] for r in lupes])
    common = {"generator": ctx.generator, "connections": CONNECTIONS, "seconds_per_run": RUN_SECONDS, "runs": RUNS}
    floor = {
        "rps": rounded(floor_rps, 0),
        "p50_ms": rounded(median([r["p50_ms"] for r in floors]), 2),
        "p99_ms": rounded(median([r["p99_ms"] for r in floors]), 2),
        "errors": sum(r["errors"] for r in floors),
        "runs_rps": [rounded(r["rps"], 0) for r in floors],
        **common,
    }
    answers = {
        "rps": rounded(lupe_rps, 0),
        "ratio_to_floor": round(lupe_rps / floor_rps, 3),
        "floor_rps": floor["rps"],
        "acknowledged": sum(r["acknowledged"] for r in lupes),
        "stored": sum(r["stored"] for r in lupes),
        "lost": sum(r["lost"] for r in lupes),
        "errors": sum(r["errors"] for r in lupes),
        "p50_ms": rounded(median([r["p50_ms"] for r in lupes]), 2),
        "p99_ms": rounded(median([r["p99_ms"] for r in lupes]), 2),
        "runs_rps": [rounded(r["rps"], 0) for r in lupes],
        "cpu_us_per_answer": _median_by_thread([r["cpu_us_per_answer"] for r in lupes]),
        "responsive_after_runs": [r["responsive"] for r in lupes],
        "stalled_runs": sum(1 for r in lupes if not r["responsive"]),
        "pool_exhausted": any(r.get("wrapped") for r in lupes),
        "low_concurrency": {
            "connections": LOW_CONNECTIONS,
            "rps": rounded(low["rps"], 0),
            "ratio_to_floor": round(low["rps"] / floor_rps, 3),
            "p99_ms": rounded(low["p99_ms"], 2),
            "errors": low["errors"],
            "lost": low["lost"],
            "responsive_after_run": low["responsive"],
            "note": "one run, diagnostic only; the budget is judged at the floor's concurrency",
        },
        "lost_check": "exact (every acknowledged pair looked up)"
        if ctx.generator != "wrk"
        else "count (distinct pairs: stored rows of the run's pairs >= 200 responses)",
        **common,
    }
    return {"floor": floor, "answer_throughput": answers}
