"""Profile a Lupe server process under load with py-spy: ``python -m bench.profile answer|report|page``.

Not part of ``make bench``; needs ``pip install py-spy`` in .venv (not a project
dependency). Seeds the same world as the benchmark, starts a fresh server, samples it
with ``py-spy record --gil`` (only the thread holding the GIL: Python's CPU time; SQLite
and gzip work outside the GIL is not in it) while a load runs, and prints where the samples fall: by
package of the innermost frame, by function (own time), and by function including
callees. Options: ``--seconds`` (10), ``--connections`` (4; for the answer and page loads),
``--wall`` (the event-loop thread's wall clock, waiting included, instead of the GIL).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import BROWSER_HEADERS, Context, answer_request, lupe_server, page_request
from bench.config import uvicorn_settings
from bench.database import prepare, target
from bench.generators import run_loadgen
from bench.world import seed_world

FRAME_RE = re.compile(r"^(?P<name>.*?) \((?P<file>[^:()]+)(?::(?P<line>\d+))?\)$")


def load(ctx: Context, kind: str, seconds: float, connections: int) -> dict[str, Any]:
    world, port = ctx.world, ctx.port
    if kind == "answer":
        requests = [answer_request(world.load.cookies[p], pack, key, port) for p, pack, key in world.pairs(8000)]
        spec = {"mode": "closed", "connections": connections, "duration": seconds, "requests": requests}
    elif kind == "page":
        requests = [
            page_request(world.load.cookies[p], f"/play/{pack}/items/{key}", port) for p, pack, key in world.pairs(8000)
        ]
        spec = {"mode": "closed", "connections": connections, "duration": seconds, "requests": requests}
    else:
        teacher = {**BROWSER_HEADERS, "Cookie": f"lupe_session={world.teacher_cookie}", "HX-Request": "true"}
        path = f"/teacher/classes/{world.report_class_id}/progress"
        spec = {
            "mode": "closed",
            "connections": 1,
            "duration": seconds,
            "requests": [{"m": "GET", "p": path, "h": teacher}],
        }
    result = run_loadgen({"port": port, **spec})
    return {
        "completed": result["completed"],
        "rps": result["completed"] / result["elapsed"],
        "statuses": result["statuses"],
    }


def summarise(raw: Path, top: int = 25, *, main_thread_only: bool = False) -> str:
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    app_lines: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [f for f in stack.split(";") if not f.startswith("process ") and not f.startswith("thread ")]
        if not frames or (main_thread_only and not any("asyncio/runners.py" in f for f in frames)):
            continue
        total += count
        names = [_short(f) for f in frames]
        own[names[-1]] += count
        for name in set(names):
            inclusive[name] += count
        packages[_package(frames[-1])] += count
        for frame in reversed(frames):  # the innermost line of app code in this stack
            found = FRAME_RE.match(frame)
            if found and _is_app(found.group("file")):
                app_lines[f"{_short(frame)}:{found.group('line')}"] += count
                break
    if not total:
        return "no samples"
    what = (
        "wall-clock samples of the event-loop thread" if main_thread_only else "samples of the thread holding the GIL"
    )
    lines = [f"{total} {what}", "", "own time by package of the innermost frame:"]
    lines += [f"  {100 * n / total:5.1f} %  {name}" for name, n in packages.most_common(15)]
    lines += ["", "own time by function:"]
    lines += [f"  {100 * n / total:5.1f} %  {name}" for name, n in own.most_common(top)]
    lines += ["", "innermost line of app code (including the library calls it makes):"]
    lines += [f"  {100 * n / total:5.1f} %  {name}" for name, n in app_lines.most_common(15)]
    lines += ["", "time including callees (app code and the big libraries):"]
    interesting = [(k, n) for k, n in inclusive.most_common() if _interesting(k)]
    lines += [f"  {100 * n / total:5.1f} %  {name}" for name, n in interesting[:top]]
    return "\n".join(lines)


def _short(frame: str) -> str:
    found = FRAME_RE.match(frame)
    if not found:
        return frame
    path = found.group("file")
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{found.group('name')} ({path})"


def _package(frame: str) -> str:
    found = FRAME_RE.match(frame)
    path = found.group("file") if found else frame
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0]
    if _is_app(path):
        return "app/" + path.split("app/", 1)[1].split("/", 1)[0]
    if "lib/python3" in path:
        return "stdlib:" + path.rsplit("/", 1)[-1]
    return path


def _is_app(path: str) -> bool:
    return path.startswith("app/") or "/main/app/" in path


def _interesting(name: str) -> bool:
    return "(app/" in name or any(
        p in name for p in ("sqlalchemy/orm/session", "jinja2/environment", "gzip", "sqlite3")
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["answer", "report", "page"])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument(
        "--wall", action="store_true", help="wall clock of the event-loop thread, waiting included (not only the GIL)"
    )
    args = parser.parse_args()
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(py_spy).exists():
        raise SystemExit("py-spy is not installed: .venv/bin/pip install py-spy")
    with target(os.environ.get("LUPE_DATABASE_URL", "")) as run_target:
        settings = run_target.settings()
        database = prepare(settings)
        world = seed_world(database, settings)
        ctx = Context(
            settings,
            run_target.env(),
            database,
            world,
            uvicorn_settings(),
            run_target.data_dir,
            run_target.dialect,
            "asyncio",
        )
        with lupe_server(ctx) as server, tempfile.TemporaryDirectory() as folder:
            raw = Path(folder) / "profile.txt"
            record = [
                py_spy,
                "record",
                "--pid",
                str(server.process.pid),
                "--rate",
                "250",
                "--duration",
                str(int(args.seconds)),
                "--format",
                "raw",
                "--output",
                str(raw),
                "--gil",
            ]
            sampler = threading.Thread(target=subprocess.run, args=(record,), kwargs={"capture_output": True})
            sampler.start()
            figures = load(ctx, args.kind, args.seconds, args.connections)
            sampler.join()
            print(f"{args.kind}: {figures}")
            print(summarise(raw, main_thread_only=args.wall))
        database.close()


if __name__ == "__main__":
    main()
