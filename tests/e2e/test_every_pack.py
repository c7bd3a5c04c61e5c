"""Every shipped pack plays in a real browser: one item of every type it uses, answered right."""

from __future__ import annotations

import re
from typing import Any

import pytest

from app.packs.library import check_folder, pack_folders
from tests.conftest import LESSONS, PASSWORD
from tests.e2e.conftest import Watch, check_accessibility
from tests.e2e.test_class_story import expect, give_pack, join_as_pupil

pytestmark = pytest.mark.browser


def shipped_packs() -> list[dict[str, Any]]:
    packs = []
    for folder in pack_folders([LESSONS]):
        compiled = check_folder(folder).compiled
        assert compiled is not None, f"{folder} does not compile"
        packs.append(compiled)
    return packs


def first_of_each_type(compiled: dict[str, Any]) -> list[dict[str, Any]]:
    chosen: dict[str, dict[str, Any]] = {}
    for item in compiled["items"]:
        chosen.setdefault(item["type"], item)
    return list(chosen.values())


def answer_right(page: Any, compiled: dict[str, Any], item: dict[str, Any]) -> None:
    """Fill in and send the right answer, as a pupil would with mouse and keyboard."""
    kind = item["type"]
    if kind in ("verdict", "compare"):
        page.locator(f"button[name=choice][value='{item['answer']}']").click()
        return
    if kind in ("single", "source", "technique", "multiple"):
        for option in item["options"]:
            if option["correct"]:
                page.locator(f"input[name=option][value='{option['id']}']").check()
    elif kind == "order":
        for place, entry in enumerate(item["entries"], start=1):
            page.locator(f"select[name='pos-{entry['id']}']").select_option(str(place))
    elif kind == "short":
        page.locator("input[name=text]").fill(item["accepted_shown"][0])
    elif kind == "clue":
        for index, token in enumerate(item["tokens"]):
            if token["span"] >= 0:
                page.locator(f"input[name=word][value='{index}']").check()
    page.locator(".answer-form button.primary").click()


def test_one_item_of_every_type_in_every_pack(server: str, browser: Any) -> None:
    packs = shipped_packs()
    assert len(packs) >= 2
    watch = Watch(server)
    context = browser.new_context(locale="de-DE")
    watch.attach(context)
    teacher = context.new_page()
    teacher.goto(server + "/")
    teacher.locator("#school_name").fill("Schule aller Pakete")
    teacher.locator("#display_name").fill("Frau Alle")
    teacher.locator("#email").fill("alle@schule.example")
    teacher.locator("#password").fill(PASSWORD)
    teacher.locator("form[action='/setup'] button").click()
    teacher.locator("#class-name").fill("Alle Pakete")
    teacher.locator("form[action='/teacher/classes'] button").click()
    pack_ids = {}
    for compiled in packs:
        pack_ids[compiled["key"]] = give_pack(teacher, compiled["title"])
    code = str(teacher.locator(".code.big").inner_text()).strip()

    pupil_context = browser.new_context(locale="de-DE", viewport={"width": 390, "height": 844}, is_mobile=True)
    watch.attach(pupil_context)
    pupil = pupil_context.new_page()
    join_as_pupil(pupil, server, code, "Alleskönner")
    checked_types: set[str] = set()
    for compiled in packs:
        for item in first_of_each_type(compiled):
            url = f"{server}/play/{pack_ids[compiled['key']]}/items/{item['key']}"
            if item["type"] == "reflection":  # off unless the school allows free text
                assert pupil.goto(url).status == 404
                continue
            pupil.goto(url)
            expect()(pupil.locator("#item")).to_be_visible()
            if item["type"] not in checked_types:
                check_accessibility(pupil, f"{item['type']} item")
            answer_right(pupil, compiled, item)
            feedback = pupil.locator(".feedback")
            expect()(feedback).to_be_visible()
            assert "right" in (feedback.get_attribute("class") or ""), f"{compiled['key']}/{item['key']}"
            if item["type"] not in checked_types:
                check_accessibility(pupil, f"{item['type']} feedback")
                checked_types.add(item["type"])
    assert re.search("verdict", " ".join(checked_types))
    watch.assert_clean()
