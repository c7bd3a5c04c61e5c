"""A live lesson in real browsers: the teacher on the projector view, five pupils on their own phones,
pacing through items with reveals — on SQLite with one process, and on PostgreSQL with two processes,
where a pupil's answer on one process must reach the teacher's screen served by the other."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Watch, check_accessibility, running_server, screenshot
from tests.e2e.test_class_story import PHONE, expect, give_pack, join_as_pupil, set_up_and_create_class

pytestmark = pytest.mark.browser

PACK = "Echt oder erfunden?"
FOLLOW_MS = 3000  # pupils' screens follow the teacher within a second; a margin for a loaded test machine
# Per pupil: the verdicts for the first two items of the pack.
CHOICES = [("Fakt", "Fakt"), ("Fakt", "Fake"), ("Fake", "Fakt"), ("Fake", "Fake"), ("Fakt", "Fakt")]


def live_story(browser: Any, base: str) -> None:
    watch = Watch(base)
    projector_context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="de-DE")
    watch.attach(projector_context)
    teacher = projector_context.new_page()
    code = set_up_and_create_class(teacher, base)
    assignment_id = give_pack(teacher, PACK, kind="live")
    check_accessibility(teacher, "live lobby")

    pupils = []
    for number in range(len(CHOICES)):
        context = browser.new_context(**PHONE)
        watch.attach(context)
        page = context.new_page()
        join_as_pupil(page, base, code, f"Live {number + 1}")
        page.locator(f".pack-cards a[href='/play/{assignment_id}']").click()
        expect()(page).to_have_url(re.compile(rf"/live/{assignment_id}$"))
        pupils.append(page)
    expect()(teacher.locator("#joined")).to_contain_text("5", timeout=FOLLOW_MS)  # the lobby counts without a reload
    check_accessibility(pupils[0], "live pupil lobby")

    for round_number in range(2):
        teacher.locator("button[name=step][value=start], button[name=step][value=next]").first.click()
        for page in pupils:  # every screen follows the teacher without a reload
            expect()(page.locator("form.answer-form")).to_be_visible(timeout=FOLLOW_MS)
        if round_number == 0:
            check_accessibility(pupils[0], "live pupil question")
        for page, choices in zip(pupils, CHOICES, strict=True):
            page.locator(f"button[name=choice][value={choices[round_number]}]").click()
            expect()(page.locator(".live-item [role=status]")).to_be_visible()
        expect()(teacher.locator("#answered")).to_contain_text("5", timeout=FOLLOW_MS)
        teacher.locator("button[name=step][value=reveal]").click()
        said_fakt = sum(1 for choices in CHOICES if choices[round_number] == "Fakt")
        bars = teacher.locator(".distribution li")
        expect()(bars.filter(has_text="Fakt").locator(".figure")).to_have_text(str(said_fakt))
        expect()(bars.filter(has_text="Fake").locator(".figure")).to_have_text(str(len(CHOICES) - said_fakt))
        for page in pupils:
            expect()(page.locator(".feedback")).to_be_visible(timeout=FOLLOW_MS)
        if round_number == 0:
            check_accessibility(teacher, "live reveal")
            screenshot(teacher, "live-reveal")
            check_accessibility(pupils[0], "live pupil feedback")
            screenshot(pupils[0], "live-pupil-feedback")

    teacher.locator("button[name=step][value=finish]").click()
    expect()(teacher.locator("#fell-heading")).to_be_visible()
    for page in pupils:
        expect()(page.locator("a.button", has_text=re.compile("Ergebnisse"))).to_be_visible(timeout=FOLLOW_MS)
    check_accessibility(teacher, "live summary")
    assert "Live 1" not in teacher.locator("#stage").inner_text()  # no pseudonyms without a podium

    # A pupil who reconnects lands where the class is: here, the end of the lesson.
    pupils[1].reload()
    expect()(pupils[1].locator("h1")).to_contain_text("vorbei")

    teacher.locator("a", has_text=re.compile("vollständigen Bericht", re.IGNORECASE)).click()
    check_accessibility(teacher, "class report of the live lesson")
    assert report_rows(teacher) == EXPECTED_REPORT
    watch.assert_clean()


# The first two items of the pack: "venus-drehung" is real (Fakt), "zocken-iq" made up (Fake).
# Each pupil judged one real and one fake item; with fake as the signal (H: fakes called fake,
# FA: real called fake) and 0.5 added to each count, 1 to each total:
#   Live 1 and 5 (Fakt, Fakt): H = 0.5/2 = .25, FA = 0.5/2 = .25 → d′ = 0,  c = −½(−0.674 − 0.674) = 0.67
#   Live 2 (Fakt, Fake):       H = 1.5/2 = .75, FA = .25         → d′ = 0.674 + 0.674 = 1.35, c = 0
#   Live 3 (Fake, Fakt):       H = .25,         FA = 1.5/2 = .75 → d′ = −1.35, c = 0
#   Live 4 (Fake, Fake):       H = .75,         FA = .75         → d′ = 0,  c = −0.67
EXPECTED_REPORT = {
    # pseudonym: (right, real news recognised, fakes recognised, d′, c)
    "Live 1": ("50 %", "1/1", "0/1", "0.00", "0.67"),
    "Live 2": ("100 %", "1/1", "1/1", "1.35", "0.00"),
    "Live 3": ("0 %", "0/1", "0/1", "-1.35", "0.00"),
    "Live 4": ("50 %", "0/1", "1/1", "0.00", "-0.67"),
    "Live 5": ("50 %", "1/1", "0/1", "0.00", "0.67"),
}


def report_rows(page: Any) -> dict[str, tuple[str, ...]]:
    """The per-pupil table of the class report: right, real news, fakes, d′ and c, with a decimal point."""
    rows = {}
    for row in page.locator("section[aria-labelledby=pupils-heading] table tbody tr").all():
        name = row.locator("th").inner_text().replace("⚠", "").split("\n")[0].strip()
        cells = [c.replace("−", "-").replace(",", ".").strip() for c in row.locator("td").all_inner_texts()]
        rows[name] = (cells[1], cells[2], cells[3], cells[4], cells[5])
    return rows


def test_live_lesson_on_one_process(browser: Any, tmp_path: Path) -> None:
    with running_server(tmp_path / "data") as (base, _process):
        live_story(browser, base)


@pytest.mark.postgres
def test_live_lesson_on_postgres_with_two_processes(browser: Any, postgres_url: str, tmp_path: Path) -> None:
    environment = {"LUPE_DATABASE_URL": postgres_url, "LUPE_LIVE_BUS": "postgres", "LUPE_SECRET_KEY": "live-zwei"}
    with running_server(tmp_path / "data", args=("--workers", "2"), env=environment) as (base, _process):
        live_story(browser, base)
