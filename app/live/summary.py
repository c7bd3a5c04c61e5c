"""The end of a live lesson: what the class fell for, and which techniques caught it out."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.practice.models import Answer

FELL_FOR_BELOW = 0.5  # an item most of the class got wrong is worth discussing again


@dataclass
class ItemResult:
    item: dict[str, Any]
    answered: int = 0
    right: int = 0
    wrong_choices: Counter[str] = field(default_factory=Counter)

    @property
    def share_right(self) -> float | None:
        return self.right / self.answered if self.answered else None

    @property
    def top_wrong(self) -> str | None:
        """The wrong answer chosen most often (verdicts and compare only: other answers are not one choice)."""
        if self.item["type"] not in ("verdict", "compare") or not self.wrong_choices:
            return None
        return self.wrong_choices.most_common(1)[0][0]


@dataclass
class TechniqueResult:
    technique: str
    answered: int = 0
    wrong: int = 0

    @property
    def share_wrong(self) -> float:
        return self.wrong / self.answered if self.answered else 0.0


@dataclass
class LessonSummary:
    items: list[ItemResult]
    techniques: list[TechniqueResult]

    @property
    def fell_for(self) -> list[ItemResult]:
        """Items most of the class got wrong, the worst first."""
        hard = [r for r in self.items if r.share_right is not None and r.share_right < FELL_FOR_BELOW]
        return sorted(hard, key=lambda r: (r.share_right, r.item["position"]))


def lesson_summary(db: Session, assignment_id: int, items: list[dict[str, Any]], verdicts: list[str]) -> LessonSummary:
    """Per item: answered, right, the most chosen wrong answer; per technique: the share answered wrong."""
    results = {item["key"]: ItemResult(item) for item in items}
    rows = db.execute(
        select(col(Answer.item_key), col(Answer.choice), col(Answer.is_correct)).where(
            col(Answer.assignment_id) == assignment_id, col(Answer.final), col(Answer.is_correct).is_not(None)
        )
    )
    techniques: dict[str, TechniqueResult] = {}
    for key, choice, right in rows:
        result = results.get(key)
        if result is None:
            continue
        result.answered += 1
        result.right += int(bool(right))
        if not right:
            result.wrong_choices[choice] += 1
        for technique in result.item.get("techniques", []):
            entry = techniques.setdefault(technique, TechniqueResult(technique))
            entry.answered += 1
            entry.wrong += int(not right)
    ranked = sorted(techniques.values(), key=lambda t: (-t.share_wrong, t.technique))
    return LessonSummary(list(results.values()), ranked)
