"""A live lesson: the teacher paces the items, pupils answer the current one, the class sees the result."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.classroom.models import Pupil
from app.clock import now
from app.live.models import LiveSession, Phase
from app.practice.models import Answer
from app.practice.scoring import Scored
from app.practice.services import allows_reflection, visible_items

OPTION_TYPES = frozenset({"single", "multiple", "technique", "source"})
CHOICE_TYPES = frozenset({"verdict", "compare"})


class Step(StrEnum):
    """What the teacher can do next."""

    start = "start"
    reveal = "reveal"
    next = "next"
    back = "back"
    finish = "finish"


class LiveError(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def take_step(session: LiveSession, step: Step, total: int) -> None:
    """Move the lesson on; every step is a new revision that every screen fetches."""
    phase = Phase(session.phase)
    if phase == Phase.finished:
        raise LiveError("live_finished")
    if step == Step.start or (step == Step.next and phase == Phase.lobby):
        _show(session, 0)
    elif step == Step.reveal and phase == Phase.question:
        session.phase = Phase.reveal.value
    elif step == Step.next and session.position + 1 < total:
        _show(session, session.position + 1)
    elif step == Step.next or step == Step.finish:
        session.phase = Phase.finished.value
        session.finished_at = now()
    elif step == Step.back and phase != Phase.lobby:
        # Back to the item before, revealed: the class discusses it again, no new answers.
        session.position = max(0, session.position - (1 if phase == Phase.question or session.position else 0))
        session.phase = Phase.reveal.value
    else:
        raise LiveError("live_step")
    session.revision += 1


def _show(session: LiveSession, position: int) -> None:
    session.position = position
    session.phase = Phase.question.value
    session.item_started_at = now()


def items_of(db: Session, compiled: dict[str, Any], school_id: int) -> list[dict[str, Any]]:
    """The items the school's pupils see, in order (free text only where the school allows it)."""
    return visible_items(compiled, allow_reflection=allows_reflection(db, school_id))


def with_answer_time(scored: Scored, item_started_at: datetime) -> Scored:
    """Keep how long the answer took: only in a lesson with a speed bonus, which needs it."""
    seconds = round((now() - item_started_at).total_seconds(), 1)
    return replace(scored, response={**(scored.response or {}), "live_seconds": seconds})


def current_item(session: LiveSession, items: list[dict[str, Any]]) -> dict[str, Any] | None:
    if session.phase in (Phase.question, Phase.reveal) and session.position < len(items):
        return items[session.position]
    return None


def joined_count(db: Session, class_id: int) -> int:
    return int(db.execute(select(func.count()).where(col(Pupil.class_id) == class_id)).scalar_one())


def answered_count(db: Session, assignment_id: int, item_key: str) -> int:
    statement = select(func.count()).where(
        col(Answer.assignment_id) == assignment_id, col(Answer.item_key) == item_key, col(Answer.final)
    )
    return int(db.execute(statement).scalar_one())


@dataclass(frozen=True)
class Bar:
    """One answer and how many chose it."""

    label_html: str
    count: int
    correct: bool


def distribution(db: Session, assignment_id: int, item: dict[str, Any], verdicts: list[str]) -> list[Bar]:
    """How the class answered the item, anonymous: one bar per answer choice (or right / partly / wrong)."""
    rows = db.execute(
        select(col(Answer.choice), col(Answer.score), col(Answer.is_correct)).where(
            col(Answer.assignment_id) == assignment_id, col(Answer.item_key) == item["key"], col(Answer.final)
        )
    ).all()
    kind = item["type"]
    if kind in CHOICE_TYPES:
        counts = Counter(choice for choice, _, _ in rows)
        labels = _choice_labels(item, verdicts)
        return [Bar(label, counts.get(value, 0), value == item["answer"]) for value, label in labels]
    if kind in OPTION_TYPES:
        counts = Counter(part for choice, _, _ in rows for part in choice.split(",") if part)
        return [Bar(_option_label(o), counts.get(o["id"], 0), bool(o["correct"])) for o in item["options"]]
    right = sum(1 for _, _, ok in rows if ok)
    partly = sum(1 for _, score, ok in rows if not ok and score)
    return [
        Bar("right", right, True),
        Bar("partly", partly, False),
        Bar("wrong", len(rows) - right - partly, False),
    ]


def _choice_labels(item: dict[str, Any], verdicts: list[str]) -> list[tuple[str, str]]:
    if item["type"] == "compare":
        return [(str(n), str(n)) for n in range(1, len(item["stimuli"]) + 1)]
    return [(label, label) for label in verdicts]


def _option_label(option: dict[str, Any]) -> str:
    return str(option.get("technique") or option["text_html"])


@dataclass(frozen=True)
class Standing:
    pseudonym: str
    points: int


POINTS_PER_ITEM = 100
SPEED_BONUS = 50  # at most, for an answer in the first second, falling to 0 after SPEED_WINDOW
SPEED_WINDOW = 30.0
STREAK_BONUS = 20  # per right answer in a row, from the second on


def standings(db: Session, session: LiveSession, *, limit: int = 3) -> list[Standing]:
    """The podium: points only when the teacher turned them on; bonuses only when chosen too."""
    rows = db.execute(
        select(col(Pupil.pseudonym), col(Answer.score), col(Answer.created_at), col(Answer.item_key))
        .join(Pupil, col(Pupil.id) == col(Answer.pupil_id))
        .where(col(Answer.assignment_id) == session.assignment_id, col(Answer.final))
        .order_by(col(Pupil.pseudonym), col(Answer.id))
    ).all()
    totals: dict[str, float] = {}
    streak: dict[str, int] = {}
    for pseudonym, score, _created_at, _key in rows:
        points = (score or 0.0) * POINTS_PER_ITEM
        streak[pseudonym] = streak.get(pseudonym, 0) + 1 if score == 1.0 else 0
        if session.streaks and streak[pseudonym] > 1:
            points += STREAK_BONUS
        totals[pseudonym] = totals.get(pseudonym, 0.0) + points
    if session.speed_bonus:
        for pseudonym, bonus in _speed_bonuses(db, session).items():
            totals[pseudonym] = totals.get(pseudonym, 0.0) + bonus
    ranked = sorted(totals.items(), key=lambda entry: (-entry[1], entry[0]))
    return [Standing(name, round(points)) for name, points in ranked[:limit]]


def _speed_bonuses(db: Session, session: LiveSession) -> dict[str, float]:
    """A bonus for quick right answers, measured from the time the item was shown (stored per answer)."""
    rows = db.execute(
        select(col(Pupil.pseudonym), col(Answer.response))
        .join(Pupil, col(Pupil.id) == col(Answer.pupil_id))
        .where(col(Answer.assignment_id) == session.assignment_id, col(Answer.final), col(Answer.is_correct).is_(True))
    ).all()
    bonuses: dict[str, float] = {}
    for pseudonym, response in rows:
        seconds = (response or {}).get("live_seconds")
        if isinstance(seconds, int | float):
            share = max(0.0, 1.0 - float(seconds) / SPEED_WINDOW)
            bonuses[pseudonym] = bonuses.get(pseudonym, 0.0) + SPEED_BONUS * share
    return bonuses
