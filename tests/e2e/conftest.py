"""Browser tests: a real Lupe server and Debian's Chromium driven by Playwright.

They skip with a reason when Chromium is missing, and fail instead when
``LUPE_REQUIRE_BROWSER=1`` (as in CI).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from app.settings import PROJECT_ROOT
from tests.conftest import require_or_skip

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE_SOURCE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"

pytestmark = pytest.mark.browser


def browser_missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
    if not AXE_SOURCE.exists():
        return "axe-core is not installed (npm ci)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Lupe server on a free port with a fresh SQLite database and the shipped packs."""
    require_or_skip(browser_missing(), "LUPE_REQUIRE_BROWSER")
    with running_server(tmp_path_factory.mktemp("lupe-data")) as (base, _process):
        yield base


@contextmanager
def running_server(
    data: Path, *, args: tuple[str, ...] = (), env: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[Any]]]:
    """`lupe serve ARGS` on a free port with LUPE_* from ``env`` (SQLite in ``data`` unless a URL is given)."""
    port = free_port()
    variables = {
        **os.environ,
        "LUPE_DATA_DIR": str(data),
        "LUPE_PORT": str(port),
        "LUPE_LOG_LEVEL": "warning",
        "LUPE_DATABASE_URL": "",
        **(env or {}),
    }
    command = [sys.executable, "-m", "app.cli", "serve", *args]
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=variables)  # noqa: S603
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process, seconds=90)  # several workers each import the app first
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=20)


def worker_pids(parent: int) -> list[int]:
    """The uvicorn worker processes (multiprocessing spawn children) of ``parent``."""
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return [int(pid) for pid in children if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text()]


def wait_until_up(base: str, process: subprocess.Popen[Any], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the Lupe server exited during start")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:  # noqa: S310 - our own loopback server
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise RuntimeError(f"the Lupe server did not start within {seconds:.0f} s")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_or_skip(browser_missing(), "LUPE_REQUIRE_BROWSER")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


class Watch:
    """Records what a browser context did that it must not: foreign requests, CSP violations, page errors."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.foreign: list[str] = []
        self.problems: list[str] = []

    def attach(self, context: Any) -> None:
        context.on("request", self._request)
        context.on("page", self._page)

    def _page(self, page: Any) -> None:
        page.on("console", lambda message: self._console(message))
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

    def _request(self, request: Any) -> None:
        if not request.url.startswith(self.base + "/") and not request.url.startswith("data:"):
            self.foreign.append(request.url)

    def _console(self, message: Any) -> None:
        if message.type == "error" and ("Content Security Policy" in message.text or "Refused" in message.text):
            self.problems.append(message.text)

    def assert_clean(self) -> None:
        assert self.foreign == [], f"requests left the server's origin: {self.foreign}"
        assert self.problems == [], f"browser problems: {self.problems}"


def check_accessibility(page: Any, label: str) -> None:
    """Run axe-core on the page; fail on any violation."""
    page.evaluate(AXE_SOURCE.read_text())
    result = page.evaluate(
        "async () => { const r = await axe.run(document);"
        " return r.violations.map(v => ({id: v.id, impact: v.impact,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})); }"
    )
    assert result == [], f"axe-core violations on {label}: {result}"


def screenshot(page: Any, name: str) -> None:
    """Save a screenshot for the README when LUPE_SCREENSHOTS=1."""
    if os.environ.get("LUPE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
