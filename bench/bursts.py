"""A burst of pupils answering within a time window, each from its own fresh connection.

Shared by class_burst and burst_1000. Each pupil's answer is sent at a uniformly random
moment inside the window (open loop: the schedule does not wait for the server), on a
new TCP connection, since a pupil's keep-alive connection has long timed out while they
read the item. Latency counts from the planned moment to the full response.
"""

from __future__ import annotations

import random
import time
from typing import Any

from bench.common import Context, answer_request, lupe_server, median, percentile, rounded
from bench.generators import run_loadgen
from bench.world import stored_pairs


def one_burst(ctx: Context, pupils: range, window: float, rng: random.Random) -> dict[str, Any]:
    world = ctx.world
    pairs = world.pairs(len(pupils), pupils=pupils)
    sessions = [
        {
            "policy": "fresh",
            "steps": [{**answer_request(world.load.cookies[p], pack, key, ctx.port), "at": rng.uniform(0, window)}],
        }
        for p, pack, key in pairs
    ]
    result = run_loadgen({"port": ctx.port, "mode": "schedule", "sessions": sessions})
    latencies = [(r[5] - r[3]) * 1000 for r in result["records"]]
    acknowledged = {
        (world.load.ids[pairs[r[0]][0]], pairs[r[0]][1], pairs[r[0]][2]) for r in result["records"] if r[2] == 200
    }
    time.sleep(0.3)
    lost = len(acknowledged - stored_pairs(ctx.database))
    statuses: dict[str, int] = {}
    for r in result["records"]:
        statuses[str(r[2])] = statuses.get(str(r[2]), 0) + 1
    return {
        "latencies": latencies,
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "errors": sum(1 for r in result["records"] if r[2] != 200),
        "acknowledged": len(acknowledged),
        "lost": lost,
        "statuses": statuses,
        "error_samples": result["errors"][:3],
    }


def run_bursts(ctx: Context, *, groups: list[range], window: float, seed: int) -> dict[str, Any]:
    """One burst per group of pupils, each on a fresh, warmed-up server process."""
    rng = random.Random(seed)
    rounds = []
    for pupils in groups:
        with lupe_server(ctx):
            rounds.append(one_burst(ctx, pupils, window, rng))
    pooled = [x for r in rounds for x in r["latencies"]]
    return {
        "p50_ms": rounded(median([r["p50_ms"] for r in rounds])),
        "p99_ms": rounded(median([r["p99_ms"] for r in rounds])),
        "errors": sum(r["errors"] for r in rounds),
        "acknowledged": sum(r["acknowledged"] for r in rounds),
        "lost": sum(r["lost"] for r in rounds),
        "window_s": window,
        "rounds": len(rounds),
        "rounds_p99_ms": [rounded(r["p99_ms"]) for r in rounds],
        "pooled_p99_ms": rounded(percentile(pooled, 99)),
        "max_ms": rounded(max(pooled)),
        "statuses": _merge([r["statuses"] for r in rounds]),
        "error_samples": [e for r in rounds for e in r["error_samples"]][:3],
        "generator": "asyncio (bench.loadgen), open loop, one fresh connection per pupil",
    }


def _merge(counts: list[dict[str, int]]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for count in counts:
        for key, value in count.items():
            merged[key] = merged.get(key, 0) + value
    return merged
