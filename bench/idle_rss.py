"""idle_rss: resident memory of one idle Lupe process after start and a few requests (budget: ≤ 100 MB)."""

from __future__ import annotations

import time
from typing import Any

from bench.cold_start import first_answer, post
from bench.common import BROWSER_HEADERS, Context, median, page_request, rounded
from bench.config import COLD_START_RUNS
from bench.servers import rss_mb, start_lupe_serve

NAMES = ["idle_rss"]


def run(ctx: Context) -> dict[str, dict[str, Any]]:
    world, sizes = ctx.world, []
    for run_number in range(COLD_START_RUNS):
        server = start_lupe_serve(ctx.env, ctx.workdir / "rss.log")
        try:
            pupil = 100 + run_number
            first_answer(ctx, server, pupil=pupil)
            pack, key = world.take(pupil)
            teacher = {**BROWSER_HEADERS, "Cookie": f"lupe_session={world.teacher_cookie}"}
            for request in (
                page_request(world.load.cookies[pupil], "/play", server.port),
                page_request(world.load.cookies[pupil], f"/play/{pack}/items/{key}", server.port),
                {"m": "GET", "p": f"/teacher/classes/{world.report_class_id}", "h": teacher},
                {"m": "GET", "p": "/teacher", "h": teacher},
                {"m": "GET", "p": "/login", "h": BROWSER_HEADERS},
            ):
                post(server.port, request)
            time.sleep(2)
            sizes.append(rss_mb(server.process.pid))
        finally:
            server.stop()
    return {
        "idle_rss": {
            "mb": rounded(median(sizes)),
            "runs_mb": [rounded(s) for s in sizes],
            "process": "lupe serve, one worker, after start, one answer and 5 page loads",
        }
    }
