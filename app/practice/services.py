"""Playing a pack: which items a pupil sees, which comes next, storing tries, the summary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, case, func, literal_column, null, select, union_all
from sqlmodel import Session, col

from app.accounts.models import School
from app.clock import now
from app.db import Database
from app.plain import Reads
from app.practice.models import Answer
from app.practice.scoring import Scored

ANSWERS: Any = Answer.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class StoredAnswer:
    """The latest try at an item."""

    choice: str
    confidence: int | None
    is_correct: bool | None
    score: float | None
    response: dict[str, Any] | None
    attempt: int
    final: bool


def allows_reflection(db: Session, school_id: int) -> bool:
    school = db.get(School, school_id)
    return bool(school and school.allow_reflection)


def is_visible(item: dict[str, Any], *, allow_reflection: bool) -> bool:
    """Pupils see every item but free-text reflection, which only schools that allow it show."""
    return allow_reflection or item["type"] != "reflection"


def visible_items(compiled: dict[str, Any], *, allow_reflection: bool) -> list[dict[str, Any]]:
    """The items pupils of a school see, in order (for a cached version, worked out once: read only)."""
    return _visible(compiled, allow_reflection)[0]


def item_number(compiled: dict[str, Any], item: dict[str, Any], *, allow_reflection: bool) -> int:
    """The item's place among the visible ones, counting from 1."""
    return _visible(compiled, allow_reflection)[1][item["key"]] + 1


def visible_lookup(compiled: dict[str, Any]) -> dict[bool, tuple[list[dict[str, Any]], dict[str, int]]]:
    """The visible items and their places, with and without reflection items (CompiledPacks keeps it)."""
    lookup = {}
    for allow_reflection in (False, True):
        items = [item for item in compiled["items"] if is_visible(item, allow_reflection=allow_reflection)]
        lookup[allow_reflection] = (items, {item["key"]: i for i, item in enumerate(items)})
    return lookup


def _visible(compiled: dict[str, Any], allow_reflection: bool) -> tuple[list[dict[str, Any]], dict[str, int]]:
    lookup = compiled.get("visible") or visible_lookup(compiled)
    return lookup[allow_reflection]


def answers_of(db: Reads, *, pupil_id: str, assignment_id: int, item_key: str | None = None) -> dict[str, StoredAnswer]:
    """The pupil's latest try at each item of an assignment, by item key.

    With ``item_key`` (a page that shows one item) only that item's tries are read in full; every
    other item the pupil has settled is there as ``SETTLED``, enough to count them and to find
    the next item. Both come from one statement, so they agree with each other: the settled
    items' keys as one string (a row per settled item cost more than the rest of the read once
    a pupil had answered a few dozen items), then the item's tries.
    """
    values = {"pupil_id": pupil_id, "assignment_id": assignment_id}
    if item_key is None:
        return {row.item_key: StoredAnswer(*row[1:]) for row in db.execute(_ANSWERS_QUERY, values)}
    answers: dict[str, StoredAnswer] = {}
    for row in db.execute(_ITEM_QUERY, {**values, "item_key": item_key}):  # settled keys first, then by attempt
        if row.attempt == _SETTLED_ROW:
            answers = dict.fromkeys((row.item_key or "").split(), SETTLED)  # NULL when none is settled
        else:
            answers[row.item_key] = StoredAnswer(*row[1:])  # the latest try wins
    return answers


_ANSWER_COLUMNS = (
    ANSWERS.c.item_key,
    ANSWERS.c.choice,
    ANSWERS.c.confidence,
    ANSWERS.c.is_correct,
    ANSWERS.c.score,
    ANSWERS.c.response,
    ANSWERS.c.attempt,
    ANSWERS.c.final,
)
_OF_PUPIL = (ANSWERS.c.pupil_id == bindparam("pupil_id"), ANSWERS.c.assignment_id == bindparam("assignment_id"))
_ANSWERS_QUERY = select(*_ANSWER_COLUMNS).where(*_OF_PUPIL).order_by(ANSWERS.c.attempt)
_KEY_SEPARATOR = " "  # item keys are lowercase letters, digits and hyphens (packs/vocabulary.py, ID_RE)
_SETTLED_ROW = -1  # the attempt of the row that carries the settled items' keys, sorted first
_ITEM_TRIES = select(*_ANSWER_COLUMNS).where(*_OF_PUPIL, ANSWERS.c.item_key == bindparam("item_key"))
_SETTLED_KEYS = select(
    func.aggregate_strings(ANSWERS.c.item_key, _KEY_SEPARATOR),  # group_concat / string_agg: NULL when none
    *[null() for _ in range(5)],
    literal_column(str(_SETTLED_ROW)),
    null(),
).where(*_OF_PUPIL, ANSWERS.c.final.is_(True))
# The tries first in the union: its columns take their types (and result conversions) from them.
_ITEM_QUERY: Any = union_all(_ITEM_TRIES, _SETTLED_KEYS).order_by("attempt")
# An item the pupil has settled, on a page about another item: what they answered is not read.
SETTLED = StoredAnswer(choice="", confidence=None, is_correct=None, score=None, response=None, attempt=0, final=True)


