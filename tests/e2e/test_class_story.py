"""The foundation's story in a real browser: a teacher sets up and runs a class, three
pupils join on their own devices and answer every item, the teacher watches progress."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import Watch, check_accessibility, screenshot

pytestmark = pytest.mark.browser

GERMAN = {"locale": "de-DE"}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, **GERMAN}


def expect() -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def set_up_and_create_class(page: Any, base: str) -> str:
    """Setup page → teacher dashboard → new class with the demo pack open; returns the join code."""
    page.goto(base + "/")
    expect()(page).to_have_url(re.compile(r"/setup$"))
    check_accessibility(page, "setup")
    page.get_by_label(re.compile("Name der Schule|Name of the school")).fill("Gesamtschule Am See")
    page.locator("#display_name").fill("Frau Berg")
    page.locator("#email").fill("berg@schule.example")
    page.locator("#password").fill(PASSWORD)
    page.locator("form[action='/setup'] button[type=submit]").click()
    expect()(page).to_have_url(re.compile(r"/teacher$"))
    check_accessibility(page, "teacher dashboard")
    page.locator("#class-name").fill("7b Medien")
    page.locator("form[action='/teacher/classes'] button[type=submit]").click()
    expect()(page).to_have_url(re.compile(r"/teacher/classes/\d+$"))
    give_pack(page, "Echt oder erfunden?")
    check_accessibility(page, "class page")
    return str(page.locator(".code.big").inner_text()).strip()


def give_pack(page: Any, title: str, kind: str = "practice") -> int:
    """On the class page: give the pack to the class with the form; return the new assignment's id."""
    value = page.locator("#assign-pack option", has_text=title).first.get_attribute("value")
    page.locator("#assign-pack").select_option(value=value)
    page.locator(f"input[name=kind][value={kind}]").first.check()
    page.locator("#assign-pack").locator("xpath=ancestor::form").locator("button[type=submit]").click()
    if kind == "live":
        expect()(page).to_have_url(re.compile(r"/teacher/live/\d+$"))
        return int(page.url.rsplit("/", 1)[-1])
    entry = page.locator("#assignments li", has_text=title).first
    expect()(entry).to_be_visible()
    report = str(entry.locator("a[href$='/report']").get_attribute("href"))
    return int(report.split("/")[-2])


def join_as_pupil(page: Any, base: str, code: str, pseudonym: str | None) -> str:
    """Join with the code; keep the suggested pseudonym or type one; return the pseudonym."""
    page.goto(base + "/")
    page.locator("#code").fill(code.lower())
    page.locator("form[action='/join'] button").click()
    name_field = page.locator("#pseudonym")
    expect()(name_field).not_to_have_value("")
    if pseudonym is not None:
        name_field.fill(pseudonym)
    chosen = str(name_field.input_value())
    page.locator("form[action^='/join/'] button").click()
    expect()(page.locator(".resume-code")).to_be_visible()
    page.locator("a.button.primary").click()
    expect()(page).to_have_url(re.compile(r"/play$"))
    return chosen


def play_whole_pack(page: Any, *, check_pages: bool = False, keyboard: bool = False) -> int:
    """Answer every item: choose confidence on some, then a verdict; read feedback; go on."""
    page.locator(".pack-cards a.button").first.click()
    answered = 0
    while True:
        page.locator("button[name=choice], article.summary").first.wait_for()
        if page.locator("article.summary").count():
            break
        if check_pages and answered == 0:
            check_accessibility(page, "item")
            screenshot(page, "pupil-item")
        if answered % 3 == 0 and page.locator(".confidence input").count():
            page.locator(".confidence label").nth(answered % 3).click()
        if keyboard:
            page.locator("button[name=choice]").first.focus()
            page.keyboard.press("Enter")
        else:
            page.locator("button[name=choice]").nth(answered % 2).click()
        expect()(page.locator(".feedback")).to_be_visible()
        expect()(page.locator(".feedback h2")).to_be_focused()
        if check_pages and answered == 0:
            check_accessibility(page, "feedback")
            screenshot(page, "pupil-feedback")
        answered += 1
        page.locator(".next a").click()
        expect()(page.locator(".feedback")).to_have_count(0)  # the next item (or the summary) has arrived
        # …and htmx has taken it on: it wires up swapped-in forms when the swap settles, some 20 ms
        # later. A key pressed before that posts the form without htmx, as a full page (fine for a
        # pupil, but then nothing moves the focus, which the next round checks).
        expect()(page.locator(".htmx-settling, .htmx-added")).to_have_count(0)
    return answered


