"""The test app (tests/live/app.py) in uvicorn processes of its own."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx2

from app.settings import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve(environment: dict[str, str], count: int = 1) -> Iterator[list[tuple[str, subprocess.Popen[bytes]]]]:
    """``count`` processes of the test app, each a uvicorn of its own; their base URLs once they answer."""
    servers = []
    try:
        for _ in range(count):
            port = free_port()
            command = [sys.executable, "-m", "uvicorn", "--factory", "tests.live.app:create"]
            command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
            process = subprocess.Popen(command, cwd=PROJECT_ROOT, env={**os.environ, **environment})  # noqa: S603
            servers.append((f"http://127.0.0.1:{port}", process))
        for base, process in servers:
            wait_until_it_answers(base, process)
        yield servers
    finally:
        for _, process in servers:
            if process.poll() is None:
                process.kill()
            process.wait(10)


def wait_until_it_answers(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            if httpx2.get(f"{base}/open", timeout=1).status_code == 200:
                return
        except httpx2.TransportError:
            pass
        assert process.poll() is None, "the server process died"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
