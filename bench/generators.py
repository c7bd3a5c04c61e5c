"""The two load generators, each in its own process: wrk (when installed) and bench.loadgen."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.config import BENCH_DIR, HOST, PROJECT_ROOT, WRK_THREADS


def wrk_path() -> str | None:
    return shutil.which("wrk")


def run_loadgen(spec: dict[str, Any], timeout: float = 300) -> dict[str, Any]:
    """Run ``bench.loadgen`` in a child process and return its result."""
    with tempfile.TemporaryDirectory(prefix="lupe-loadgen-") as folder:
        spec_file, out_file = Path(folder) / "spec.json", Path(folder) / "out.json"
        spec_file.write_text(json.dumps({"host": HOST, **spec}))
        subprocess.run(
            [sys.executable, "-m", "bench.loadgen", str(spec_file), str(out_file)],
            cwd=PROJECT_ROOT,
            check=True,
            timeout=timeout,
        )
        return json.loads(out_file.read_text())  # type: ignore[no-any-return]


def run_wrk(
    port: int,
    lines: list[tuple[str, str]],
    *,
    method: str,
    body: str,
    headers: dict[str, str],
    duration: float,
    connections: int,
) -> dict[str, Any]:
    """wrk with ``requests.lua``: every (path, cookie) line sent once; returns the BENCHJSON figures."""
    wrk = wrk_path()
    assert wrk is not None
    with tempfile.TemporaryDirectory(prefix="lupe-wrk-") as folder:
        listing = Path(folder) / "requests.tsv"
        listing.write_text("".join(f"{path}\t{cookie}\n" for path, cookie in lines))
        command = [
            wrk,
            "-t",
            str(WRK_THREADS),
            "-c",
            str(connections),
            "-d",
            f"{max(1, round(duration))}s",
            "--timeout",
            "10s",
            "-s",
            str(BENCH_DIR / "requests.lua"),
            f"http://{HOST}:{port}",
            "--",
            str(listing),
            str(WRK_THREADS),
            method,
            body,
            *[f"{name}: {value}" for name, value in headers.items()],
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60, check=True)
        output = done.stdout + done.stderr
    for line in output.splitlines():
        if line.startswith("BENCHJSON "):
            result: dict[str, Any] = json.loads(line.removeprefix("BENCHJSON "))
            result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
            result["errors"] = (
                result["non200"]
                + result["connect_errors"]
                + result["read_errors"]
                + result["write_errors"]
                + result["timeouts"]
            )
            return result
    raise RuntimeError(f"wrk printed no result:\n{output}")
