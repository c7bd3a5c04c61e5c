"""Settings from ``LUPE_*`` environment variables, with safe defaults."""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every setting Lupe reads; each one is documented in docs/deployment.md."""

    model_config = SettingsConfigDict(env_prefix="LUPE_", extra="ignore")

    data_dir: Path = Field(
        default=PROJECT_ROOT / "data", description="Folder for the SQLite database and the generated secret key."
    )
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; empty means SQLite in the data folder. Example: postgresql+psycopg://lupe@db/lupe",
    )
    secret_key: str = Field(
        default="", description="Key that signs cookies; generated into the data folder when empty."
    )
    host: str = Field(default="127.0.0.1", description="Address `lupe serve` listens on.")
    port: int = Field(default=8000, description="Port `lupe serve` listens on.")
    workers: int = Field(
        default=1, description="Number of server processes for `lupe serve` (use PostgreSQL for more than one)."
    )
    lessons_dir: Path = Field(
        default=PROJECT_ROOT / "lessons", description="Folder of shipped lesson packs loaded at start."
    )
    https: bool = Field(
        default=False, description="Set when served over HTTPS (behind a TLS proxy): Secure cookies and HSTS."
    )
    session_hours: int = Field(default=12, description="Lifetime of a sign-in, in hours.")
    default_language: str = Field(
        default="de", description="Interface language when neither the user nor the browser chooses one (de or en)."
    )
    timezone: str = Field(
        default="Europe/Berlin", description="Time zone for dates shown and entered (IANA name, e.g. Europe/Berlin)."
    )
    log_level: str = Field(default="info", description="Log level: debug, info, warning, error.")
    purge_daily: bool = Field(
        default=True, description="Delete data past each school's retention once a day inside the server."
    )
    purge_hour: int = Field(
        default=2, ge=0, le=23, description="Hour of the day (in the time zone) from which the daily purge runs."
    )
    log_format: Literal["text", "json"] = Field(
        default="text", description="Log lines as plain text or as JSON objects, one per line."
    )
    access_log: bool = Field(
        default=True, description="Log one line per request (method, route template, status, duration)."
    )
    metrics: bool = Field(default=False, description="Serve Prometheus metrics at /metrics.")
    metrics_token: str = Field(
        default="", description="When set, /metrics requires the header `Authorization: Bearer <token>`."
    )
    proxy_headers: bool = Field(
        default=True, description="Trust X-Forwarded-For/-Proto from the addresses in LUPE_FORWARDED_ALLOW_IPS."
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1", description="Comma-separated proxy addresses whose X-Forwarded-* headers are trusted."
    )
    reload_lessons: bool = Field(
        default=False, description="Load changed packs from the lessons folder without a restart (for pack authors)."
    )
    live_bus: Literal["auto", "memory", "postgres", "redis"] = Field(
        default="auto",
        description="How live events reach other processes: memory (one process), postgres (LISTEN/NOTIFY), "
        "redis; auto is postgres on PostgreSQL, else memory.",
    )
    redis_url: str = Field(default="", description="Redis for LUPE_LIVE_BUS=redis. Example: redis://127.0.0.1:6379/0")

    @cached_property
    def effective_database_url(self) -> str:
        """The configured URL, or SQLite in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'lupe.sqlite3'}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    def signing_key(self) -> str:
        """The cookie key: the setting, or a key generated once into the data folder."""
        if self.secret_key:
            return self.secret_key
        key_file = self.data_dir / "secret_key"
        if key_file.exists():
            return key_file.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        # Created exclusively and private: two processes starting at once must agree on one key.
        try:
            with open(key_file, "x", encoding="ascii") as handle:
                handle.write(key)
            key_file.chmod(0o600)
        except FileExistsError:
            return key_file.read_text().strip()
        return key
