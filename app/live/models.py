"""LiveSession: where a live lesson stands — which item, and whether it is revealed."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from app.clock import now


class Phase(StrEnum):
    lobby = "lobby"  # pupils join; no item shown yet
    question = "question"  # pupils answer the current item
    reveal = "reveal"  # the distribution and the explanation are shown
    finished = "finished"  # the class summary


class LiveSession(SQLModel, table=True):
    """The state of a live assignment. ``revision`` grows with every step, so screens know they are current."""

    __tablename__ = "live_session"

    assignment_id: int = Field(foreign_key="assignment.id", primary_key=True, ondelete="CASCADE")
    position: int = 0
    phase: str = Field(default=Phase.lobby.value, max_length=12)
    revision: int = 0
    # Competition is off unless the teacher turns it on; no pseudonyms on the projector without a podium.
    points: bool = False
    speed_bonus: bool = False
    streaks: bool = False
    podium: bool = False
    item_started_at: datetime | None = None
    started_at: datetime = Field(default_factory=now)
    finished_at: datetime | None = None
