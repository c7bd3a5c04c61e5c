"""Playing a pack: which item comes next, checking an answer, storing it, the summary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlmodel import Session, col

from app.clock import now
from app.db import Database
from app.packs.models import Pack
from app.practice.models import Answer

CONFIDENCE_LEVELS = (50, 75, 100)


@dataclass(frozen=True)
class StoredAnswer:
    choice: str
    confidence: int | None
    is_correct: bool


class AnswerError(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def answers_of(db: Session, *, pupil_id: str, pack_id: int) -> dict[str, StoredAnswer]:
    """The pupil's answers in a pack by item id."""
    rows = db.execute(
        select(col(Answer.item_key), col(Answer.choice), col(Answer.confidence), col(Answer.is_correct)).where(
            col(Answer.pupil_id) == pupil_id,
            col(Answer.pack_id) == pack_id,
        )
    )
    return {row.item_key: StoredAnswer(row.choice, row.confidence, row.is_correct) for row in rows}


def answered_counts(db: Session, *, pupil_id: str) -> dict[int, tuple[int, int]]:
    """``pack id → (answered, correct)`` for one pupil."""
    rows = db.execute(
        select(col(Answer.pack_id), func.count(), func.sum(case((Answer.is_correct, 1), else_=0)))  # type: ignore[arg-type]
        .where(Answer.pupil_id == pupil_id)  # type: ignore[arg-type]
        .group_by(Answer.pack_id)  # type: ignore[arg-type]
    )
    return {row[0]: (row[1], int(row[2] or 0)) for row in rows}


def next_item_key(compiled: dict[str, Any], answers: dict[str, StoredAnswer]) -> str | None:
    """The first item not answered yet, in pack order."""
    for item in compiled["items"]:
        if item["key"] not in answers:
            return str(item["key"])
    return None


def check_choice(
    compiled: dict[str, Any], item: dict[str, Any], choice: str, confidence: str | None
) -> tuple[bool, int | None]:
    """Whether ``choice`` is right, and the confidence as a number; refuses what the item does not offer."""
    if choice not in compiled["verdicts"]:
        raise AnswerError("choice")
    level: int | None = None
    if item["confidence"] and confidence:
        if not confidence.isdigit() or int(confidence) not in CONFIDENCE_LEVELS:
            raise AnswerError("confidence")
        level = int(confidence)
    return choice == item["answer"], level


async def store_answer(
    database: Database,
    *,
    pupil_id: str,
    pack: Pack,
    item_id: int,
    item_key: str,
    choice: str,
    confidence: int | None,
    is_correct: bool,
) -> bool:
    """Store the answer through the writer; False when one was already stored (a retry)."""
    return await database.writer.store(
        {
            "pupil_id": pupil_id,
            "pack_id": pack.id,
            "item_id": item_id,
            "item_key": item_key,
            "choice": choice,
            "confidence": confidence,
            "is_correct": is_correct,
            "created_at": now(),
        }
    )


@dataclass(frozen=True)
class Summary:
    total: int
    answered: int
    correct: int
    real_total: int
    real_recognised: int
    fake_total: int
    fake_recognised: int


def summarise(compiled: dict[str, Any], answers: dict[str, StoredAnswer]) -> Summary:
    """Right answers overall, and real and fake items recognised separately."""
    real_label, fake_label = compiled["verdicts"][0], compiled["verdicts"][1]
    counts = {"real_total": 0, "real_recognised": 0, "fake_total": 0, "fake_recognised": 0}
    for item in compiled["items"]:
        kind = "real" if item["answer"] == real_label else "fake" if item["answer"] == fake_label else None
        answer = answers.get(item["key"])
        if kind is None or answer is None:
            continue
        counts[f"{kind}_total"] += 1
        counts[f"{kind}_recognised"] += int(answer.is_correct)
    return Summary(
        total=len(compiled["items"]),
        answered=len(answers),
        correct=sum(1 for a in answers.values() if a.is_correct),
        **counts,
    )
