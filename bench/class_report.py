"""class_report: the teacher's class page for 30 pupils × 200 answered items (budget: ≤ 50 ms server time).

One client on loopback asks for the page, then for the progress fragment the page polls,
one request after another; the median latency is the server time (loopback adds well
under a millisecond).
"""

from __future__ import annotations

from typing import Any

from bench.common import BROWSER_HEADERS, Context, lupe_server, median, percentile, rounded
from bench.config import BIG_PACK_ITEMS, CLASS_SIZE, REPORT_REQUESTS
from bench.generators import run_loadgen

NAMES = ["class_report"]


def _series(ctx: Context, path: str, headers: dict[str, str]) -> tuple[list[float], int]:
    steps = [{"m": "GET", "p": path, "h": headers, "after": 0.0} for _ in range(REPORT_REQUESTS)]
    result = run_loadgen({"port": ctx.port, "mode": "schedule", "sessions": [{"steps": steps}]})
    bad = [r for r in result["records"] if r[2] != 200]
    if bad:
        raise RuntimeError(f"class page failed: {bad[0][:7]}")
    return [(r[5] - r[4]) * 1000 for r in result["records"]], result["records"][0][8]


def run(ctx: Context) -> dict[str, dict[str, Any]]:
    world = ctx.world
    teacher = {**BROWSER_HEADERS, "Cookie": f"lupe_session={world.teacher_cookie}"}
    # The class report itself (per pupil and per item figures, heat map, distributions), and the
    # class page's progress fragment that live screens re-fetch.
    page = f"/teacher/assignments/{world.report_assignment_id}/report"
    progress = f"/teacher/classes/{world.report_class_id}/progress"
    with lupe_server(ctx):
        full, full_bytes = _series(ctx, page, teacher)
        fragment, fragment_bytes = _series(ctx, progress, {**teacher, "HX-Request": "true"})
    return {
        "class_report": {
            "ms": rounded(median(full), 2),
            "fragment_ms": rounded(median(fragment), 2),
            "p90_ms": rounded(percentile(full, 90), 2),
            "fragment_p90_ms": rounded(percentile(fragment, 90), 2),
            "pupils": CLASS_SIZE,
            "items": BIG_PACK_ITEMS,
            "answers": CLASS_SIZE * BIG_PACK_ITEMS,
            "requests": REPORT_REQUESTS,
            "page_gzip_bytes": full_bytes,
            "fragment_gzip_bytes": fragment_bytes,
            "generator": "asyncio (bench.loadgen), one client, sequential",
        }
    }
