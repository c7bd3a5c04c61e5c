"""Retention rules: defaults, bounds, and the day a school year's answers go."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from app.privacy.retention import (
    DEFAULTS,
    Retention,
    RetentionError,
    answers_cutoff,
    next_purge,
    parse,
    purge_day,
)

BERLIN = ZoneInfo("Europe/Berlin")


def form(**changes: str) -> dict[str, str]:
    values = {"year_end_month": "7", "year_end_day": "31", "grace_days": "90", "free_text_days": "30"}
    return {**values, "audit_days": "365", **changes}


def test_defaults_fit_a_german_school_year() -> None:
    assert Retention(7, 31, 90, 30, 365) == DEFAULTS
    assert purge_day(DEFAULTS, 2026) == date(2026, 10, 29)


def test_the_next_purge_day_is_today_or_later() -> None:
    assert next_purge(DEFAULTS, date(2026, 10, 29)) == (date(2026, 7, 31), date(2026, 10, 29))
    assert next_purge(DEFAULTS, date(2026, 10, 30)) == (date(2027, 7, 31), date(2027, 10, 29))
    late = Retention(12, 31, 365, 30, 365)
    assert next_purge(late, date(2026, 6, 1)) == (date(2025, 12, 31), date(2026, 12, 31))


def test_answers_of_a_school_year_go_on_the_purge_day_not_before() -> None:
    before = datetime(2026, 10, 28, 23, 30, tzinfo=BERLIN)
    on_the_day = datetime(2026, 10, 29, 0, 30, tzinfo=BERLIN)
    assert answers_cutoff(DEFAULTS, before, BERLIN) == datetime(2025, 8, 1, tzinfo=BERLIN)
    assert answers_cutoff(DEFAULTS, on_the_day, BERLIN) == datetime(2026, 8, 1, tzinfo=BERLIN)
    # the day is the school's, not UTC's: 23:30 UTC on 28 October is already the 29th in Berlin
    assert answers_cutoff(DEFAULTS, datetime(2026, 10, 28, 23, 30, tzinfo=UTC), BERLIN) == datetime(
        2026, 8, 1, tzinfo=BERLIN
    )


def test_a_school_year_ending_in_june_with_no_grace() -> None:
    rules = Retention(6, 30, 0, 30, 365)
    assert answers_cutoff(rules, datetime(2026, 6, 30, 12, tzinfo=BERLIN), BERLIN) == datetime(
        2026, 7, 1, tzinfo=BERLIN
    )
    assert answers_cutoff(rules, datetime(2026, 6, 29, 12, tzinfo=BERLIN), BERLIN) == datetime(
        2025, 7, 1, tzinfo=BERLIN
    )


def test_valid_form_values_become_rules() -> None:
    assert parse(form(grace_days=" 120 ")) == Retention(7, 31, 120, 30, 365)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("year_end_month", "13"),
        ("year_end_month", "0"),
        ("year_end_day", "32"),
        ("grace_days", "366"),
        ("grace_days", "-1"),
        ("grace_days", "ninety"),
        ("grace_days", ""),
        ("free_text_days", "0"),
        ("audit_days", "89"),
        ("audit_days", "1096"),
        ("audit_days", "1e3"),
    ],
)
def test_values_out_of_bounds_are_refused_by_name(field: str, value: str) -> None:
    with pytest.raises(RetentionError) as refused:
        parse(form(**{field: value}))
    assert refused.value.field == field


@pytest.mark.parametrize(("month", "day"), [("2", "29"), ("4", "31"), ("6", "31")])
def test_days_that_do_not_exist_every_year_are_refused(month: str, day: str) -> None:
    with pytest.raises(RetentionError) as refused:
        parse(form(year_end_month=month, year_end_day=day))
    assert refused.value.field == "year_end_day"
