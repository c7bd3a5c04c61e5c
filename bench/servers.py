"""Starting and stopping server processes on loopback, and reading their memory."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.config import HOST, PROJECT_ROOT, uvicorn_args


def python() -> str:
    return sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    started: float

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def stop(self, grace: float = 3) -> None:
        """SIGTERM, and SIGKILL after ``grace`` seconds (uvicorn waits for stuck requests forever)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def server_env(env: dict[str, str]) -> dict[str, str]:
    return {**os.environ, **env, "PYTHONUNBUFFERED": "1"}


def start_uvicorn(name: str, app: str, settings: dict[str, str | int], env: dict[str, str], log: Path) -> Server:
    """``python -m uvicorn app --host 127.0.0.1 --port N`` with the run's uvicorn settings."""
    port = free_port()
    command = [python(), "-m", "uvicorn", app, "--host", HOST, "--port", str(port), *uvicorn_args(settings)]
    return _spawn(name, command, port, env, log)


def start_lupe_serve(env: dict[str, str], log: Path) -> Server:
    """``lupe serve`` as a user starts it: migrate, load the shipped packs, serve."""
    port = free_port()
    command = [python(), "-m", "app.cli", "serve"]
    return _spawn("lupe serve", command, port, {**env, "LUPE_PORT": str(port), "LUPE_HOST": HOST}, log)


def _spawn(name: str, command: list[str], port: int, env: dict[str, str], log: Path) -> Server:
    handle = open(log, "ab")  # noqa: SIM115 - the child keeps it open
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=server_env(env), stdout=handle, stderr=handle)
    handle.close()
    return Server(name, port, process, started)


def wait_until_up(server: Server, path: str = "/", timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited during start (code {server.process.returncode})")
        try:
            with urllib.request.urlopen(server.base + path, timeout=2) as response:  # noqa: S310 - loopback
                if response.status < 500:
                    return
        except urllib.error.HTTPError as error:
            if error.code < 500:
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{server.name} did not start within {timeout:.0f} s")


def rss_mb(pid: int) -> float:
    """Resident set size of one process, in MB (10^6 bytes)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / 1_000_000
    raise RuntimeError(f"no VmRSS for {pid}")


def thread_cpu_seconds(pid: int) -> dict[str, float]:
    """CPU seconds (user + system) so far of a process: its main thread (the event loop) and the others
    (the answer writer, the thread pool; Python 3.11 does not name threads for the kernel)."""
    ticks = os.sysconf("SC_CLK_TCK")
    seconds = {"event loop": 0.0, "other threads": 0.0}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # the thread ended meanwhile
            continue
        which = "event loop" if task.name == str(pid) else "other threads"
        seconds[which] += (int(fields[11]) + int(fields[12])) / ticks
    return seconds
