"""Scores that tell the truth: real and fake news detection, discernment d′, bias c, calibration.

Signal detection treats *fake* as the signal. Only verdict items whose correct answer is the
pack's real label (``verdicts[0]``) or its fake label (``verdicts[1]``) take part; a satire item
(or any other third label) counts for accuracy but not here. An answer with a third label
("Satire", "can't tell yet") is neither a hit nor a false alarm: to a fake it is a miss (the
fake was not called fake), to a real item it is not a false alarm, but neither is it real news
recognised. So "can't tell" lowers both detection rates and is never rewarded as scepticism.

Class figures are the average of the pupils' figures (each pupil counts once, whatever the
number of items they answered); pupils without a figure are left out. See docs/reports.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from statistics import NormalDist, fmean
from typing import Any, NamedTuple

# Over-scepticism (see docs/reports.md): saying "fake" readily *and* losing true news.
OVER_SCEPTICAL_C = -0.25  # bias c at or below this: "fake" comes too readily
OVER_SCEPTICAL_REAL = 0.6  # and fewer than 60 % of the real items called real
MIN_REAL_ITEMS = 3  # never warn on fewer real items answered than this

_Z = NormalDist().inv_cdf


class Kind(StrEnum):
    """What a verdict item is, for signal detection."""

    real = "real"
    fake = "fake"


@dataclass(frozen=True)
class Labels:
    """The pack's label for real news and its label for fake news."""

    real: str
    fake: str

    @classmethod
    def of(cls, compiled: dict[str, Any]) -> Labels | None:
        verdicts = compiled.get("verdicts") or []
        return cls(verdicts[0], verdicts[1]) if len(verdicts) >= 2 else None

    def kind_of(self, item: dict[str, Any]) -> Kind | None:
        """``real`` or ``fake`` for a verdict item with that answer; None for any other item."""
        if item.get("type") != "verdict":
            return None
        return Kind.real if item.get("answer") == self.real else Kind.fake if item.get("answer") == self.fake else None


class Verdict(NamedTuple):
    """One settled verdict answer to a real or fake item."""

    kind: Kind
    choice: str


@dataclass(frozen=True)
class Detection:
    """Counts of real and fake items answered, and what they were called."""

    real: int = 0
    real_called_real: int = 0
    real_called_fake: int = 0
    fake: int = 0
    fake_called_fake: int = 0
    fake_called_real: int = 0

    @property
    def real_detection(self) -> float | None:
        """Share of real items called real."""
        return self.real_called_real / self.real if self.real else None

    @property
    def fake_detection(self) -> float | None:
        """Share of fake items called fake."""
        return self.fake_called_fake / self.fake if self.fake else None

    @property
    def hit_rate(self) -> float:
        """H with the log-linear correction, so it never reaches 0 or 1."""
        return (self.fake_called_fake + 0.5) / (self.fake + 1)

    @property
    def false_alarm_rate(self) -> float:
        """FA with the log-linear correction."""
        return (self.real_called_fake + 0.5) / (self.real + 1)

    @property
    def has_both(self) -> bool:
        """d′ and c need at least one real and one fake item; with none of one kind they say nothing."""
        return self.real > 0 and self.fake > 0

    @property
    def d_prime(self) -> float | None:
        """Discernment d′ = z(H) − z(FA): 0 is guessing, higher tells real from fake better."""
        return _Z(self.hit_rate) - _Z(self.false_alarm_rate) if self.has_both else None

    @property
    def bias(self) -> float | None:
        """Bias c = −½ (z(H) + z(FA)): below 0 says "fake" readily, above 0 says "real" readily."""
        return -0.5 * (_Z(self.hit_rate) + _Z(self.false_alarm_rate)) if self.has_both else None

    @property
    def correct(self) -> int:
        """MIST's V: real called real plus fake called fake."""
        return self.real_called_real + self.fake_called_fake

    @property
    def distrust(self) -> int:
        """MIST's d, for any number of items: "fake" answers beyond the number of fake items."""
        return max(0, self.real_called_fake + self.fake_called_fake - self.fake)

    @property
    def naivety(self) -> int:
        """MIST's n: "real" answers beyond the number of real items."""
        return max(0, self.real_called_real + self.fake_called_real - self.real)

    def __add__(self, other: Detection) -> Detection:
        return Detection(*(a + b for a, b in zip(_fields(self), _fields(other), strict=True)))


