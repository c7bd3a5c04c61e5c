"""Moodle's item statistics against values worked out by hand (variances divide by s − 1)."""

from __future__ import annotations

import pytest

from app.reports.items import (
    Flag,
    covariance,
    discrimination_index,
    discriminative_efficiency,
    item_statistics,
    most_chosen_wrong,
)

# Five pupils, three items, marks 0 or 1.
#        a  b  c
# P1     1  1  1
# P2     1  1  0
# P3     1  0  0
# P4     0  1  0
# P5     0  0  0
MARKS = {
    "p1": {"a": 1.0, "b": 1.0, "c": 1.0},
    "p2": {"a": 1.0, "b": 1.0, "c": 0.0},
    "p3": {"a": 1.0, "b": 0.0, "c": 0.0},
    "p4": {"a": 0.0, "b": 1.0, "c": 0.0},
    "p5": {"a": 0.0, "b": 0.0, "c": 0.0},
}


def by_key(stats: list) -> dict:
    return {s.key: s for s in stats}


def test_item_a_by_hand() -> None:
    # x = 1 1 1 0 0 (mean 0.6); X = b + c = 2 1 0 1 0 (mean 0.8)
    # (x − x̄)(X − X̄) = 0.4·1.2 + 0.4·0.2 + 0.4·(−0.8) + (−0.6)·0.2 + (−0.6)·(−0.8) = 0.6 → Cov = 0.6 / 4 = 0.15
    # Var x = (3·0.16 + 2·0.36) / 4 = 0.3; Var X = (1.44 + 0.04 + 0.64 + 0.04 + 0.64) / 4 = 0.7
    # D = 100 · 0.15 / √(0.3 · 0.7) = 32.733
    # sorted x = 0 0 1 1 1, sorted X = 0 0 1 1 2 → Cov_max = (0.48 + 0.48 + 0.08 + 0.08 + 0.48) / 4 = 0.4
    # DE = 100 · 0.15 / 0.4 = 37.5
    a = by_key(item_statistics(["a", "b", "c"], MARKS))["a"]
    assert a.facility == pytest.approx(0.6)
    assert (a.answered, a.finished) == (5, 5)
    assert a.discrimination == pytest.approx(32.733, abs=1e-3)
    assert a.efficiency == pytest.approx(37.5)
    assert a.flag is Flag.ok


def test_item_c_by_hand() -> None:
    # x = 1 0 0 0 0 (mean 0.2); X = a + b = 2 2 1 1 0 (mean 1.2)
    # products 0.8·0.8 + (−0.2)·0.8 + (−0.2)(−0.2) + (−0.2)(−0.2) + (−0.2)(−1.2) = 0.8 → Cov = 0.2
    # Var x = (0.64 + 4·0.04) / 4 = 0.2; Var X = (0.64 + 0.64 + 0.04 + 0.04 + 1.44) / 4 = 0.7
    # D = 100 · 0.2 / √0.14 = 53.452; sorted pairs give Cov_max = 0.2 → DE = 100
    c = by_key(item_statistics(["a", "b", "c"], MARKS))["c"]
    assert c.facility == pytest.approx(0.2)
    assert c.discrimination == pytest.approx(53.452, abs=1e-3)
    assert c.efficiency == pytest.approx(100.0)
    assert c.flag is Flag.ok


def test_poor_item_is_flagged() -> None:
    # e = 0 0 1 1 1, X = f = 1 1 0 0 1: the pupils strong on f fail e.
    # Cov = (−0.24·4 + 0.16) / 4 = −0.2; Var x = Var X = 0.3 → D = −66.667
    # Cov_max (both sorted 0 0 1 1 1) = 0.3 → DE = −66.667 < 15 → poor
    marks = {f"p{i}": {"e": e, "f": f} for i, (e, f) in enumerate([(0, 1), (0, 1), (1, 0), (1, 0), (1, 1)])}
    e = by_key(item_statistics(["e", "f"], marks))["e"]
    assert e.discrimination == pytest.approx(-66.667, abs=1e-3)
    assert e.efficiency == pytest.approx(-66.667, abs=1e-3)
    assert e.flag is Flag.poor


