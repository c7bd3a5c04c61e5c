"""Privacy tests run on SQLite and PostgreSQL where the database matters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from app.db import Database
from app.settings import Settings


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    database = Database.from_settings(settings)
    yield database
    database.close()


def both_databases(request: pytest.FixtureRequest, tmp_path: Any, sqlite_template: Any) -> str:
    from tests.conftest import database_url as shared

    return shared.__wrapped__(request, tmp_path, sqlite_template)  # type: ignore[attr-defined,no-any-return]
