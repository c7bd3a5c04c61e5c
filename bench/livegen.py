"""The live-latency client: teachers' screens on server-sent events, and pupils answering, in one process.

``python -m bench.livegen SPEC.json OUT.json``. Each screen opens its event stream and
behaves like static/js/live.js: on every ``event: change`` it fetches its fragment with
``HX-Request`` (one fetch at a time, one more after it when an event came meanwhile), on
its own keep-alive connection, and keeps the fragment's answered count. Once every screen
has shown its first fragment, the pupils' answers go out at their planned moments, each on
a fresh connection. All times are ``time.monotonic()`` of this process, in seconds after
the screens were ready. With ``server_pids`` and ``workers`` > 1 it reads /proc to find
which server process holds each stream, and reopens streams until every worker holds some
(the kernel decides which process accepts a connection).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import resource
import sys
import time
from pathlib import Path
from typing import Any

from bench.loadgen import Connection, connect, encode, exchange

TIMEOUT = 10.0
COUNT_RE = re.compile(r'id="answered">\s*(\d+)')


class Screen:
    """One teacher's screen: its stream, and the fragment fetches that the stream's events trigger."""

    def __init__(self, number: int, plan: dict[str, Any], host: str, port: int, origin: float) -> None:
        self.number, self.plan, self.host, self.port = number, plan, host, port
        self.origin = origin
        self.events: list[float] = []
        self.fetches: list[list[Any]] = []  # [trigger event time, sent, done, status, count]
        self.first_shown = asyncio.Event()
        self.opened = asyncio.Event()  # the current stream answered 200
        self.local_port = 0
        self._busy = False
        self._again: float | None = None
        self._fetcher: Connection | None = None
        self.tasks: set[asyncio.Task[None]] = set()

    def now(self) -> float:
        return time.monotonic() - self.origin

    async def listen(self) -> None:
        """Open the stream and react to each event until cancelled."""
        request = {"m": "GET", "p": self.plan["events"], "h": {**self.plan["headers"], "Accept": "text/event-stream"}}
        reader, writer = await asyncio.open_connection(self.host, self.port)
        self.local_port = writer.get_extra_info("sockname")[1]
        writer.write(encode(self.host, self.port, request))
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        status = int(head.split(" ", 2)[1])
        if status != 200:
            raise RuntimeError(f"stream {self.plan['events']}: HTTP {status}")
        self.opened.set()
        chunked = "transfer-encoding: chunked" in head.lower()
        buffer = ""
        try:
            while True:
                if chunked:
                    size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                    if size == 0:
                        return
                    data = (await reader.readexactly(size + 2))[:-2]
                else:
                    data = await reader.read(65536)
                    if not data:
                        return
                buffer += data.decode("utf-8")
                while "\n\n" in buffer:
                    message, buffer = buffer.split("\n\n", 1)
                    if any(line == "event: change" for line in message.split("\n")):
                        self._changed()
        finally:
            writer.close()

    def _changed(self) -> None:
        at = self.now()
        self.events.append(at)
        if self._busy:
            self._again = at if self._again is None else self._again
            return
        self._start_fetch(at)

    def _start_fetch(self, trigger: float) -> None:
        self._busy = True
        task = asyncio.get_running_loop().create_task(self._fetch(trigger))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _fetch(self, trigger: float) -> None:
        request = {"m": "GET", "p": self.plan["refresh"], "h": {**self.plan["headers"], "HX-Request": "true"}}
        sent = self.now()
        status, count = 0, None
        try:
            if self._fetcher is None or not self._fetcher.reusable or time.monotonic() - self._fetcher.last > 3.5:
                if self._fetcher is not None:
                    self._fetcher.close()
                self._fetcher = await asyncio.wait_for(connect(self.host, self.port), TIMEOUT)
            status, body, encoding = await asyncio.wait_for(
                exchange(self._fetcher, encode(self.host, self.port, request)), TIMEOUT
            )
            if encoding == "gzip":
                import gzip

                body = gzip.decompress(body)
            found = COUNT_RE.search(body.decode("utf-8", "replace"))
            count = int(found.group(1)) if found else None
        except Exception:  # noqa: BLE001 - a failed fetch is recorded with status 0
            if self._fetcher is not None:
                self._fetcher.close()
            self._fetcher = None
        self.fetches.append([trigger, sent, self.now(), status, count])
        if count is not None:
            self.first_shown.set()
        self._busy = False
        if self._again is not None:  # live.js: one more fetch after this one
            again, self._again = self._again, None
            self._start_fetch(again)

    def close(self) -> None:
        if self._fetcher is not None:
            self._fetcher.close()


async def answer(host: str, port: int, plan: dict[str, Any], origin: float) -> list[Any]:
    """One pupil's answer at its planned moment, on a fresh connection: [planned, sent, done, status]."""
    delay = origin + plan["at"] - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)
    sent = time.monotonic() - origin
    status = 0
    connection = None
    try:
        connection = await asyncio.wait_for(connect(host, port), TIMEOUT)
        status, _, _ = await asyncio.wait_for(exchange(connection, encode(host, port, plan["request"])), TIMEOUT)
    except Exception:  # noqa: BLE001 - recorded as status 0
        status = 0
    finally:
        if connection is not None:
            connection.close()
    return [plan["at"], sent, time.monotonic() - origin, status]


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    host, port = spec["host"], spec["port"]
    origin = time.monotonic()
    screens = [Screen(n, plan, host, port, origin) for n, plan in enumerate(spec["screens"])]
    listeners = [asyncio.create_task(screen.listen()) for screen in screens]
    ready = asyncio.gather(*(screen.first_shown.wait() for screen in screens))
    await asyncio.wait_for(ready, spec.get("ready_timeout", 15))
    for listener in listeners:
        if listener.done() and listener.exception():
            raise listener.exception()  # type: ignore[misc]
    holders, reopened = await balance(spec, screens, listeners)
    await asyncio.sleep(spec.get("quiet_before", 1.0))
    start = time.monotonic() - origin
    answers = await asyncio.gather(
        *(answer(host, port, {**plan, "at": plan["at"] + start}, origin) for plan in spec["answers"])
    )
    await asyncio.sleep(spec.get("settle", 3.0))
    broken = [repr(listener.exception()) for listener in listeners if listener.done() and listener.exception()]
    pending = [*listeners, *(task for screen in screens for task in screen.tasks)]
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for screen in screens:
        screen.close()

    def shifted(values: list[Any]) -> list[Any]:
        return [v - start if isinstance(v, float) else v for v in values]

    return {
        "answers": [shifted(a) for a in answers],
        "screens": [
            {"events": [e - start for e in s.events], "fetches": [shifted(f) for f in s.fetches], "port": s.local_port}
            for s in screens
        ],
        "broken_streams": broken,
        "holders": holders,
        "reopened_streams": reopened,
    }


