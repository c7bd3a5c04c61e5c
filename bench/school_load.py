"""school_load: 1,000 pupils, each loading an item page and answering it every 10 s (budget: p99 ≤ 150 ms).

Every pupil has its own session and starts at a random moment of the first 10 s; then,
every 10 s, it loads its next item as a full page and answers it 2–6 s later through
htmx. That is 200 requests per second on average for ``SCHOOL_LOAD_SECONDS`` (60 s).
Latency counts from the planned moment of each request (open loop).
"""

from __future__ import annotations

import random
import time
from typing import Any

from bench.common import Context, answer_request, lupe_server, page_request, percentile, rounded
from bench.config import LOAD_PUPILS, SCHOOL_CYCLE_SECONDS, SCHOOL_LOAD_SECONDS
from bench.generators import run_loadgen
from bench.world import stored_pairs

NAMES = ["school_load"]


def run(ctx: Context) -> dict[str, dict[str, Any]]:
    rng = random.Random(1000)
    world = ctx.world
    cycles = int(SCHOOL_LOAD_SECONDS // SCHOOL_CYCLE_SECONDS)
    with lupe_server(ctx):
        port = ctx.port
        sessions, answered = [], []
        for pupil in range(LOAD_PUPILS):
            phase = rng.uniform(0, SCHOOL_CYCLE_SECONDS)
            steps = []
            for cycle in range(cycles):
                pack, key = world.take(pupil)
                cookie = world.load.cookies[pupil]
                steps.append(page_request(cookie, f"/play/{pack}/items/{key}", port, at=phase + cycle * 10))
                steps.append(answer_request(cookie, pack, key, port, after=rng.uniform(2, 6)))
                answered.append((world.load.ids[pupil], pack, key))
            sessions.append({"policy": "keepalive", "steps": steps})
        started = time.monotonic()
        result = run_loadgen(
            # The last answers are planned up to 6 s after the last page loads; the deadline only stops a
            # stalled run from dragging on (each late request would wait for its 10 s timeout).
            {"port": port, "mode": "schedule", "sessions": sessions, "deadline": SCHOOL_LOAD_SECONDS + 15},
            timeout=SCHOOL_LOAD_SECONDS + 90,
        )
        elapsed = time.monotonic() - started
        time.sleep(0.5)
        stored = stored_pairs(ctx.database)
    records = result["records"]
    sent = [r for r in records if r[2] != -1]
    pages = [(r[5] - r[3]) * 1000 for r in sent if r[1] % 2 == 0]
    answers = [(r[5] - r[3]) * 1000 for r in sent if r[1] % 2 == 1]
    both = pages + answers
    acknowledged = {answered[r[0] * cycles + r[1] // 2] for r in records if r[1] % 2 == 1 and r[2] == 200}
    statuses: dict[str, int] = {}
    for r in records:
        statuses[str(r[2])] = statuses.get(str(r[2]), 0) + 1
    return {
        "school_load": {
            "pupils": LOAD_PUPILS,
            "p50_ms": rounded(percentile(both, 50)),
            "p99_ms": rounded(percentile(both, 99)),
            "errors": sum(1 for r in records if r[2] != 200),
            "requests": len(records),
            "not_sent": len(records) - len(sent),
            "rps": rounded(len(records) / SCHOOL_LOAD_SECONDS, 0),
            "page_p99_ms": rounded(percentile(pages, 99)),
            "answer_p99_ms": rounded(percentile(answers, 99)),
            "acknowledged": len(acknowledged),
            "lost": len(acknowledged - stored),
            "statuses": statuses,
            "seconds": SCHOOL_LOAD_SECONDS,
            "wall_seconds": round(elapsed, 1),
            "error_samples": result["errors"][:3],
            "generator": "asyncio (bench.loadgen), open loop, keep-alive per pupil",
            "runs": 1,
        }
    }