def test_unfinished_pupils_count_for_facility_only() -> None:
    marks = {**MARKS, "p6": {"a": 1.0}}  # answered a, then stopped
    a = by_key(item_statistics(["a", "b", "c"], marks))["a"]
    assert a.facility == pytest.approx(4 / 6)  # (3 + 1) / 6
    assert (a.answered, a.finished) == (6, 5)
    assert a.discrimination == pytest.approx(32.733, abs=1e-3)  # as before: p6 is not in it


def test_partial_credit_facility() -> None:
    stats = item_statistics(["m"], {"p1": {"m": 0.5}, "p2": {"m": 1.0}, "p3": {"m": 0.0}})
    assert stats[0].facility == pytest.approx(0.5)  # (0.5 + 1 + 0) / 3, max mark 1


def test_everybody_right_has_no_discrimination() -> None:
    marks = {p: {**m, "a": 1.0} for p, m in MARKS.items()}
    a = by_key(item_statistics(["a", "b", "c"], marks))["a"]
    assert a.facility == 1.0
    assert a.discrimination is None and a.efficiency is None
    assert a.flag is Flag.same_mark


def test_everybody_the_same_score() -> None:
    marks = {f"p{i}": {"a": 1.0, "b": 0.0} for i in range(6)}
    stats = by_key(item_statistics(["a", "b"], marks))
    assert stats["a"].facility == 1.0 and stats["b"].facility == 0.0
    assert stats["a"].flag is Flag.same_mark and stats["a"].discrimination is None


def test_others_constant() -> None:
    marks = {f"p{i}": {"a": float(i % 2), "b": 1.0} for i in range(6)}
    a = by_key(item_statistics(["a", "b"], marks))["a"]
    assert a.discrimination is None and a.flag is Flag.others_same


def test_one_pupil_variance_undefined() -> None:
    stats = item_statistics(["a", "b"], {"p1": {"a": 1.0, "b": 0.0}})
    assert stats[0].facility == 1.0
    assert stats[0].discrimination is None and stats[0].efficiency is None
    assert stats[0].flag is Flag.too_few


def test_few_pupils_show_figures_but_no_flag() -> None:
    four = {p: MARKS[p] for p in ("p1", "p2", "p3", "p4")}
    # a: x = 1 1 1 0, X = 2 1 0 1: Cov = (0.25·1 + 0.25·0 + 0.25·(−1) + (−0.75)·0) / 3 = 0
    a = by_key(item_statistics(["a", "b", "c"], four))["a"]
    assert a.discrimination == pytest.approx(0.0, abs=1e-9)
    assert a.flag is Flag.too_few  # DE = 0 < 15, but four pupils are too few to judge


def test_no_answers_at_all() -> None:
    stats = item_statistics(["a"], {})
    assert stats[0].facility is None and stats[0].answered == 0 and stats[0].flag is Flag.too_few


def test_basic_formulas() -> None:
    assert covariance([1.0], [2.0]) is None
    assert covariance([1.0, 3.0], [2.0, 6.0]) == 4.0  # (−1·−2 + 1·2) / 1
    assert discrimination_index([1.0, 3.0], [2.0, 6.0]) == pytest.approx(100.0)
    assert discriminative_efficiency([1.0, 3.0], [6.0, 2.0]) == pytest.approx(-100.0)


def test_most_chosen_wrong_answer() -> None:
    assert most_chosen_wrong({"Fakt": 2, "Satire": 3}) == ("Satire", 3)
    assert most_chosen_wrong({"Satire": 3, "Fakt": 3}) == ("Fakt", 3)  # a tie: alphabetical
    assert most_chosen_wrong({"Fakt": 0}) is None
    assert most_chosen_wrong({}) is None
    stats = item_statistics(["a"], {"p": {"a": 0.0}}, {"a": {"Fakt": 1}})
    assert stats[0].wrong_answer == ("Fakt", 1)
