"""The report pages in a real browser: axe-core clean, usable at 360 px, nothing from another origin."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require_or_skip
from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS, Watch, browser_missing, check_accessibility, running_server
from tests.e2e.test_class_story import give_pack, join_as_pupil, play_whole_pack, set_up_and_create_class

pytestmark = pytest.mark.browser
ENGLISH = {"locale": "en-GB", "extra_http_headers": {"Accept-Language": "en"}}


@pytest.fixture(scope="module")
def server_and_data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    require_or_skip(browser_missing(), "LUPE_REQUIRE_BROWSER")
    data = tmp_path_factory.mktemp("lupe-reports")
    with running_server(data) as (base, _process):
        yield base, data


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


def fits_360(page: Any) -> bool:
    """No sideways scrolling of the page itself (wide tables and charts scroll in their own box)."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_report_pages_are_accessible_and_fit_a_phone(server_and_data: tuple[str, Path], browser: Any) -> None:
    base, data = server_and_data
    watch = Watch(base)
    teacher_context = browser.new_context(viewport={"width": 1280, "height": 900})
    watch.attach(teacher_context)
    teacher = teacher_context.new_page()
    code = set_up_and_create_class(teacher, base)
    report = str(teacher.locator("#assignments a[href$='/report']").first.get_attribute("href"))
    pupil_context = browser.new_context(viewport={"width": 360, "height": 740}, **ENGLISH)
    watch.attach(pupil_context)
    pupil = pupil_context.new_page()
    join_as_pupil(pupil, base, code, "Kluge Eule")
    play_whole_pack(pupil)
    pre_test = give_pack(teacher, "Schlagzeilen-Check – Form A", kind="pre")
    pupil.goto(base + "/play/progress")
    check_accessibility(pupil, "my progress")
    assert fits_360(pupil)
    assert pupil.locator("ol.mistakes li").count() > 0
    with sqlite3.connect(data / "lupe.sqlite3") as db:
        pack_id = db.execute("SELECT id FROM pack WHERE key = 'echt-oder-erfunden'").fetchone()[0]
    for path in (report, report + "/print", f"/teacher/packs/{pack_id}/report", f"/teacher/retests/{pre_test}"):
        for viewport in ({"width": 1280, "height": 900}, {"width": 360, "height": 740}):
            teacher.set_viewport_size(viewport)
            teacher.goto(base + path)
            assert teacher.locator("h1").count() == 1
            check_accessibility(teacher, f"{path} at {viewport['width']} px")
            if viewport["width"] == 360:
                assert fits_360(teacher), path
    teacher.goto(base + report)
    assert teacher.locator("table.figures tbody tr", has_text="Kluge Eule").count() == 1
    assert teacher.locator("svg.heat-map").count() == 1
    watch.assert_clean()
