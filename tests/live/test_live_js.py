"""static/js/live.js in Chromium: a change published on process B updates the page served by
process A (the pupil's answer reaching the teacher's screen), and a refused stream falls back to polling."""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.e2e.conftest import Watch, browser  # noqa: F401 - the browser fixture
from tests.live.servers import serve

pytestmark = [pytest.mark.browser, pytest.mark.postgres]


def shows(page: Any, text: str, timeout: float = 2000) -> None:
    """Wait until the board shows ``text`` (a selector wait: the page's CSP forbids evaluating strings)."""
    page.locator("#board").get_by_text(text, exact=True).wait_for(timeout=timeout)


def test_a_change_on_process_b_reaches_the_page_of_process_a(browser: Any, postgres_url: str, tmp_path: Path) -> None:  # noqa: F811
    environment = {"LUPE_DATA_DIR": str(tmp_path), "LUPE_LIVE_BUS": "postgres", "LUPE_DATABASE_URL": postgres_url}
    with serve(environment, count=2) as [(a, _), (b, _)]:
        context = browser.new_context()
        watch = Watch(a)
        watch.attach(context)
        page = context.new_page()
        page.goto(f"{a}/page")
        shows(page, "nothing")  # the stream's first event fetched the fragment
        latencies = []
        for number in range(10):
            started = time.perf_counter()
            assert httpx2.post(f"{b}/publish/live:1?note=answer{number}").status_code == 200
            shows(page, f"answer{number}")
            latencies.append(time.perf_counter() - started)
        context.close()
    watch.assert_clean()
    print(  # noqa: T201 - the figure the report quotes (pytest -s)
        f"\npublish on B → fragment swapped in Chromium on A: median {statistics.median(latencies) * 1000:.0f} ms, "
        f"max {max(latencies) * 1000:.0f} ms"
    )
    assert max(latencies) < 1.0


def test_a_refused_stream_falls_back_to_polling(browser: Any, tmp_path: Path) -> None:  # noqa: F811
    environment = {"LUPE_DATA_DIR": str(tmp_path), "LUPE_LIVE_BUS": "memory", "LUPE_DATABASE_URL": ""}
    with serve(environment) as [(a, _)]:
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{a}/page?events=/refused")
        shows(page, "nothing", timeout=3000)
        (tmp_path / "note.txt").write_text("polled")  # no event at all: only polling can see it
        shows(page, "polled", timeout=3000)
        context.close()


def test_an_outer_html_swap_hands_the_stream_to_the_new_element(browser: Any, tmp_path: Path) -> None:  # noqa: F811
    environment = {"LUPE_DATA_DIR": str(tmp_path), "LUPE_LIVE_BUS": "memory", "LUPE_DATABASE_URL": ""}
    with serve(environment) as [(a, _)]:
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{a}/page?swap=outerHTML")
        shows(page, "nothing")
        for number in range(3):
            assert httpx2.post(f"{a}/publish/live:1?note=swap{number}").status_code == 200
            shows(page, f"swap{number}")
        assert page.locator("#board").count() == 1
        context.close()
