"""Log set-up: text or JSON lines, a request id on every record, and the access log.

The access log names a request by its route template (``/join/{code}``), never by its
path or query string: paths carry join codes and ids, and logs must hold no pupil data.
"""

from __future__ import annotations

import json
import logging
import random
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from app.settings import Settings

request_id: ContextVar[str | None] = ContextVar("lupe_request_id", default=None)
access_log = logging.getLogger("lupe.access")

# Fields a record may carry beyond the standard ones, in the order JSON lines show them.
EXTRA_FIELDS = ("request_id", "method", "route", "status", "duration_ms")
_WELL_FORMED_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def new_request_id(offered: str | None = None) -> str:
    """The proxy's X-Request-ID when it is well-formed (so lines can be matched up), else a new one."""
    if offered and _WELL_FORMED_ID.fullmatch(offered):
        return offered
    # Matches up log lines, guards nothing: the random module's bits, not a system call for each request.
    return f"{random.getrandbits(64):016x}"


class JsonLines(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the request's fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class TextLines(logging.Formatter):
    """The classic line, with ``[request id]`` appended inside a request."""

    def __init__(self) -> None:
        super().__init__(_TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        identifier = getattr(record, "request_id", None)
        return f"{text} [{identifier}]" if identifier else text


def configure_logging(settings: Settings) -> None:
    """Send every log record to stderr in the configured format; safe to call again."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "lupe", False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.lupe = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonLines() if settings.log_format == "json" else TextLines())
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    access_log.disabled = not settings.access_log
    _install_request_id_factory()


def _install_request_id_factory() -> None:
    """Stamp the current request's id on every record when it is made, whoever handles it."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "lupe", False):
        return

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = request_id.get()
        return record

    make_record.lupe = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make_record)
