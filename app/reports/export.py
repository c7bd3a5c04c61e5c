"""The class report as spreadsheet rows (made safe by csv_export): one per pupil, or one per item."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.reports.csv_export import Cell
from app.reports.presentation import choice_text, plain_text
from app.reports.services import AssignmentReport

Gettext = Callable[..., str]


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def pupil_rows(result: AssignmentReport, gettext: Gettext) -> list[list[Cell]]:
    """Pseudonym, progress, accuracy, real and fake detection, d′, c, calibration, the warning."""
    header: list[Cell] = [
        gettext("Pseudonym"),
        gettext("Items answered"),
        gettext("Items"),
        gettext("Accuracy"),
        gettext("Real news recognised"),
        gettext("Fakes recognised"),
        "d′",
        "c",
        gettext("Brier score"),
        gettext("Over-confidence"),
        gettext("Over-sceptical"),
    ]
    rows = [header]
    for pupil in result.report.pupils:
        d, cal = pupil.detection, pupil.calibration
        rows.append(
            [
                pupil.pseudonym,
                pupil.settled,
                result.report.total,
                _round(pupil.accuracy),
                _round(d.real_detection),
                _round(d.fake_detection),
                _round(d.d_prime),
                _round(d.bias),
                _round(cal.brier) if cal else None,
                _round(cal.over_confidence) if cal else None,
                pupil.over_sceptical,
            ]
        )
    return rows


def item_rows(result: AssignmentReport, gettext: Gettext) -> list[list[Cell]]:
    """Item, facility, discrimination, efficiency, the flag, the most chosen wrong answer."""
    header: list[Cell] = [
        gettext("Number"),
        gettext("Item"),
        gettext("Type"),
        gettext("Answered"),
        gettext("Facility index"),
        gettext("Discrimination index"),
        gettext("Discriminative efficiency"),
        gettext("Discrimination"),
        gettext("Most chosen wrong answer"),
        gettext("Chosen by"),
    ]
    rows = [header]
    for entry in result.report.items:
        item: dict[str, Any] = entry.item
        stats = entry.statistics
        wrong = stats.wrong_answer
        rows.append(
            [
                int(item["position"]) + 1,
                plain_text(str(item.get("title", item["key"]))),
                item["type"],
                stats.answered,
                _round(stats.facility),
                _round(stats.discrimination, 1),
                _round(stats.efficiency, 1),
                stats.flag.value,
                choice_text(item, wrong[0], gettext) if wrong else None,
                wrong[1] if wrong else None,
            ]
        )
    return rows
