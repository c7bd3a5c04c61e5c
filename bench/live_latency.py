"""live_latency: pupil answer → teacher's screen (budget: p95 ≤ 1 s).

Today the class page polls ``GET /teacher/classes/{id}/progress`` (htmx, every 2 s);
server-sent events are planned in issue 5. A poller polls exactly like the page while
the 30 pupils of a class answer at random moments; for each acknowledged answer the
latency is the time from its acknowledgement until the first poll response that shows
it (the pupil's answered count in the progress table) has arrived.
"""

from __future__ import annotations

import random
import re
from typing import Any

from bench.common import BROWSER_HEADERS, Context, answer_request, lupe_server, percentile, rounded
from bench.config import LIVE_ANSWERS, LIVE_POLL_SECONDS, LIVE_SECONDS
from bench.generators import run_loadgen

NAMES = ["live_latency"]
ROW_RE = re.compile(r'<th scope="row">([^<]+)</th>.*?<span class="figure">(\d+)/\d+', re.S)


def measure(ctx: Context, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    world, port = ctx.world, ctx.port
    teacher = {**BROWSER_HEADERS, "Cookie": f"lupe_session={world.teacher_cookie}", "HX-Request": "true"}
    polls = [
        {"m": "GET", "p": f"/teacher/classes/{world.live_class_id}/progress", "h": teacher, "keep": True, "at": t}
        for t in _ticks(LIVE_SECONDS + 2 * LIVE_POLL_SECONDS)
    ]
    progress = ctx.notes.setdefault("live_answered", [0] * len(world.live.ids))
    sessions: list[dict[str, Any]] = [{"policy": "keepalive", "steps": polls}]
    expected = []  # (pseudonym, the pupil's answered count once this answer is stored) per answer session
    moments = sorted((rng.uniform(1.0, LIVE_SECONDS), rng.randrange(len(world.live.ids))) for _ in range(LIVE_ANSWERS))
    for at, pupil in moments:  # in time order, so each answer raises its pupil's count by one
        if progress[pupil] >= len(world.demo_keys):
            continue
        key = world.demo_keys[progress[pupil]]
        progress[pupil] += 1
        sessions.append(
            {
                "policy": "fresh",
                "steps": [{**answer_request(world.live.cookies[pupil], world.live_assignment_id, key, port), "at": at}],
            }
        )
        expected.append((f"Kind {pupil + 1:02d}", progress[pupil]))
    result = run_loadgen({"port": port, "mode": "schedule", "sessions": sessions})
    seen = sorted(
        (r[5], {name.strip(): int(count) for name, count in ROW_RE.findall(r[7] or "")})
        for r in result["records"]
        if r[0] == 0 and r[2] == 200
    )
    latencies, unseen = [], 0
    for r in result["records"]:
        if r[0] == 0 or r[2] != 200:
            continue
        name, count = expected[r[0] - 1]
        acknowledged = r[5]
        shown = next((done for done, counts in seen if counts.get(name, 0) >= count and done >= acknowledged), None)
        earlier = any(counts.get(name, 0) >= count for done, counts in seen if done < acknowledged)
        if earlier:
            latencies.append(0.0)  # a poll showed it before the pupil's own response arrived
        elif shown is None:
            unseen += 1
        else:
            latencies.append((shown - acknowledged) * 1000)
    poll_times = [(r[5] - r[4]) * 1000 for r in result["records"] if r[0] == 0]
    return {
        "p50_ms": rounded(percentile(latencies, 50)),
        "p95_ms": rounded(percentile(latencies, 95)),
        "max_ms": rounded(max(latencies) if latencies else float("nan")),
        "answers": len(latencies),
        "unseen": unseen,
        "errors": sum(1 for r in result["records"] if r[2] != 200),
        "poll_p50_ms": rounded(percentile(poll_times, 50)),
        "polls": len(polls),
    }


def _ticks(seconds: float) -> list[float]:
    return [n * LIVE_POLL_SECONDS for n in range(int(seconds // LIVE_POLL_SECONDS) + 1)]


def run(ctx: Context) -> dict[str, dict[str, Any]]:
    with lupe_server(ctx):
        single = measure(ctx, seed=5)
    figures: dict[str, Any] = {
        **single,
        "mechanism": f"htmx polling every {LIVE_POLL_SECONDS:g} s (server-sent events planned in issue 5)",
        "poll_interval_s": LIVE_POLL_SECONDS,
        "seconds": LIVE_SECONDS,
        "workers": 1,
        "generator": "asyncio (bench.loadgen)",
    }
    if ctx.dialect == "postgresql":
        # BUDGETS.md: "also with several processes on PostgreSQL".
        several = {**ctx.uvicorn, "workers": 2}
        with lupe_server(ctx, uvicorn=several):
            multi = measure(ctx, seed=6)
        figures["several_processes"] = {"workers": 2, **multi}
        figures["p95_ms"] = max(single["p95_ms"], multi["p95_ms"])
        figures["p95_ms_one_process"] = single["p95_ms"]
    return {"live_latency": figures}
