"""``python -m bench`` (``make bench``): every scenario of BUDGETS.md, a table, bench/results.json.

SQLite by default; PostgreSQL when LUPE_DATABASE_URL is a postgresql URL on this machine
(a scratch database is created for the run and dropped afterwards). Options:
``--only a,b`` runs some scenarios; ``--strict`` exits 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

from bench import (
    burst_1000,
    class_burst,
    class_report,
    cold_start,
    idle_rss,
    live_latency,
    pack_compile,
    page_weight,
    school_load,
    school_stats,
    throughput,
)
from bench.common import Context
from bench.config import ORDER, RESULTS_FILE, uvicorn_settings
from bench.database import prepare, target
from bench.generators import wrk_path
from bench.report import judge, machine, table, write, wrk_version
from bench.servers import start_uvicorn, wait_until_up
from bench.world import seed_world

# In the order they run: load scenarios on fresh server processes first, then the rest.
MODULES: list[ModuleType] = [
    throughput,
    class_burst,
    burst_1000,
    school_load,
    live_latency,
    class_report,
    page_weight,
    cold_start,
    idle_rss,
    pack_compile,
    school_stats,
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a budget is missed")
    parser.add_argument("--output", default=str(RESULTS_FILE))
    args = parser.parse_args(argv)
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    unknown = only - set(ORDER)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}; known: {', '.join(ORDER)}")

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # 1,000 pupils' connections
    use_wrk = wrk_path() is not None and os.environ.get("BENCH_GENERATOR", "") != "asyncio"
    generator = "wrk" if use_wrk else "asyncio"
    database_url = os.environ.get("LUPE_DATABASE_URL", "")
    started = time.monotonic()
    load_before = os.getloadavg()
    scenarios: dict[str, Any] = {}
    with target(database_url) as run_target:
        settings = run_target.settings()
        log(f"database: {run_target.dialect}; throughput generator: {generator}; seeding …")
        database = prepare(settings)
        world = seed_world(database, settings)
        ctx = Context(
            settings=settings,
            env=run_target.env(),
            database=database,
            world=world,
            uvicorn=uvicorn_settings(),
            workdir=run_target.data_dir,
            dialect=run_target.dialect,
            generator=generator,
        )
        ctx.floor = start_uvicorn("floor", "bench.floor_app:app", ctx.uvicorn, ctx.env, ctx.workdir / "floor.log")
        try:
            wait_until_up(ctx.floor)
            for module in MODULES:
                names = module.NAMES
                if only and not only & set(names):
                    continue
                log(f"{', '.join(names)} …")
                began = time.monotonic()
                ctx.server_errors = {}
                try:
                    figures = module.run(ctx)
                except Exception as error:  # noqa: BLE001 - a broken scenario is reported, the rest still run
                    traceback.print_exc()
                    figures = {name: {"error": f"{type(error).__name__}: {error}"[:300]} for name in names}
                for name, values in figures.items():
                    values["scenario_seconds"] = round(time.monotonic() - began, 1)
                    if ctx.server_errors:
                        values["server_log_errors"] = dict(ctx.server_errors)
                    scenarios[name] = judge(name, values, len(os.sched_getaffinity(0)))
        finally:
            ctx.floor.stop()
            database.close()
    run_info = {
        "database": run_target.dialect,
        "throughput_generator": generator,
        "wrk": wrk_version(wrk_path()) if use_wrk else None,
        "uvicorn": ctx.uvicorn,
        "seconds": round(time.monotonic() - started, 1),
        # The machine is shared: other work running at the same time shows here (2 cores: above 2 is queueing).
        "load_average_1_5_15_min": {
            "start": [round(x, 2) for x in load_before],
            "end": [round(x, 2) for x in os.getloadavg()],
        },
        "command": "make bench" + (" (LUPE_DATABASE_URL=postgresql…)" if run_target.dialect == "postgresql" else ""),
    }
    write(Path(args.output), scenarios, machine({"nproc": os.cpu_count()}), run_info)
    print()
    print(table(scenarios))
    missed = [name for name, f in scenarios.items() if f.get("met") is False]
    broken = [name for name, f in scenarios.items() if "error" in f]
    print(
        f"\n{len(missed)} budget(s) missed{': ' + ', '.join(missed) if missed else ''}; "
        f"{len(broken)} scenario error(s); {run_info['seconds']:.0f} s; load average {load_before[0]:.1f} at the "
        f"start, {os.getloadavg()[0]:.1f} at the end; written to {args.output}"
    )
    if broken:
        return 2
    return 1 if args.strict and missed else 0


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
