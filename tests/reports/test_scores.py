"""Signal detection, the over-scepticism rule and calibration, against values worked out by hand.

z values from a normal table: z(0.7) = 0.5244, z(0.3) = −0.5244, z(0.9) = 1.2816, z(0.1) = −1.2816,
z(0.25) = −0.6745, z(0.5) = 0.
"""

from __future__ import annotations

import pytest

from app.reports.scores import (
    Detection,
    Kind,
    Labels,
    Verdict,
    calibrate,
    confidence_probability,
    detect,
    group_detection,
    is_over_sceptical,
    mean_of,
)

LABELS = Labels("Fakt", "Fake")
R, F = Kind.real, Kind.fake


def answers(*pairs: tuple[Kind, str]) -> list[Verdict]:
    return [Verdict(kind, choice) for kind, choice in pairs]


# Pupil A: 4 real items (3 called real, 1 called fake), 4 fakes (3 called fake, 1 called real).
PUPIL_A = answers(*[(R, "Fakt")] * 3, (R, "Fake"), *[(F, "Fake")] * 3, (F, "Fakt"))
# Pupil B: calls almost everything fake: 1 of 4 real items real, all 4 fakes fake.
PUPIL_B = answers((R, "Fakt"), *[(R, "Fake")] * 3, *[(F, "Fake")] * 4)


def test_labels_from_the_pack_and_which_items_take_part() -> None:
    labels = Labels.of({"verdicts": ["Fact", "Fake", "Satire"]})
    assert labels == Labels("Fact", "Fake")
    assert labels.kind_of({"type": "verdict", "answer": "Fact"}) is Kind.real
    assert labels.kind_of({"type": "verdict", "answer": "Fake"}) is Kind.fake
    assert labels.kind_of({"type": "verdict", "answer": "Satire"}) is None  # neither real nor fake news
    assert labels.kind_of({"type": "compare", "answer": "1"}) is None
    assert labels.kind_of({"type": "single", "answer": "Fake"}) is None
    assert Labels.of({"verdicts": ["Only"]}) is None


def test_pupil_a_by_hand() -> None:
    d = detect(PUPIL_A, LABELS)
    assert (d.real, d.real_called_real, d.real_called_fake) == (4, 3, 1)
    assert (d.fake, d.fake_called_fake, d.fake_called_real) == (4, 3, 1)
    assert d.real_detection == 0.75  # 3 / 4
    assert d.fake_detection == 0.75  # 3 / 4
    assert d.hit_rate == pytest.approx(0.7)  # (3 + 0.5) / (4 + 1)
    assert d.false_alarm_rate == pytest.approx(0.3)  # (1 + 0.5) / (4 + 1)
    assert d.d_prime == pytest.approx(1.0488, abs=1e-4)  # 0.5244 − (−0.5244)
    assert d.bias == pytest.approx(0.0, abs=1e-9)  # −½ (0.5244 − 0.5244)
    assert not is_over_sceptical(d)


def test_pupil_b_is_over_sceptical_by_hand() -> None:
    d = detect(PUPIL_B, LABELS)
    assert d.hit_rate == pytest.approx(0.9)  # (4 + 0.5) / 5
    assert d.false_alarm_rate == pytest.approx(0.7)  # (3 + 0.5) / 5
    assert d.d_prime == pytest.approx(0.7572, abs=1e-4)  # 1.2816 − 0.5244
    assert d.bias == pytest.approx(-0.9030, abs=1e-4)  # −½ (1.2816 + 0.5244)
    assert d.real_detection == 0.25  # 1 / 4
    assert is_over_sceptical(d)  # c ≤ −0.25, 25 % < 60 %, 4 ≥ 3 real items
    # MIST: V = 1 + 4 = 5; distrust = 7 "fake" answers − 4 fakes = 3; naivety = max(0, 1 − 4) = 0
    assert (d.correct, d.distrust, d.naivety) == (5, 3, 0)


def test_all_correct() -> None:
    d = detect(answers(*[(R, "Fakt")] * 4, *[(F, "Fake")] * 4), LABELS)
    assert d.hit_rate == pytest.approx(0.9)  # (4 + 0.5) / 5, never 1
    assert d.false_alarm_rate == pytest.approx(0.1)  # (0 + 0.5) / 5, never 0
    assert d.d_prime == pytest.approx(2.5631, abs=1e-4)  # 1.2816 + 1.2816
    assert d.bias == pytest.approx(0.0, abs=1e-9)
    assert (d.real_detection, d.fake_detection) == (1.0, 1.0)
    assert (d.correct, d.distrust, d.naivety) == (8, 0, 0)


def test_no_real_items_gives_no_d_prime_and_no_warning() -> None:
    d = detect(answers((F, "Fake"), (F, "Fake"), (F, "Fakt")), LABELS)
    assert d.real_detection is None
    assert d.fake_detection == pytest.approx(2 / 3)
    assert d.d_prime is None and d.bias is None
    assert not is_over_sceptical(d)


def test_one_answer() -> None:
    d = detect(answers((F, "Fake")), LABELS)
    assert (d.fake, d.fake_called_fake, d.fake_detection) == (1, 1, 1.0)
    assert d.d_prime is None and d.bias is None


def test_nothing_answered() -> None:
    d = detect([], LABELS)
    assert d == Detection()
    assert d.real_detection is None and d.fake_detection is None and d.d_prime is None


