"""Retention rules per school: defaults, bounds, and the moments before which data goes."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from app.clock import now
from app.privacy.models import RetentionPolicy


@dataclass(frozen=True)
class Retention:
    """A school's rules; the defaults fit a German school year (it ends on 31 July)."""

    year_end_month: int = 7
    year_end_day: int = 31
    grace_days: int = 90
    free_text_days: int = 30
    audit_days: int = 365


DEFAULTS = Retention()
# Inclusive bounds of every number a school admin may set.
BOUNDS: dict[str, tuple[int, int]] = {
    "year_end_month": (1, 12),
    "year_end_day": (1, 31),
    "grace_days": (0, 365),
    "free_text_days": (1, 365),
    "audit_days": (90, 1095),
}


class RetentionError(ValueError):
    """A value out of bounds; ``field`` names it."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


def policy_of(db: Session, school_id: int) -> Retention:
    """The school's rules, or the defaults when it never changed them."""
    row = db.get(RetentionPolicy, school_id)
    if row is None:
        return DEFAULTS
    return Retention(**{f.name: getattr(row, f.name) for f in fields(Retention)})


def parse(values: dict[str, str]) -> Retention:
    """Rules from form values; RetentionError names the first one that is missing or out of bounds."""
    numbers: dict[str, int] = {}
    for name, (low, high) in BOUNDS.items():
        raw = values.get(name, "").strip()
        if not raw.isdecimal() or len(raw) > 6 or not low <= int(raw) <= high:
            raise RetentionError(name)
        numbers[name] = int(raw)
    # 29 February would make the school year end only every fourth year.
    if numbers["year_end_day"] > calendar.monthrange(2025, numbers["year_end_month"])[1]:
        raise RetentionError("year_end_day")
    return Retention(**numbers)


def save(db: Session, school_id: int, rules: Retention) -> None:
    row = db.get(RetentionPolicy, school_id) or RetentionPolicy(school_id=school_id, **vars(DEFAULTS))
    for name, value in vars(rules).items():
        setattr(row, name, value)
    row.updated_at = now()
    db.add(row)
    db.flush()


def answers_cutoff(rules: Retention, at: datetime, zone: ZoneInfo) -> datetime | None:
    """Answers given before this moment are due: the end of the last school year whose grace is over."""
    today = at.astimezone(zone).date()
    for year in (today.year, today.year - 1, today.year - 2):
        year_end = date(year, rules.year_end_month, rules.year_end_day)
        if year_end + timedelta(days=rules.grace_days) <= today:
            return datetime.combine(year_end + timedelta(days=1), time(), zone)
    return None


def purge_day(rules: Retention, year: int) -> date:
    """The day on which the answers of the school year ending in ``year`` are deleted."""
    return date(year, rules.year_end_month, rules.year_end_day) + timedelta(days=rules.grace_days)


def next_purge(rules: Retention, today: date) -> tuple[date, date]:
    """(end of the school year, the day its answers go) for the next such day from ``today``."""
    for year in (today.year - 1, today.year, today.year + 1):
        if purge_day(rules, year) >= today:
            return date(year, rules.year_end_month, rules.year_end_day), purge_day(rules, year)
    raise AssertionError("a grace period of at most a year always leads to a day within two years")
