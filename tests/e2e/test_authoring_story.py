"""A teacher writes a pack in the browser editor, sees an error at the right line, fixes it,
opens the pack for a class, and a pupil plays it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import Watch, check_accessibility, screenshot
from tests.e2e.test_class_story import expect, give_pack, join_as_pupil

pytestmark = pytest.mark.browser

BROKEN = """---
id: eigene-stunde
title: Meine eigene Stunde
version: 1.0.0
language: de
---

# Hinweise

::: post {author="Tante Erna" handle="@erna" likes=12}
Zitronenwasser heilt jede Erkältung über Nacht!!!
:::

::: verdict {#zitrone answer=Fake confidence technique=emotion}
Stimmt dieser Post?
:::

::: single {#erst-pruefen}
Was tust du zuerst?
- [ ] Teilen
- [x] Prüfen, wer es sagt

> [!EXPLAIN]
> Erst prüfen, dann teilen.
:::
"""


def set_up(page: Any, base: str) -> None:
    """Each test module has a fresh server: the first visit sets up the school."""
    page.goto(base + "/")
    expect()(page).to_have_url(re.compile(r"/setup$"))
    page.locator("#school_name").fill("Schule am Editor")
    page.locator("#display_name").fill("Herr Feder")
    page.locator("#email").fill("feder@schule.example")
    page.locator("#password").fill(PASSWORD)
    page.locator("form[action='/setup'] button").click()


def test_author_a_pack_in_the_editor_and_play_it(server: str, browser: Any) -> None:
    watch = Watch(server)
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    watch.attach(context)
    teacher = context.new_page()
    set_up(teacher, server)
    expect()(teacher).to_have_url(re.compile(r"/teacher$"))

    teacher.goto(server + "/teacher/packs/new")
    editor = teacher.locator("textarea").first
    editor.fill(BROKEN)
    # The verdict opens at line 14 and has no explanation: the live check says so.
    error = teacher.locator("#preview .diagnostic.error").first
    expect()(error).to_contain_text("pack.md:14:1", timeout=10000)
    expect()(error).to_contain_text("ITEM005")
    check_accessibility(teacher, "editor with an error")
    screenshot(teacher, "teacher-editor-error")

    explained = "Stimmt dieser Post?\n\n> [!EXPLAIN]\n> Zitronen heilen keine Erkältung.\n"
    editor.fill(BROKEN.replace("Stimmt dieser Post?\n", explained))
    expect()(teacher.locator("#preview .ok")).to_be_visible(timeout=10000)
    expect()(teacher.locator("#preview .post-card")).to_contain_text("Zitronenwasser")
    teacher.locator(".editor-actions button.primary").click()
    expect()(teacher.locator("h1")).to_contain_text("Meine eigene Stunde")
    check_accessibility(teacher, "pack page")

    teacher.goto(server + "/teacher")
    teacher.locator("#class-name").fill("8a Editor")
    teacher.locator("form[action='/teacher/classes'] button").click()
    give_pack(teacher, "Meine eigene Stunde")
    code = str(teacher.locator(".code.big").inner_text()).strip()

    pupil_context = browser.new_context(locale="de-DE")
    watch.attach(pupil_context)
    pupil = pupil_context.new_page()
    join_as_pupil(pupil, server, code, "Zitronenfalter")
    pupil.locator(".pack-cards li", has_text="Meine eigene Stunde").locator("a.button").click()
    pupil.locator("button[name=choice][value=Fake]").click()
    expect()(pupil.locator(".feedback.right")).to_be_visible()
    pupil.locator(".next a").click()
    pupil.locator("label.option", has_text="Prüfen").click()
    pupil.locator(".answer-form button.primary").click()
    expect()(pupil.locator(".feedback.right")).to_be_visible()
    check_accessibility(pupil, "single choice feedback")
    watch.assert_clean()
