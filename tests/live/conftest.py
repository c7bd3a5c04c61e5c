"""Fixtures for the live bus: a Redis server when there is one, and a way to run async tests."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.conftest import require_or_skip

REDIS_URL = os.environ.get("LUPE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T], timeout: float = 30) -> T:
    """Run an async test body with a timeout, so a lost event fails instead of hanging."""
    return asyncio.run(asyncio.wait_for(coroutine, timeout))


def redis_available() -> str | None:
    """None when Redis answers, else the reason it does not."""
    try:
        import redis
    except ImportError:
        return "the redis package is not installed"
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.ping()
        client.close()
        return None
    except Exception as error:  # noqa: BLE001 - any failure means "not available"
        return f"Redis not reachable at {REDIS_URL}: {type(error).__name__}"


@pytest.fixture
def redis_url() -> str:
    require_or_skip(redis_available(), "LUPE_REQUIRE_REDIS")
    return REDIS_URL


@pytest.fixture(params=["postgres", "redis"])
def environment(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    common = {"LUPE_DATA_DIR": str(tmp_path), "LUPE_LIVE_BUS": request.param}
    if request.param == "postgres":
        return {**common, "LUPE_DATABASE_URL": request.getfixturevalue("postgres_url")}
    return {**common, "LUPE_REDIS_URL": request.getfixturevalue("redis_url")}
