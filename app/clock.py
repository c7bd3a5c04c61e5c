"""The one place that says what time it is: timezone-aware UTC, to the second."""

from datetime import UTC, datetime


def now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC).replace(microsecond=0)
