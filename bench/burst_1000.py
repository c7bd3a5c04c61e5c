"""burst_1000: 1,000 pupils answer within 2 s (budget: no error, no lost answer, p99 ≤ 1 s)."""

from __future__ import annotations

from typing import Any

from bench.bursts import run_bursts
from bench.common import Context
from bench.config import BURST_1000_ROUNDS, LOAD_PUPILS

NAMES = ["burst_1000"]


def run(ctx: Context) -> dict[str, dict[str, Any]]:
    groups = [range(LOAD_PUPILS)] * BURST_1000_ROUNDS
    return {"burst_1000": {"pupils": LOAD_PUPILS, **run_bursts(ctx, groups=groups, window=2.0, seed=1000)}}
