"""Item statistics with Moodle's definitions: facility, discrimination, discriminative efficiency.

The mark x of an item is the score of the pupil's settled try (0 to 1, so the maximum mark is 1);
X is the pupil's total on the *other* scored items. Variances and covariances divide by s − 1.

Facility counts every pupil who settled the item. Discrimination counts, like Moodle's
finished attempts, only pupils who settled every scored item: the total of the other items
says little about a pupil who stopped halfway. An item is flagged when its discriminative
efficiency is below 15 (Moodle's threshold), once at least MIN_PUPILS pupils finished; an
item everyone got equally right (or wrong) has no discrimination at all and says so instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from math import sqrt
from operator import mul
from typing import NamedTuple

POOR_EFFICIENCY = 15.0  # Moodle: discriminative efficiency below 15 is dubious
MIN_PUPILS = 5  # fewer finished pupils than this: figures are shown, never flagged
_TINY = 1e-12


class Flag(StrEnum):
    """What to say about an item's discrimination."""

    ok = "ok"
    poor = "poor"  # DE < 15: the item does not separate stronger from weaker pupils
    same_mark = "same_mark"  # everyone got the same mark: nothing to discriminate
    others_same = "others_same"  # everyone has the same total on the other items
    too_few = "too_few"  # fewer than MIN_PUPILS finished: too few to judge


@dataclass(frozen=True)
class ItemStatistics:
    key: str
    answered: int  # pupils who settled the item
    facility: float | None  # F = mean(x) / max mark, 0 to 1
    finished: int  # s: pupils who settled every scored item
    discrimination: float | None  # D = 100 · Cov(x, X) / √(Var x · Var X)
    efficiency: float | None  # DE = 100 · Cov(x, X) / Cov_max
    flag: Flag
    wrong_answer: tuple[str, int] | None = None  # the most chosen wrong answer, and how often


def covariance(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Sample covariance (divisor s − 1); None for fewer than two values."""
    moments = _moments(xs, ys)
    return moments.cov if moments else None


class _Moments(NamedTuple):
    cov: float  # Cov(x, X)
    var_x: float
    var_total: float
    cov_max: float  # the sorted x paired with the sorted X


def _moments(xs: Sequence[float], totals: Sequence[float]) -> _Moments | None:
    """All four in one pass over the deviations (this runs for every item of every report)."""
    count = len(xs)
    if count < 2:
        return None
    mean_x, mean_total = sum(xs) / count, sum(totals) / count
    dx = [x - mean_x for x in xs]
    dt = [t - mean_total for t in totals]
    n = count - 1
    return _Moments(
        sum(map(mul, dx, dt)) / n,
        sum(map(mul, dx, dx)) / n,
        sum(map(mul, dt, dt)) / n,
        sum(map(mul, sorted(dx), sorted(dt))) / n,
    )


def discrimination_index(xs: Sequence[float], totals: Sequence[float]) -> float | None:
    """D = 100 · Cov(x, X) / √(Var x · Var X); None when either does not vary."""
    return _discrimination(_moments(xs, totals))


def discriminative_efficiency(xs: Sequence[float], totals: Sequence[float]) -> float | None:
    """DE = 100 · Cov(x, X) / Cov_max, where Cov_max pairs the sorted x with the sorted X."""
    return _efficiency(_moments(xs, totals))


def _discrimination(m: _Moments | None) -> float | None:
    if m is None or m.var_x < _TINY or m.var_total < _TINY:
        return None
    return 100 * m.cov / sqrt(m.var_x * m.var_total)


def _efficiency(m: _Moments | None) -> float | None:
    if m is None or m.cov_max < _TINY:
        return None
    return 100 * m.cov / m.cov_max


def most_chosen_wrong(counts: Mapping[str, int]) -> tuple[str, int] | None:
    """The wrong answer chosen most often (ties: the first in alphabetical order)."""
    chosen = [(choice, n) for choice, n in counts.items() if n > 0]
    if not chosen:
        return None
    return min(chosen, key=lambda pair: (-pair[1], pair[0]))


def item_statistics(
    keys: Sequence[str],
    marks: Mapping[str, Mapping[str, float]],
    wrong: Mapping[str, Mapping[str, int]] | None = None,
) -> list[ItemStatistics]:
    """Statistics of the scored items ``keys`` from ``marks`` (pupil → item key → mark 0 to 1)."""
    finished = [pupil for pupil in marks.values() if all(key in pupil for key in keys)]
    totals = [sum(pupil[key] for key in keys) for pupil in finished]
    return [_one_item(key, marks, finished, totals, (wrong or {}).get(key, {})) for key in keys]


def _one_item(
    key: str,
    marks: Mapping[str, Mapping[str, float]],
    finished: list[Mapping[str, float]],
    totals: list[float],
    wrong: Mapping[str, int],
) -> ItemStatistics:
    answered = [pupil[key] for pupil in marks.values() if key in pupil]
    xs = [pupil[key] for pupil in finished]
    others = [total - x for total, x in zip(totals, xs, strict=True)]
    moments = _moments(xs, others)
    d_index, efficiency = _discrimination(moments), _efficiency(moments)
    return ItemStatistics(
        key=key,
        answered=len(answered),
        facility=sum(answered) / len(answered) if answered else None,
        finished=len(xs),
        discrimination=d_index,
        efficiency=efficiency,
        flag=_flag(xs, others, efficiency),
        wrong_answer=most_chosen_wrong(wrong),
    )


def _flag(xs: list[float], others: list[float], efficiency: float | None) -> Flag:
    if len(xs) < 2:
        return Flag.too_few
    if max(xs) - min(xs) < _TINY:
        return Flag.same_mark
    if max(others) - min(others) < _TINY:
        return Flag.others_same
    if len(xs) < MIN_PUPILS:
        return Flag.too_few
    return Flag.poor if efficiency is None or efficiency < POOR_EFFICIENCY else Flag.ok
