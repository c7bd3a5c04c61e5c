"""Answer: what a pupil chose for one item version. Answers, never judgements of the pupil."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from app.clock import now


class Answer(SQLModel, table=True):
    """One stored answer; (pupil, pack, item key) is unique, so retries store it once."""

    __table_args__ = (UniqueConstraint("pupil_id", "pack_id", "item_key"),)

    id: int | None = Field(default=None, primary_key=True)
    pupil_id: str = Field(foreign_key="pupil.id", index=True, ondelete="CASCADE")
    pack_id: int = Field(foreign_key="pack.id", index=True)
    item_id: int = Field(foreign_key="item.id")
    item_key: str = Field(max_length=80)
    choice: str = Field(max_length=200)
    confidence: int | None = None
    is_correct: bool
    created_at: datetime = Field(default_factory=now)