def test_teacher_and_three_pupils(server: str, browser: Any) -> None:
    watch = Watch(server)
    teacher_context = browser.new_context(viewport={"width": 1280, "height": 900}, **GERMAN)
    watch.attach(teacher_context)
    teacher = teacher_context.new_page()
    code = set_up_and_create_class(teacher, server)

    teacher.locator("a", has_text=re.compile("Beamer|projector")).click()
    expect()(teacher.locator("svg.qr")).to_be_visible()
    check_accessibility(teacher, "projector")
    screenshot(teacher, "projector")
    teacher.go_back()
    expect()(teacher.locator("#progress")).to_be_visible()

    pupils = []
    for number, name in enumerate([None, "Kluge Eule", "Nachtfalke 3"]):
        context = browser.new_context(
            **(PHONE if number == 0 else {"viewport": {"width": 1024, "height": 768}, **GERMAN})
        )
        watch.attach(context)
        page = context.new_page()
        pseudonym = join_as_pupil(page, server, code, name)
        if number == 0:
            check_accessibility(page, "pupil home")
        pupils.append((page, pseudonym))

    # The teacher's page was loaded before anyone answered: it must update by itself.
    totals = []
    for number, (page, pseudonym) in enumerate(pupils):
        total = play_whole_pack(page, check_pages=number == 0, keyboard=number == 2)
        totals.append(total)
        row = teacher.locator("#progress tbody tr", has_text=pseudonym)
        expect()(row).to_contain_text(f"{total}/{total}", timeout=5000)
    assert totals[0] >= 12

    summary = pupils[0][0]
    check_accessibility(summary, "summary")
    screenshot(summary, "pupil-summary")
    expect()(teacher.locator("#progress tbody tr")).to_have_count(3)
    expect()(teacher.locator(".item-shares li").first).to_contain_text("%")
    check_accessibility(teacher, "class page with progress")
    screenshot(teacher, "teacher-class")
    watch.assert_clean()


def test_pupil_without_javascript(server: str, browser: Any) -> None:
    """Self-paced work is plain forms: it works with JavaScript switched off."""
    teacher_context = browser.new_context()
    teacher = teacher_context.new_page()
    teacher.goto(server + "/login")
    teacher.locator("#email").fill("berg@schule.example")
    teacher.locator("#password").fill(PASSWORD)
    teacher.locator("form[action='/login'] button").click()
    expect()(teacher).to_have_url(re.compile(r"/teacher$"))
    teacher.locator(".class-list a").first.click()
    code = str(teacher.locator(".code.big").inner_text()).strip()

    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    join_as_pupil(page, server, code, "Ohne Skript")
    page.locator(".pack-cards a.button").first.click()
    for _ in range(3):
        page.locator("button[name=choice]").first.click()
        expect()(page.locator(".feedback")).to_be_visible()
        page.locator(".next a").click()
    expect()(page.locator("h1.item-title")).to_contain_text("4")


def test_english_interface(server: str, browser: Any) -> None:
    context = browser.new_context(locale="en-GB", extra_http_headers={"Accept-Language": "en-GB,en;q=0.9"})
    page = context.new_page()
    page.goto(server + "/")
    expect()(page.locator("html")).to_have_attribute("lang", "en")
    expect()(page.locator("h1")).to_have_text("Join your class")
    page.locator("#language-choice").select_option("de")
    page.locator(".language-switch button").click()
    expect()(page.locator("html")).to_have_attribute("lang", "de")
    check_accessibility(page, "join page")
    page.locator("#code").fill("ZZZZ-ZZZZ")
    page.locator("form[action='/join'] button").click()
    expect()(page.locator("[role=alert]")).to_be_visible()
    check_accessibility(page, "join page with error")
