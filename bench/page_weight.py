"""page_weight: a pupil's first item page in headless Chromium, and the next-item htmx swap.

Budgets: first load ≤ 60 KB transferred (compressed, everything included) and ≤ 8
requests; next item ≤ 6 KB. Transferred bytes are Chromium's own count
(``Network.loadingFinished.encodedDataLength``: headers and compressed body, as DevTools
shows them), with an empty cache.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.common import Context, lupe_server
from bench.config import HOST

NAMES = ["page_weight"]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [  # as in tests/e2e/conftest.py
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


class Traffic:
    """Requests and transferred bytes seen by Chromium since the last ``take``."""

    def __init__(self, cdp: Any) -> None:
        self.urls: dict[str, str] = {}
        self.sizes: dict[str, int] = {}
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.send("Network.enable")

    def _sent(self, event: dict[str, Any]) -> None:
        if event["request"]["url"].startswith("http"):
            self.urls[event["requestId"]] = event["request"]["url"]

    def _finished(self, event: dict[str, Any]) -> None:
        self.sizes[event["requestId"]] = int(event["encodedDataLength"])

    def take(self) -> list[tuple[str, int]]:
        seen = [(url, self.sizes.get(request_id, 0)) for request_id, url in self.urls.items()]
        self.urls, self.sizes = {}, {}
        return seen


def run(ctx: Context) -> dict[str, dict[str, Any]]:
    if not Path(CHROMIUM).exists():
        return {"page_weight": {"skipped": f"Debian's Chromium is not installed at {CHROMIUM}"}}
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"page_weight": {"skipped": "Playwright for Python is not installed"}}
    world = ctx.world
    key = world.demo_keys[0]
    with lupe_server(ctx) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            context = browser.new_context(locale="de-DE")
            context.add_cookies([{"name": "lupe_session", "value": world.load.cookies[0], "url": server.base}])
            page = context.new_page()
            traffic = Traffic(context.new_cdp_session(page))
            page.goto(f"{server.base}/play/{world.demo_assignments[0]}/items/{key}", wait_until="networkidle")
            page.wait_for_timeout(300)
            first = traffic.take()
            # Selectors by behaviour (htmx attributes), not by class names that templates may rename.
            page.locator("#item form[hx-post] button[type=submit]").first.click()
            page.wait_for_selector("#item a[hx-get]")
            page.wait_for_load_state("networkidle")
            answer = traffic.take()
            page.locator("#item a[hx-get]").last.click()
            page.wait_for_selector("#item form[hx-post]")
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(200)
            following = traffic.take()
            context.close()
        finally:
            browser.close()
    local = all(url.startswith(f"http://{HOST}:") for url, _ in first + answer + following)
    return {
        "page_weight": {
            "first_load_bytes": sum(size for _, size in first),
            "requests": len(first),
            "next_item_bytes": sum(size for _, size in following),
            "next_item_requests": len(following),
            "next_item": [{"url": _path(url), "bytes": size} for url, size in following],
            "answer_feedback_bytes": sum(size for _, size in answer),
            "first_load": [{"url": _path(url), "bytes": size} for url, size in first],
            "same_origin_only": local,
            "browser": "headless Chromium (Debian) via Playwright, empty cache",
        }
    }


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3] if url.count("/") >= 3 else url
