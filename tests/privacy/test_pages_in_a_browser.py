"""The data-protection pages in a real browser: accessible (axe-core), usable at 360 px, nothing from elsewhere."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import Watch, browser, check_accessibility, server  # noqa: F401 - fixtures
from tests.e2e.test_class_story import expect, join_as_pupil, set_up_and_create_class

pytestmark = pytest.mark.browser


def test_retention_audit_log_class_data_and_deletion(server: str, browser: Any) -> None:  # noqa: F811
    watch = Watch(server)
    context = browser.new_context(locale="de-DE", viewport={"width": 360, "height": 740})
    watch.attach(context)
    admin = context.new_page()
    code = set_up_and_create_class(admin, server)
    class_id = admin.url.rsplit("/", 1)[-1]
    pupil_context = browser.new_context(locale="de-DE")
    join_as_pupil(pupil_context.new_page(), server, code, "Wiesel 5")

    admin.get_by_role("link", name="Datenschutz").click()
    expect()(admin).to_have_url(re.compile(r"/privacy/school$"))
    check_accessibility(admin, "retention page")
    admin.locator("#grace-days").fill("999")
    admin.locator("#grace-days").evaluate("field => field.removeAttribute('max')")  # the server checks too
    admin.locator("form[action='/privacy/school/retention'] button").click()
    expect()(admin.locator("[role=alert]")).to_contain_text("Nachfrist")
    check_accessibility(admin, "retention page with an error")
    admin.locator("#grace-days").fill("60")
    admin.locator("form[action='/privacy/school/retention'] button").click()
    expect()(admin.locator("[role=status]")).to_be_visible()

    admin.goto(f"{server}/privacy/classes/{class_id}")
    check_accessibility(admin, "class data page")
    admin.get_by_role("link", name=re.compile("Löschen")).first.click()
    check_accessibility(admin, "confirm deletion")
    admin.locator("#confirm").fill("Wiesel 5")
    admin.locator("form button[type=submit].primary").click()
    expect()(admin.locator("[role=status]")).to_be_visible()
    assert "Wiesel 5" not in admin.content()

    admin.goto(f"{server}/privacy/school/audit")
    check_accessibility(admin, "audit log")
    expect()(admin.locator("tbody tr")).not_to_have_count(0)
    width = admin.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the audit log is {width} px wide at 360 px"
    watch.assert_clean()
    context.close()
    pupil_context.close()
