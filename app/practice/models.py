"""Answer: what a pupil chose for one item version. Answers, never judgements of the pupil."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import JSON, Column, Field, SQLModel, UniqueConstraint

from app.clock import now


class Answer(SQLModel, table=True):
    """One try at one item of an assignment. (pupil, assignment, item key, attempt) is unique, so a
    retried request stores nothing new; ``final`` marks the try that settled the item (right, or no
    tries left)."""

    __table_args__ = (UniqueConstraint("pupil_id", "assignment_id", "item_key", "attempt", name="uq_answer_attempt"),)

    id: int | None = Field(default=None, primary_key=True)
    # No index of its own: the unique key's index starts with it (one index fewer per stored answer).
    pupil_id: str = Field(foreign_key="pupil.id", ondelete="CASCADE")
    assignment_id: int = Field(foreign_key="assignment.id", index=True, ondelete="CASCADE")
    pack_id: int = Field(foreign_key="pack.id", index=True)
    item_id: int = Field(foreign_key="item.id")
    item_key: str = Field(max_length=80)
    attempt: int = 1
    final: bool = True
    choice: str = Field(max_length=200)
    response: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    confidence: int | None = None
    score: float | None = None
    is_correct: bool | None = None
    created_at: datetime = Field(default_factory=now)
