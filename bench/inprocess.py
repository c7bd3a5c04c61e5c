"""CPU per answer inside one process, without uvicorn or a load generator: ``python -m bench.inprocess``.

Seeds the benchmark's world, then drives the ASGI app directly with answer posts as htmx
sends them (gzip accepted, a new pupil and item each), 30 at a time like wrk's 30
connections, and prints the process's CPU time per answer: the event loop's thread and the
other threads (the answer writer). Steadier than requests per second on a shared machine
and quick (a few seconds a run), for comparing one change with the next; uvicorn's own
parsing and sending (about 60–70 µs an answer, which the floor pays too) is not in it. Not
part of ``make bench``. Options: ``--answers`` (12,000), ``--concurrency`` (30), ``--runs``
(3, a fresh app each), ``--profile FILE`` (cProfile of the event loop's thread, by its CPU time).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import statistics
import time
from typing import Any

import uvloop

from bench.config import CHOICE
from bench.database import prepare, target
from bench.servers import thread_cpu_seconds
from bench.world import World, seed_world

HOST = b"127.0.0.1:8000"


def answer_scope(world: World, pupil: int, assignment: int, key: str, body: bytes) -> dict[str, Any]:
    path = f"/play/{assignment}/items/{key}"
    headers = [
        (b"host", HOST),
        (b"accept-encoding", b"gzip, deflate"),
        (b"accept-language", b"de-DE,de;q=0.9"),
        (b"cookie", f"lupe_session={world.load.cookies[pupil]}".encode()),
        (b"hx-request", b"true"),
        (b"origin", b"http://" + HOST),
        (b"content-type", b"application/x-www-form-urlencoded"),
        (b"content-length", str(len(body)).encode()),
    ]
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "state": {},
    }


async def drive(app: Any, world: World, answers: int, concurrency: int, profile: str | None) -> dict[str, Any]:
    """Start the app's lifespan, warm it up, answer ``answers`` times; CPU per answer by thread."""
    startup: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    started = asyncio.Event()
    await startup.put({"type": "lifespan.startup"})

    async def lifespan_send(message: dict[str, Any]) -> None:
        if message["type"].startswith("lifespan.startup"):
            started.set()

    life = asyncio.create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, startup.get, lifespan_send)
    )
    await started.wait()
    pairs = iter(world.pairs(answers + 4 * concurrency))
    statuses: dict[int, int] = {}
    body = f"choice={CHOICE}".encode()

    async def one() -> None:
        pupil, assignment, key = next(pairs)
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()  # the client never goes away
            raise AssertionError

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                statuses[message["status"]] = statuses.get(message["status"], 0) + 1

        await app(answer_scope(world, pupil, assignment, key, body), receive, send)

    async def client(count: int) -> None:
        for _ in range(count):
            await one()

    await asyncio.gather(*(client(4) for _ in range(concurrency)))  # warm-up
    statuses.clear()
    profiler = cProfile.Profile(time.thread_time) if profile else None
    each = answers // concurrency
    before = thread_cpu_seconds(os.getpid())
    started_at = time.perf_counter()
    if profiler:
        profiler.enable()
    await asyncio.gather(*(client(each) for _ in range(concurrency)))
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    elapsed = time.perf_counter() - started_at
    after = thread_cpu_seconds(os.getpid())
    await startup.put({"type": "lifespan.shutdown"})
    await life
    done = each * concurrency
    return {
        "answers": done,
        "statuses": statuses,
        "answers_per_s": round(done / elapsed),
        "cpu_us_per_answer": {name: round(1e6 * (after[name] - before[name]) / done) for name in after},
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess", description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=12_000)
    parser.add_argument("--concurrency", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", default=None, help="write a cProfile of the last run's event loop thread here")
    args = parser.parse_args()
    loops = []
    for run in range(args.runs):
        with target("") as run_target:
            database = prepare(run_target.settings())
            world = seed_world(database, run_target.settings())
            os.environ.update(run_target.env())
            from app.main import create_app

            app = create_app()
            profile = args.profile if run == args.runs - 1 else None
            result = uvloop.run(drive(app, world, args.answers, args.concurrency, profile))
            database.close()
        print(result)
        loops.append(result["cpu_us_per_answer"]["event loop"])
    print(f"event loop CPU per answer, median of {args.runs}: {statistics.median(loops):.0f} µs")


if __name__ == "__main__":
    main()
