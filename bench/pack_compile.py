"""pack_compile_1000: validate and compile a generated pack of 1,000 verdict items (budget: ≤ 1 s)."""

from __future__ import annotations

import time
from typing import Any

from app.packs.compiler import compile_pack
from app.packs.diagnostics import Report
from bench import packgen
from bench.common import Context, median, rounded
from bench.config import COMPILE_ITEMS, COMPILE_RUNS

NAMES = ["pack_compile_1000"]


def run(ctx: Context) -> dict[str, dict[str, Any]]:
    files = packgen.pack_files("bench-compile", COMPILE_ITEMS)
    times = []
    for _ in range(COMPILE_RUNS):
        report = Report()
        started = time.perf_counter()
        compiled = compile_pack(files, report)
        times.append(time.perf_counter() - started)
        errors = [d for d in report.items if d.severity == "error"]
        if compiled is None or errors or len(compiled["items"]) != COMPILE_ITEMS:
            raise RuntimeError(f"the generated pack did not compile: {errors[:3]}")
    return {
        "pack_compile_1000": {
            "seconds": rounded(median(times), 3),
            "first_run_seconds": rounded(times[0], 3),
            "runs": COMPILE_RUNS,
            "items": COMPILE_ITEMS,
            "files": len(files),
            "source_bytes": sum(len(f.text.encode()) for f in files),
        }
    }