async def balance(
    spec: dict[str, Any], screens: list[Screen], listeners: list[asyncio.Task[None]]
) -> tuple[dict[int, int], int]:
    """Reopen streams until each of ``workers`` server processes holds some; returns port → pid and the reopened."""
    pids, workers = spec.get("server_pids", []), spec.get("workers", 1)
    holders, reopened = stream_holders(spec["port"], [s.local_port for s in screens], pids), 0
    for _ in range(10):
        held = [pid for pid in set(holders.values())]
        if workers <= 1 or len(held) >= workers or not held:
            break
        busiest = max(held, key=lambda pid: sum(1 for p in holders.values() if p == pid))
        moving = [n for n, s in enumerate(screens) if holders.get(s.local_port) == busiest][: len(screens) // 2]
        for number in moving:
            listeners[number].cancel()
        await asyncio.gather(*(listeners[n] for n in moving), return_exceptions=True)
        for number in moving:
            screens[number].opened.clear()
            listeners[number] = asyncio.create_task(screens[number].listen())
        await asyncio.wait_for(asyncio.gather(*(screens[n].opened.wait() for n in moving)), 15)
        reopened += len(moving)
        holders = stream_holders(spec["port"], [s.local_port for s in screens], pids)
    return holders, reopened


def stream_holders(server_port: int, client_ports: list[int], pids: list[int]) -> dict[int, int]:
    """Client port of each stream → the server process holding its connection (read from /proc)."""
    wanted = set(client_ports)
    client_of: dict[str, int] = {}  # "socket:[inode]" → client port
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, remote = int(fields[1].rsplit(":", 1)[1], 16), int(fields[2].rsplit(":", 1)[1], 16)
            if local == server_port and remote in wanted:
                client_of[f"socket:[{fields[9]}]"] = remote
    holders: dict[int, int] = {}
    for pid in pids:
        try:
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target in client_of:
                holders[client_of[target]] = pid
    return holders


def main() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    with open(sys.argv[1], encoding="utf-8") as handle:
        spec = json.load(handle)
    try:
        import uvloop

        result = uvloop.run(run(spec))
    except ImportError:
        result = asyncio.run(run(spec))
    with open(sys.argv[2], "w", encoding="utf-8") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main()
