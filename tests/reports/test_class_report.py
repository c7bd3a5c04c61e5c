"""The class report put together for a small made-up class, against a hand computation."""

from __future__ import annotations

import pytest

from app.reports.answers import Settled, by_pupil
from app.reports.class_report import WHOLE_CLASS, build_class_report
from app.reports.heatmap import Cell
from app.reports.items import Flag

COMPILED = {
    "verdicts": ["Fakt", "Fake", "Satire"],
    "items": [
        {"key": "v1", "type": "verdict", "answer": "Fakt", "techniques": []},
        {"key": "v2", "type": "verdict", "answer": "Fake", "techniques": ["emotion"]},
        {"key": "v3", "type": "verdict", "answer": "Fakt", "techniques": []},
        {"key": "v4", "type": "verdict", "answer": "Fake", "techniques": ["conspiracy"], "renamed_from": "old-v4"},
        {
            "key": "s1",
            "type": "single",
            "techniques": [],
            "options": [{"id": "1", "correct": True}, {"id": "2", "correct": False}],
        },
        {"key": "r1", "type": "reflection", "techniques": []},
    ],
}
PUPILS = [("p1", "Ali"), ("p2", "Ben"), ("p3", "Cem")]


def settled(pupil: str, key: str, choice: str, right: bool | None, confidence: int | None = None) -> Settled:
    return Settled(1, pupil, key, choice, confidence, None if right is None else float(right), right)


ANSWERS = [
    # Ali: v1 Fakt ✓ (very sure), v2 Fake ✓ (fairly sure), v3 Fake ✗ (very sure), v4 Fake ✓ (guessing),
    # s1 option 2 ✗, a reflection. v4 was answered under its old id.
    settled("p1", "v1", "Fakt", True, 100),
    settled("p1", "v2", "Fake", True, 75),
    settled("p1", "v3", "Fake", False, 100),
    settled("p1", "old-v4", "Fake", True, 50),
    settled("p1", "s1", "2", False),
    settled("p1", "r1", "", None),
    # Ben: v1 Fake ✗, v2 Fakt ✗, v3 Fakt ✓, v4 Satire ✗, s1 option 1 ✓; no confidence given.
    settled("p2", "v1", "Fake", False),
    settled("p2", "v2", "Fakt", False),
    settled("p2", "v3", "Fakt", True),
    settled("p2", "v4", "Satire", False),
    settled("p2", "s1", "1", True),
    settled("p2", "gone", "Fakt", True),  # an item removed since: left out
    # Cem has answered nothing yet.
]


@pytest.fixture
def report():  # noqa: ANN201
    return build_class_report(COMPILED, COMPILED["items"], PUPILS, by_pupil(ANSWERS, COMPILED))


def test_pupils_by_hand(report) -> None:  # noqa: ANN001
    ali, ben, cem = report.pupils
    assert report.total == 6
    # Ali: 6 settled, 5 with right or wrong, 3 right → accuracy 0.6
    assert (ali.settled, ali.scored, ali.correct, ali.accuracy) == (6, 5, 3, 0.6)
    # real items v1 (Fakt), v3 (Fake): 2 real, 1 called real, 1 called fake; fakes v2, v4 both called fake
    d = ali.detection
    assert (d.real, d.real_called_real, d.real_called_fake, d.fake, d.fake_called_fake) == (2, 1, 1, 2, 2)
    # H = 2.5 / 3 = 0.8333 → z = 0.9674; FA = 1.5 / 3 = 0.5 → z = 0
    assert d.d_prime == pytest.approx(0.9674, abs=1e-4)
    assert d.bias == pytest.approx(-0.4837, abs=1e-4)
    assert not ali.over_sceptical  # only 2 real items: too few to warn
    # p = 1, 0.75, 1, 0.5; y = 1, 1, 0, 1 → (0 + 0.0625 + 1 + 0.25) / 4 = 0.328125
    # mean confidence 3.25 / 4 = 0.8125, accuracy 3 / 4 → over-confidence 0.0625
    assert ali.calibration.brier == pytest.approx(0.328125)
    assert ali.calibration.over_confidence == pytest.approx(0.0625)
    # Ben: real v1 → Fake, v3 → Fakt; fakes v2 → Fakt, v4 → Satire (a miss, not a "real" answer)
    d = ben.detection
    assert (d.real, d.real_called_real, d.real_called_fake) == (2, 1, 1)
    assert (d.fake, d.fake_called_fake, d.fake_called_real) == (2, 0, 1)
    # H = 0.5 / 3 = 0.1667 → z = −0.9674; FA = 0.5 → z = 0
    assert d.d_prime == pytest.approx(-0.9674, abs=1e-4)
    assert d.bias == pytest.approx(0.4837, abs=1e-4)
    assert (ben.accuracy, ben.calibration) == (0.4, None)
    assert (cem.settled, cem.accuracy, cem.detection.d_prime) == (0, None, None)


