"""Schools and accounts in a real browser, every page checked with axe-core at phone width:
the instance admin creates a school, its admin joins by link and invites a teacher, the teacher
sets up two-factor sign-in and signs in with a code."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.accounts import totp
from app.settings import PROJECT_ROOT
from tests.conftest import PASSWORD, require_or_skip
from tests.e2e.conftest import Watch, browser, browser_missing, check_accessibility, running_server

pytestmark = pytest.mark.browser
__all__ = ["browser"]  # the fixture, imported for this module

PHONE = {"viewport": {"width": 360, "height": 780}, "is_mobile": True, "has_touch": True, "locale": "de-DE"}


def expect() -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server whose only account is the instance admin, made with `lupe admin create --instance`."""
    require_or_skip(browser_missing(), "LUPE_REQUIRE_BROWSER")
    data = tmp_path_factory.mktemp("city")
    env = {**os.environ, "LUPE_DATA_DIR": str(data), "LUPE_DATABASE_URL": "", "LUPE_ADMIN_PASSWORD": PASSWORD}
    for command in (["db", "upgrade"], ["admin", "create", "--instance", "--email", "it@stadt.example"]):
        subprocess.run([sys.executable, "-m", "app.cli", *command], cwd=PROJECT_ROOT, env=env, check=True)  # noqa: S603
    with running_server(Path(data)) as (base, _process):
        yield base


def sign_in(page: Any, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()


def checked(page: Any, label: str) -> None:
    """axe-core finds nothing, and the page fits a 360 px wide phone without sideways scrolling."""
    check_accessibility(page, label)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{label} is {width} px wide"


def copied_link(page: Any) -> str:
    return str(page.locator("#new-link").input_value())


def test_a_city_school_and_its_accounts_in_the_browser(city: str, browser: Any) -> None:
    watch = Watch(city)
    context = browser.new_context(**PHONE)
    watch.attach(context)
    page = context.new_page()
    sign_in(page, city, "it@stadt.example")
    expect()(page).to_have_url(re.compile(r"/admin/schools$"))
    checked(page, "schools")
    page.locator("#school_name").fill("Grundschule Süd")
    page.locator("#admin-email").fill("chefin@sued.example")
    page.locator("form[action='/admin/schools'] button[type=submit]").click()
    checked(page, "schools with a new link")
    invitation = copied_link(page)

    head = browser.new_context(**PHONE)
    watch.attach(head)
    admin = head.new_page()
    admin.goto(invitation)
    checked(admin, "invitation")
    admin.locator("#display_name").fill("Frau Süd")
    admin.locator("#password").fill(PASSWORD)
    admin.locator("form[action^='/invite/'] button[type=submit]").click()
    expect()(admin).to_have_url(re.compile(r"/teacher$"))
    admin.goto(city + "/school/accounts")
    checked(admin, "school accounts")
    admin.locator("#invite-email").fill("lehrer@sued.example")
    admin.locator("form[action='/school/invitations'] button[type=submit]").click()
    checked(admin, "school accounts with a new link")
    teacher_link = copied_link(admin)

    own = browser.new_context(**PHONE)
    watch.attach(own)
    teacher = own.new_page()
    teacher.goto(teacher_link)
    teacher.locator("#display_name").fill("Herr Lehrer")
    teacher.locator("#password").fill("kurz")
    teacher.locator("#password").evaluate("field => field.removeAttribute('minlength')")
    teacher.locator("form[action^='/invite/'] button[type=submit]").click()
    checked(teacher, "invitation with an error")
    teacher.locator("#password").fill(PASSWORD)
    teacher.locator("form[action^='/invite/'] button[type=submit]").click()
    expect()(teacher).to_have_url(re.compile(r"/teacher$"))
    teacher.goto(city + "/account")
    checked(teacher, "my account")
    teacher.goto(city + "/account/two-factor")
    checked(teacher, "two-factor setup")
    secret = str(teacher.locator("figcaption .code").inner_text()).replace(" ", "")
    teacher.locator("#code").fill(totp.hotp(totp.secret_bytes(secret), totp.time_step(time.time())))
    teacher.locator("form[action='/account/two-factor'] button[type=submit]").click()
    expect()(teacher.locator(".recovery-codes li")).to_have_count(10)
    checked(teacher, "recovery codes")
    teacher.locator("form[action='/logout'] button").click()

    sign_in(teacher, city, "lehrer@sued.example")
    expect()(teacher).to_have_url(re.compile(r"/login/code"))
    checked(teacher, "code step")
    teacher.locator("#code").fill(totp.hotp(totp.secret_bytes(secret), totp.time_step(time.time()) + 1))
    teacher.locator("form[action='/login/code'] button[type=submit]").click()
    expect()(teacher).to_have_url(re.compile(r"/teacher$"))

    teacher.goto(teacher_link)
    checked(teacher, "used link")
    assert teacher.locator("h1").count() == 1
    watch.assert_clean()
    for opened in (context, head, own):
        opened.close()