def test_cant_tell_is_neither_hit_nor_false_alarm() -> None:
    # A "can't tell yet" to a fake is a miss; to a real item it is no false alarm, nor real news recognised.
    d = detect(answers((F, "kann ich nicht sagen"), (R, "kann ich nicht sagen"), (R, "Satire")), LABELS)
    assert (d.fake, d.fake_called_fake, d.fake_called_real) == (1, 0, 0)
    assert (d.real, d.real_called_real, d.real_called_fake) == (2, 0, 0)
    assert d.hit_rate == pytest.approx(0.25)  # (0 + 0.5) / (1 + 1)
    assert d.false_alarm_rate == pytest.approx(0.5 / 3)  # (0 + 0.5) / (2 + 1)
    assert d.real_detection == 0.0 and d.fake_detection == 0.0


def test_warning_needs_enough_real_items() -> None:
    # Two real items, both called fake: c is very negative, but two items are too few to warn.
    d = detect(answers((R, "Fake"), (R, "Fake"), (F, "Fake"), (F, "Fake")), LABELS)
    assert d.bias is not None and d.bias < -0.25
    assert not is_over_sceptical(d)


def test_warning_needs_real_news_lost_not_only_a_liberal_bias() -> None:
    # 5 real (4 real, 1 fake), 5 fakes all fake: H = 5.5/6 = 0.9167, FA = 1.5/6 = 0.25
    # c = −½ (1.3830 − 0.6745) = −0.3543 ≤ −0.25, but 80 % of real news recognised: no warning.
    d = detect(answers(*[(R, "Fakt")] * 4, (R, "Fake"), *[(F, "Fake")] * 5), LABELS)
    assert d.bias == pytest.approx(-0.3543, abs=1e-4)
    assert not is_over_sceptical(d)


def test_class_is_the_mean_of_its_pupils() -> None:
    a, b = detect(PUPIL_A, LABELS), detect(PUPIL_B, LABELS)
    group = group_detection([a, b])
    assert group.pupils == 2
    assert group.d_prime == pytest.approx((1.0488 + 0.7572) / 2, abs=1e-4)  # 0.9030
    assert group.bias == pytest.approx((0.0 - 0.9030) / 2, abs=1e-4)  # −0.4515
    assert group.real_detection == pytest.approx(0.5)  # (0.75 + 0.25) / 2
    assert group.fake_detection == pytest.approx(0.875)  # (0.75 + 1) / 2
    assert group.over_sceptical  # −0.4515 ≤ −0.25 and 50 % < 60 %
    assert group.pupils_over_sceptical == 1


def test_class_of_one_pupil_and_of_nobody() -> None:
    one = group_detection([detect(PUPIL_A, LABELS)])
    assert one.d_prime == pytest.approx(1.0488, abs=1e-4) and not one.over_sceptical
    empty = group_detection([])
    assert (empty.pupils, empty.d_prime, empty.bias, empty.real_detection, empty.over_sceptical) == (
        0,
        None,
        None,
        None,
        False,
    )


def test_class_warning_ignores_pupils_with_too_few_real_items() -> None:
    few = detect(answers((R, "Fake"), (R, "Fake"), (F, "Fake")), LABELS)  # only 2 real items
    group = group_detection([few, detect(PUPIL_A, LABELS)])
    assert not group.over_sceptical  # only pupil A qualifies, and A is not sceptical
    assert group.bias is not None and group.bias < 0  # the average still includes both pupils


def test_everybody_the_same() -> None:
    group = group_detection([detect(PUPIL_B, LABELS)] * 3)
    assert group.bias == pytest.approx(-0.9030, abs=1e-4)
    assert group.over_sceptical and group.pupils_over_sceptical == 3


def test_mean_of_skips_missing_values() -> None:
    assert mean_of([None, 1.0, 2.0]) == 1.5
    assert mean_of([None]) is None


def test_confidence_levels_map_to_probabilities() -> None:
    assert [confidence_probability(level) for level in (50, 75, 100)] == [0.5, 0.75, 1.0]


def test_calibration_by_hand() -> None:
    # p = 1, 1, 0.5 (the answer at 75 has no right or wrong, the last no confidence: both left out)
    # y = 1, 0, 1 → (p − y)² = 0, 1, 0.25 → Brier = 1.25 / 3 = 0.4167
    # mean confidence = 2.5 / 3 = 0.8333, accuracy = 2 / 3 → over-confidence = 0.1667
    result = calibrate([(100, True), (100, False), (50, True), (75, None), (None, True)])
    assert result is not None
    assert result.answers == 3
    assert result.brier == pytest.approx(1.25 / 3)
    assert result.mean_confidence == pytest.approx(2.5 / 3)
    assert result.accuracy == pytest.approx(2 / 3)
    assert result.over_confidence == pytest.approx(1 / 6)


def test_calibration_under_confident_and_perfect() -> None:
    # Guessing (0.5) but always right: Brier = 0.25, over-confidence = 0.5 − 1 = −0.5
    under = calibrate([(50, True), (50, True)])
    assert under is not None and under.brier == 0.25 and under.over_confidence == -0.5
    perfect = calibrate([(100, True)])  # one answer
    assert perfect is not None and perfect.brier == 0.0 and perfect.over_confidence == 0.0


def test_no_confidence_given() -> None:
    assert calibrate([(None, True), (None, False)]) is None
    assert calibrate([]) is None