def finished_counts(db: Session, *, pupil_id: str) -> dict[int, tuple[int, int]]:
    """``assignment id → (items settled, items right)`` for one pupil."""
    rows = db.execute(
        select(col(Answer.assignment_id), func.count(), func.sum(case((ANSWERS.c.is_correct, 1), else_=0)))
        .where(col(Answer.pupil_id) == pupil_id, col(Answer.final))
        .group_by(col(Answer.assignment_id))
    )
    return {row[0]: (row[1], int(row[2] or 0)) for row in rows}


def next_item_key(items: list[dict[str, Any]], answers: dict[str, StoredAnswer]) -> str | None:
    """The first item not settled yet, in pack order."""
    for item in items:
        stored = answers.get(item["key"])
        if stored is None or not stored.final:
            return str(item["key"])
    return None


def is_final(item: dict[str, Any], scored: Scored, attempt: int) -> bool:
    """A try settles the item when it is right, cannot be right or wrong, or was the last allowed."""
    return scored.is_correct is not False or attempt >= int(item.get("tries", 1))


@dataclass(frozen=True)
class Target:
    """Where a try belongs: which pupil, assignment and pack."""

    pupil_id: str
    assignment_id: int
    pack_id: int


async def store_try(
    database: Database, target: Target, *, item: dict[str, Any], item_id: int, scored: Scored, attempt: int, final: bool
) -> StoredAnswer | None:
    """Store one try through the writer: the try as stored, or None when it already was (a retried request)."""
    inserted = await database.writer.store(
        {
            "pupil_id": target.pupil_id,
            "assignment_id": target.assignment_id,
            "pack_id": target.pack_id,
            "item_id": item_id,
            "item_key": item["key"],
            "attempt": attempt,
            "final": final,
            "choice": scored.choice,
            "response": scored.response,
            "confidence": scored.confidence,
            "score": scored.score,
            "is_correct": scored.is_correct,
            "created_at": now(),
        }
    )
    if not inserted:
        return None
    return StoredAnswer(
        scored.choice, scored.confidence, scored.is_correct, scored.score, scored.response, attempt, final
    )


@dataclass(frozen=True)
class Summary:
    total: int
    answered: int
    correct: int
    points: float
    scored: int
    real_total: int
    real_recognised: int
    fake_total: int
    fake_recognised: int


def summarise(compiled: dict[str, Any], items: list[dict[str, Any]], answers: dict[str, StoredAnswer]) -> Summary:
    """Right answers and points overall; real and fake verdicts recognised separately."""
    real_label, fake_label = compiled["verdicts"][0], compiled["verdicts"][1]
    counts = {"real_total": 0, "real_recognised": 0, "fake_total": 0, "fake_recognised": 0}
    settled = {key: a for key, a in answers.items() if a.final}
    for item in items:
        answer = settled.get(item["key"])
        if item["type"] != "verdict" or answer is None:
            continue
        kind = "real" if item["answer"] == real_label else "fake" if item["answer"] == fake_label else None
        if kind is not None:
            counts[f"{kind}_total"] += 1
            counts[f"{kind}_recognised"] += int(bool(answer.is_correct))
    keys = {item["key"] for item in items}
    mine = [a for key, a in settled.items() if key in keys]
    return Summary(
        total=len(items),
        answered=len(mine),
        correct=sum(1 for a in mine if a.is_correct),
        points=round(sum(a.score or 0.0 for a in mine), 2),
        scored=sum(1 for a in mine if a.score is not None),
        **counts,
    )
