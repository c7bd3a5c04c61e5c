"""class_burst: the 30 pupils of one class submit within 1 s (budget: p99 ≤ 50 ms, no error)."""

from __future__ import annotations

from typing import Any

from bench.bursts import run_bursts
from bench.common import Context
from bench.config import CLASS_BURST_ROUNDS, CLASS_SIZE

NAMES = ["class_burst"]


def run(ctx: Context) -> dict[str, dict[str, Any]]:
    # Each round is a different class (30 pupils of one class, like a real lesson).
    groups = [range(n * CLASS_SIZE, (n + 1) * CLASS_SIZE) for n in range(CLASS_BURST_ROUNDS)]
    return {"class_burst": {"pupils": CLASS_SIZE, **run_bursts(ctx, groups=groups, window=1.0, seed=30)}}