def _fields(detection: Detection) -> tuple[int, ...]:
    d = detection
    return (d.real, d.real_called_real, d.real_called_fake, d.fake, d.fake_called_fake, d.fake_called_real)


def detect(verdicts: Iterable[Verdict], labels: Labels) -> Detection:
    """Count one pupil's settled verdicts on real and fake items."""
    said = Counter(verdicts)  # (kind, choice) → how often
    real = sum(n for (kind, _), n in said.items() if kind is Kind.real)
    fake = sum(n for (kind, _), n in said.items() if kind is Kind.fake)
    return Detection(
        real=real,
        real_called_real=said[Verdict(Kind.real, labels.real)],
        real_called_fake=said[Verdict(Kind.real, labels.fake)],
        fake=fake,
        fake_called_fake=said[Verdict(Kind.fake, labels.fake)],
        fake_called_real=said[Verdict(Kind.fake, labels.real)],
    )


def is_over_sceptical(detection: Detection) -> bool:
    """The warning: c ≤ −0.25 and under 60 % of real items called real, on at least 3 real items."""
    if detection.real < MIN_REAL_ITEMS or detection.bias is None:
        return False
    real = detection.real_detection
    return detection.bias <= OVER_SCEPTICAL_C and real is not None and real < OVER_SCEPTICAL_REAL


@dataclass(frozen=True)
class GroupDetection:
    """A class (or any group): the averages of its pupils' figures, and the warning."""

    pupils: int
    real_detection: float | None
    fake_detection: float | None
    d_prime: float | None
    bias: float | None
    over_sceptical: bool
    pupils_over_sceptical: int


def group_detection(pupils: Sequence[Detection]) -> GroupDetection:
    """Each pupil counts once; the warning uses only pupils with at least MIN_REAL_ITEMS real items."""
    qualified = [p for p in pupils if p.real >= MIN_REAL_ITEMS and p.has_both]
    mean_bias = mean_of(p.bias for p in qualified)
    mean_real = mean_of(p.real_detection for p in qualified)
    warning = (
        mean_bias is not None
        and mean_real is not None
        and mean_bias <= OVER_SCEPTICAL_C
        and mean_real < OVER_SCEPTICAL_REAL
    )
    return GroupDetection(
        pupils=len(pupils),
        real_detection=mean_of(p.real_detection for p in pupils),
        fake_detection=mean_of(p.fake_detection for p in pupils),
        d_prime=mean_of(p.d_prime for p in pupils),
        bias=mean_of(p.bias for p in pupils),
        over_sceptical=warning,
        pupils_over_sceptical=sum(1 for p in pupils if is_over_sceptical(p)),
    )


def mean_of(values: Iterable[float | None]) -> float | None:
    """The mean of the values that exist; None when there are none."""
    present = [v for v in values if v is not None]
    return fmean(present) if present else None


# Calibration


@dataclass(frozen=True)
class Calibration:
    """How well stated confidence matched being right."""

    answers: int
    brier: float
    mean_confidence: float
    accuracy: float

    @property
    def over_confidence(self) -> float:
        """Mean confidence − accuracy: above 0 over-confident, below 0 under-confident."""
        return self.mean_confidence - self.accuracy


def confidence_probability(level: int) -> float:
    """The pupil's stated chance of being right: "guessing" 50 → 0.5, "fairly sure" 75 → 0.75, "very sure" 100 → 1."""
    return level / 100


def calibrate(answers: Iterable[tuple[int | None, bool | None]]) -> Calibration | None:
    """Brier = mean((p − y)²) over answers with a confidence and a right or wrong; None without any."""
    pairs = [
        (confidence_probability(level), 1.0 if right else 0.0)
        for level, right in answers
        if level is not None and right is not None
    ]
    if not pairs:
        return None
    count = len(pairs)
    return Calibration(
        answers=count,
        brier=sum((p - y) ** 2 for p, y in pairs) / count,
        mean_confidence=sum(p for p, _ in pairs) / count,
        accuracy=sum(y for _, y in pairs) / count,
    )