def test_class_by_hand(report) -> None:  # noqa: ANN001
    group = report.group
    assert group.pupils == 2  # Cem has not started and is left out
    assert group.d_prime == pytest.approx(0.0, abs=1e-9)  # (0.9674 − 0.9674) / 2
    assert group.bias == pytest.approx(0.0, abs=1e-9)
    assert (group.real_detection, group.fake_detection) == (0.5, 0.5)  # (0.5 + 0.5) / 2, (1 + 0) / 2
    assert not group.over_sceptical
    assert report.accuracy == pytest.approx(0.5)  # (0.6 + 0.4) / 2
    assert report.calibration.pupils == 1
    assert report.calibration.brier == pytest.approx(0.328125)


def test_items_by_hand(report) -> None:  # noqa: ANN001
    items = {r.item["key"]: r for r in report.items}
    assert list(items) == ["v1", "v2", "v3", "v4", "s1"]  # reflection has no statistics
    assert all(r.statistics.facility == 0.5 for r in items.values())  # one of two right each
    # v1: x = 1, 0; others: Ali 1 + 0 + 1 + 0 = 2, Ben 0 + 1 + 0 + 1 = 2 → Var X = 0
    assert items["v1"].statistics.flag is Flag.others_same
    # v3: x = 0, 1; others 3, 1 → Cov = (−0.5·1 + 0.5·−1) / 1 = −1; Var x = 0.5, Var X = 2 → D = −100
    assert items["v3"].statistics.discrimination == pytest.approx(-100.0)
    assert items["v3"].statistics.flag is Flag.too_few  # two pupils
    assert items["v1"].statistics.wrong_answer == ("Fake", 1)
    assert items["v4"].statistics.wrong_answer == ("Satire", 1)
    assert items["s1"].statistics.wrong_answer == ("2", 1)
    assert items["v4"].distribution == [("Fakt", 0, False), ("Fake", 1, True), ("Satire", 1, False)]
    assert items["s1"].distribution == [("1", 1, True), ("2", 1, False)]


def test_technique_heat_map_by_hand(report) -> None:  # noqa: ANN001
    heat = report.heat
    assert heat.rows == ["emotion", "conspiracy"]
    assert heat.columns == [WHOLE_CLASS, "p1", "p2", "p3"]
    assert heat.cell("emotion", WHOLE_CLASS) == Cell(1, 2)  # Ben fell for v2
    assert heat.cell("conspiracy", WHOLE_CLASS) == Cell(1, 2)
    assert heat.cell("emotion", "p1") == Cell(0, 1)
    assert heat.cell("emotion", "p3").share is None


def test_pack_without_real_and_fake_labels() -> None:
    compiled = {"verdicts": ["Ja"], "items": [{"key": "q", "type": "short", "techniques": []}]}
    answers = by_pupil([settled("p1", "q", "abc", False), settled("p2", "q", "abc", False)], compiled)
    report = build_class_report(compiled, compiled["items"], [("p1", "A"), ("p2", "B")], answers)
    assert report.labels is None and report.group.d_prime is None
    assert report.items[0].statistics.wrong_answer == ("abc", 2)  # free text: only when two wrote it


def test_free_text_written_once_is_not_shown() -> None:
    compiled = {"verdicts": [], "items": [{"key": "q", "type": "short", "techniques": []}]}
    answers = by_pupil([settled("p1", "q", "my own words", False)], compiled)
    report = build_class_report(compiled, compiled["items"], [("p1", "A")], answers)
    assert report.items[0].statistics.wrong_answer is None
