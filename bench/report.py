"""Judging figures against the budgets, the results file and the printed table."""

from __future__ import annotations

import json
import math
import os
import platform
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.config import BUDGETS, ORDER

OPERATORS = {">=": lambda value, limit: value >= limit, "<=": lambda value, limit: value <= limit}
HEADLINE = {
    "floor": ("rps", "{:.0f} req/s"),
    "answer_throughput": ("ratio_to_floor", "{:.3f} × floor"),
    "class_burst": ("p99_ms", "p99 {:.1f} ms"),
    "school_load": ("p99_ms", "p99 {:.1f} ms"),
    "burst_1000": ("p99_ms", "p99 {:.1f} ms"),
    "live_latency": ("p95_ms", "p95 {:.0f} ms"),
    "live_latency_2_processes": ("p95_ms", "p95 {:.0f} ms"),
    "page_weight": ("first_load_bytes", "{:.0f} B"),
    "cold_start": ("seconds", "{:.2f} s"),
    "idle_rss": ("mb", "{:.1f} MB"),
    "pack_compile_1000": ("seconds", "{:.3f} s"),
    "class_report": ("ms", "{:.1f} ms"),
    "school_stats_1m": ("ms", "{:.0f} ms"),
}


def judge(name: str, figures: dict[str, Any], cores: int) -> dict[str, Any]:
    """Add ``name``, ``median`` (the headline figure), ``cores``, ``budget``, ``met`` and ``missed``."""
    figures = {"name": name, "median": figures.get(HEADLINE[name][0]), "cores": cores, **figures}
    checks = BUDGETS.get(name, [])
    figures["budget"] = {field: f"{op} {limit:g}" for field, op, limit in checks} or None
    if "skipped" in figures or "error" in figures:
        figures["met"] = None
        return figures
    if not checks:
        figures["met"] = None  # the floor is a baseline, not a budget
        return figures
    missed = []
    for field, op, limit in checks:
        value = figures.get(field)
        if value is None or (isinstance(value, float) and math.isnan(value)) or not OPERATORS[op](value, limit):
            missed.append({"field": field, "value": value, "limit": f"{op} {limit:g}", "by": _by(value, op, limit)})
    figures["met"] = not missed
    if missed:
        figures["missed"] = missed
    return figures


def _by(value: Any, op: str, limit: float) -> str:
    if not isinstance(value, int | float) or (isinstance(value, float) and math.isnan(value)):
        return "no figure"
    if limit == 0:
        return f"{value:g} instead of 0"
    factor = value / limit if op == "<=" else limit / value if value else math.inf
    return f"{factor:.2f}× the budget" if op == "<=" else f"{value / limit:.2f}× the required"


def _cpu(by_thread: dict[str, float]) -> str:
    return " + ".join(f"{us:.0f} µs {name}" for name, us in by_thread.items()) or "—"


def machine(extra: dict[str, Any]) -> dict[str, Any]:
    memory = ""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return {
        "cores": len(os.sched_getaffinity(0)),
        "cpu": model,
        "memory": memory,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "sqlite": sqlite3.sqlite_version,
        **extra,
    }


def wrk_version(path: str | None) -> str | None:
    if path is None:
        return None
    output = subprocess.run([path, "-v"], capture_output=True, text=True, check=False)
    return (output.stdout + output.stderr).strip().splitlines()[0] if (output.stdout + output.stderr) else "wrk"


def write(path: Path, scenarios: dict[str, Any], machine_info: dict[str, Any], run_info: dict[str, Any]) -> None:
    ordered = {name: scenarios[name] for name in ORDER if name in scenarios}
    document = {
        "generated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "machine": machine_info,
        "run": run_info,
        "scenarios": ordered,
    }
    path.write_text(json.dumps(_finite(document), indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def _finite(value: Any) -> Any:
    """NaN (no sample at all) becomes null: JSON has no NaN."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def table(scenarios: dict[str, Any]) -> str:
    rows = [("scenario", "figure", "budget", "status")]
    for name in ORDER:
        figures = scenarios.get(name)
        if figures is None:
            continue
        if "error" in figures:
            figure, status = "—", "ERROR: " + str(figures["error"])[:60]
        elif "skipped" in figures:
            figure, status = "—", "skipped: " + str(figures["skipped"])[:60]
        else:
            field, fmt = HEADLINE[name]
            value = figures.get(field)
            figure = fmt.format(value) if isinstance(value, int | float) else str(value)
            figure += _details(name, figures)
            status = {True: "met", False: "MISSED", None: "baseline"}[figures.get("met")]
            if figures.get("missed"):
                status += " (" + "; ".join(f"{m['field']} {m['value']} {m['by']}" for m in figures["missed"]) + ")"
        budget = ", ".join(f"{k} {v}" for k, v in (figures.get("budget") or {}).items()) or "—"
        rows.append((name, figure, budget, status))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = []
    for number, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3])
        if number == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 6)
    return "\n".join(lines)


def _live(f: dict[str, Any]) -> str:
    streams = f.get("streams_by_process")
    spread = f", streams per process {[p['streams'] for p in streams.values()]}" if streams and len(streams) > 1 else ""
    return f" (p50 {f['p50_ms']} ms, max {f['max_ms']} ms, {f['samples']} samples, unseen {f['unseen']}{spread})"


def _details(name: str, f: dict[str, Any]) -> str:
    parts = {
        "answer_throughput": lambda: (
            f" ({f['rps']:.0f} req/s, ack {f['acknowledged']}, stored {f['stored']},"
            f" lost {f['lost']}, errors {f['errors']}, stalled runs {f['stalled_runs']}/{f['runs']};"
            f" server CPU per answer {_cpu(f.get('cpu_us_per_answer', {}))})"
        ),
        "class_burst": lambda: f" (p50 {f['p50_ms']} ms, errors {f['errors']}, lost {f['lost']})",
        "school_load": lambda: f" (p50 {f['p50_ms']} ms, errors {f['errors']}, lost {f['lost']})",
        "burst_1000": lambda: f" (errors {f['errors']}, lost {f['lost']})",
        "page_weight": lambda: f", {f['requests']} requests; next item {f['next_item_bytes']} B",
        "class_report": lambda: f" (fragment {f['fragment_ms']} ms)",
        "live_latency": lambda: _live(f),
        "live_latency_2_processes": lambda: _live(f),
    }
    try:
        return parts[name]() if name in parts else ""
    except (KeyError, TypeError, ValueError):
        return ""
