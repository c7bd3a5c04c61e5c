"""Budgets, run sizes and the uvicorn settings shared by the floor and Lupe in one run."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = PROJECT_ROOT / "bench"
RESULTS_FILE = BENCH_DIR / "results.json"
HOST = "127.0.0.1"  # the bench only ever targets loopback
SECRET_KEY = "bench-secret-key-not-for-production-0123456789"
DEMO_PACK = "echt-oder-erfunden"
CHOICE = "Fakt"

# Sizes of the seeded world.
LOAD_PUPILS = 1000  # distinct pupils with their own sessions, in classes of 30
CLASS_SIZE = 30
BIG_PACK_ITEMS = 200  # a generated pack, so pupils have 200 distinct items each

# Throughput: closed loop, fixed concurrency, interleaved floor/Lupe runs.
CONNECTIONS = 30
LOW_CONNECTIONS = 4  # a diagnostic extra run of the answer path
WRK_THREADS = 1
RUN_SECONDS = float(os.environ.get("BENCH_RUN_SECONDS", "5"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
ANSWERS_PER_RUN = 12_000  # distinct (pupil, item) pairs prepared per Lupe run

CLASS_BURST_ROUNDS = 5
BURST_1000_ROUNDS = 3
SCHOOL_LOAD_SECONDS = float(os.environ.get("BENCH_SCHOOL_SECONDS", "60"))
SCHOOL_CYCLE_SECONDS = 10.0
LIVE_SECONDS = float(os.environ.get("BENCH_LIVE_SECONDS", "8"))  # the spread answers' window
LIVE_SPREAD_ROOMS = 4  # live lessons whose 30 pupils answer at random moments of LIVE_SECONDS
LIVE_BURST_AT = 3.0  # meanwhile one more class of 30 answers within 1 s, from this moment
LIVE_SCREENS_PER_ROOM = 2  # teacher screens following each live lesson (say, projector and laptop)
LIVE_RUNS_PER_BENCH = 2  # one process; two processes on PostgreSQL
LIVE_ROOMS = (LIVE_SPREAD_ROOMS + 1) * LIVE_RUNS_PER_BENCH
REPORT_REQUESTS = 40
COLD_START_RUNS = 3
COMPILE_RUNS = 5
COMPILE_ITEMS = 1000
STATS_ANSWERS = 1_000_000
STATS_RUNS = 5

# Budgets of BUDGETS.md: (field, operator, limit). Every listed check must hold for "met".
BUDGETS: dict[str, list[tuple[str, str, float]]] = {
    "floor": [],
    "answer_throughput": [("ratio_to_floor", ">=", 0.20), ("lost", "<=", 0)],
    "class_burst": [("p99_ms", "<=", 50), ("errors", "<=", 0), ("lost", "<=", 0)],
    "school_load": [("p99_ms", "<=", 150), ("errors", "<=", 0), ("lost", "<=", 0)],
    "burst_1000": [("p99_ms", "<=", 1000), ("errors", "<=", 0), ("lost", "<=", 0)],
    "live_latency": [("p95_ms", "<=", 1000), ("unseen", "<=", 0)],
    "live_latency_2_processes": [("p95_ms", "<=", 1000), ("unseen", "<=", 0)],
    "page_weight": [("first_load_bytes", "<=", 60_000), ("requests", "<=", 8), ("next_item_bytes", "<=", 6_000)],
    "cold_start": [("seconds", "<=", 1.5)],
    "idle_rss": [("mb", "<=", 100)],
    "pack_compile_1000": [("seconds", "<=", 1.0)],
    "class_report": [("ms", "<=", 50), ("fragment_ms", "<=", 50)],
    "school_stats_1m": [("ms", "<=", 1000)],
}
ORDER = list(BUDGETS)


def uvicorn_settings() -> dict[str, str | int]:
    """What ``lupe serve`` gets from uvicorn's "auto" choices, spelled out so both apps get the same."""
    return {
        "workers": 1,
        "loop": "uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
        "http": "httptools" if importlib.util.find_spec("httptools") else "h11",
        "timeout_keep_alive": 5,
        "access_log": "off",
        "log_level": "warning",
    }


def uvicorn_args(settings: dict[str, str | int]) -> list[str]:
    return [
        "--workers",
        str(settings["workers"]),
        "--loop",
        str(settings["loop"]),
        "--http",
        str(settings["http"]),
        "--timeout-keep-alive",
        str(settings["timeout_keep_alive"]),
        "--no-access-log",
        "--log-level",
        str(settings["log_level"]),
    ]
