"""Helpers for the account tests: accounts made in the database, sign-in through the pages, TOTP codes."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.accounts import totp
from app.accounts.models import Account
from tests.conftest import html


def account(app: Any, email: str) -> Account:
    with app.state.lupe.db.read_session() as db:
        return db.execute(select(Account).where(Account.email == email)).scalar_one()


def shown_link(response: Any) -> str:
    """The path of the link shown once on an admin page (``/invite/…`` or ``/reset/…``)."""
    assert response.status_code == 200, response.text
    field = html(response).select_one("input#new-link")
    assert field is not None, response.text
    return "/" + str(field["value"]).split("/", 3)[3]


def code_for(secret: str, offset: int = 0) -> str:
    """The authenticator app's code now (``offset`` steps later or earlier)."""
    return totp.hotp(totp.secret_bytes(secret), totp.time_step(time.time()) + offset)


def enrol(browser: TestClient) -> tuple[str, list[str]]:
    """Turn two-factor sign-in on through the page; return the secret and the recovery codes."""
    page = html(browser.get("/account/two-factor"))
    secret = page.select_one("figcaption .code").get_text(strip=True).replace(" ", "")
    setup = page.select_one("input[name=setup]")["value"]
    response = browser.post("/account/two-factor", data={"setup": setup, "code": code_for(secret)})
    assert response.status_code == 200, response.text
    codes = [li.get_text(strip=True) for li in html(response).select(".recovery-codes li")]
    assert len(codes) == 10
    return secret, codes
