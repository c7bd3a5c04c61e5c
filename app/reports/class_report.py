"""The report of one assignment for its class: pupils, the class as a whole, items, techniques."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.reports.answers import Settled
from app.reports.heatmap import HeatMap, counted_heat_map
from app.reports.items import ItemStatistics, item_statistics
from app.reports.scores import (
    Calibration,
    Detection,
    GroupDetection,
    Kind,
    Labels,
    Verdict,
    calibrate,
    detect,
    group_detection,
    is_over_sceptical,
    mean_of,
)

WHOLE_CLASS = ""  # the heat map column of the whole class (pupil ids are never empty)
DISTRIBUTED = frozenset({"verdict", "compare", "single", "source", "technique"})
# A short text answer is shown as "most chosen" only when more than one pupil wrote it.
FREE_TEXT_TYPES = frozenset({"short"})


@dataclass(frozen=True)
class PupilResult:
    pupil_id: str
    pseudonym: str
    settled: int
    scored: int
    correct: int
    detection: Detection
    calibration: Calibration | None

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.scored if self.scored else None

    @property
    def over_sceptical(self) -> bool:
        return is_over_sceptical(self.detection)


@dataclass(frozen=True)
class ItemResult:
    item: dict[str, Any]
    statistics: ItemStatistics
    distribution: list[tuple[str, int, bool]]  # (choice, how many, is it right)


@dataclass(frozen=True)
class GroupCalibration:
    pupils: int
    brier: float | None
    over_confidence: float | None


@dataclass(frozen=True)
class ClassReport:
    total: int
    labels: Labels | None
    pupils: list[PupilResult]
    group: GroupDetection
    accuracy: float | None
    calibration: GroupCalibration
    items: list[ItemResult]
    heat: HeatMap


def build_class_report(
    compiled: dict[str, Any],
    items: Sequence[dict[str, Any]],
    pupils: Sequence[tuple[str, str]],
    answers: Mapping[str, Mapping[str, Settled]],
    columns: Mapping[str, str] | None = None,
) -> ClassReport:
    """Everything the class report shows, from the pupils' settled answers (pupil → item key → answer).

    The heat map has a column for the whole class, then one per pupil, or per group when ``columns``
    maps pupil ids to group names (pupils missing from it count for the whole class only).
    """
    column_of = columns if columns is not None else {pupil_id: pupil_id for pupil_id, _ in pupils}
    labels = Labels.of(compiled)
    kinds = {item["key"]: labels.kind_of(item) for item in items} if labels else {}
    results = [_pupil(pupil_id, name, items, answers.get(pupil_id, {}), labels, kinds) for pupil_id, name in pupils]
    calibrated = [r.calibration for r in results if r.calibration is not None]
    return ClassReport(
        total=len(items),
        labels=labels,
        pupils=results,
        group=group_detection([r.detection for r in results if r.settled]),
        accuracy=mean_of(r.accuracy for r in results),
        calibration=GroupCalibration(
            len(calibrated), mean_of(c.brier for c in calibrated), mean_of(c.over_confidence for c in calibrated)
        ),
        items=_items(items, pupils, answers, list(compiled.get("verdicts") or [])),
        heat=counted_heat_map(
            _technique_counts(items, answers, column_of), [WHOLE_CLASS, *dict.fromkeys(column_of.values())]
        ),
    )


def _pupil(
    pupil_id: str,
    name: str,
    items: Sequence[dict[str, Any]],
    mine: Mapping[str, Settled],
    labels: Labels | None,
    kinds: Mapping[str, Kind | None],
) -> PupilResult:
    keyed = [(item["key"], mine[item["key"]]) for item in items if item["key"] in mine]
    answered = [a for _, a in keyed]
    scored = [a for a in answered if a.is_correct is not None]
    verdicts = [Verdict(kind, a.choice) for key, a in keyed if (kind := kinds.get(key)) is not None]
    return PupilResult(
        pupil_id=pupil_id,
        pseudonym=name,
        settled=len(answered),
        scored=len(scored),
        correct=sum(1 for a in scored if a.is_correct),
        detection=detect(verdicts, labels) if labels else Detection(),
        calibration=calibrate((a.confidence, a.is_correct) for a in scored),
    )


def _items(
    items: Sequence[dict[str, Any]],
    pupils: Sequence[tuple[str, str]],
    answers: Mapping[str, Mapping[str, Settled]],
    verdicts: list[str],
) -> list[ItemResult]:
    scored_items = [item for item in items if item["type"] != "reflection"]
    keys = [item["key"] for item in scored_items]
    marks: dict[str, dict[str, float]] = {}
    # Choices are collected in lists and counted once per item: cheaper than a counter per answer.
    chosen_lists: dict[str, list[str]] = {key: [] for key in keys}
    wrong_lists: dict[str, list[str]] = {key: [] for key in keys}
    for pupil_id, _ in pupils:
        pupil_marks = marks[pupil_id] = {}
        for key, answer in answers.get(pupil_id, {}).items():
            chosen_list = chosen_lists.get(key)
            if chosen_list is None or answer.score is None:
                continue
            pupil_marks[key] = answer.score
            chosen_list.append(answer.choice)
            if answer.is_correct is False:
                wrong_lists[key].append(answer.choice)
    wrong = {key: Counter(choices) for key, choices in wrong_lists.items()}
    for item in scored_items:
        if item["type"] in FREE_TEXT_TYPES:
            wrong[item["key"]] = Counter({text: n for text, n in wrong[item["key"]].items() if n > 1})
    chosen = {key: Counter(choices) for key, choices in chosen_lists.items()}
    statistics = item_statistics(keys, {p: m for p, m in marks.items() if m}, wrong)
    return [
        ItemResult(item, stats, distribution(item, chosen[item["key"]], verdicts))
        for item, stats in zip(scored_items, statistics, strict=True)
    ]


def distribution(item: dict[str, Any], chosen: Mapping[str, int], verdicts: list[str]) -> list[tuple[str, int, bool]]:
    """Every possible answer of a choice item with how often it was chosen; empty for other types."""
    if item["type"] not in DISTRIBUTED:
        return []
    if item["type"] in ("verdict", "compare"):
        choices = verdicts if item["type"] == "verdict" else ["1", "2"]
        answer = str(item.get("answer"))
        return [(choice, chosen.get(choice, 0), choice == answer) for choice in choices]
    return [(o["id"], chosen.get(o["id"], 0), bool(o["correct"])) for o in item["options"]]


def _technique_counts(
    items: Sequence[dict[str, Any]], answers: Mapping[str, Mapping[str, Settled]], column_of: Mapping[str, str]
) -> Counter[tuple[str, tuple[str, ...], bool]]:
    """Scored answers to items with techniques, counted by (column, the item's techniques, right)."""
    tagged = {item["key"]: tuple(item["techniques"]) for item in items if item.get("techniques")}
    counts: Counter[tuple[str, tuple[str, ...], bool]] = Counter()
    for pupil_id, mine in answers.items():
        column = column_of.get(pupil_id)
        for key, answer in mine.items():
            techniques = tagged.get(key)
            if techniques is not None and answer.is_correct is not None:
                right = bool(answer.is_correct)
                counts[(WHOLE_CLASS, techniques, right)] += 1
                if column is not None:
                    counts[(column, techniques, right)] += 1
    return counts
