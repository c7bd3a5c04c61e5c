"""Checking an answer of any item type: what was chosen, how much it scores, whether it is right.

The form fields each type reads: verdict ``choice`` (a label), compare ``choice`` (1 or 2),
single/source/technique ``option``, multiple ``option`` (several), order ``pos-<entry>``
(a position per entry), short and reflection ``text``, clue ``word`` (several token indices),
and ``confidence`` where the item asks for it. Anything else in the form is ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.practice.normalise import normalise_text

CONFIDENCE_LEVELS = (50, 75, 100)
MAX_TEXT = 2000

Form = dict[str, list[str]]


class AnswerError(ValueError):
    """The form does not hold a valid answer; ``code`` names the problem for the pupil."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Scored:
    choice: str
    response: dict[str, Any] | None
    score: float | None
    is_correct: bool | None
    confidence: int | None = None


def score_answer(pack: dict[str, Any], item: dict[str, Any], form: Form) -> Scored:
    """Score ``form`` for ``item``; raises :class:`AnswerError` when it holds no valid answer."""
    return SCORERS[item["type"]](pack, item, form)


# Never kept from a form: NUL (PostgreSQL refuses it in text: a 500 and a lost answer), the other
# control characters but tab and newlines, and direction overrides that make what a teacher reads
# differ from what was typed (SECURITY.md #17).
_UNSAFE_CHARACTERS = dict.fromkeys(
    [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)


def _one(form: Form, name: str) -> str:
    values = form.get(name) or [""]
    return values[0].translate(_UNSAFE_CHARACTERS)


def _small_number(raw: str) -> int | None:
    """``raw`` as a whole number when it is a few decimal digits (int() refuses ² and 5,000-digit strings)."""
    return int(raw) if raw.isdecimal() and len(raw) <= 6 else None


def _confidence(item: dict[str, Any], form: Form) -> int | None:
    raw = _one(form, "confidence")
    if not item.get("confidence") or not raw:
        return None
    if _small_number(raw) not in CONFIDENCE_LEVELS:
        raise AnswerError("confidence")
    return int(raw)


def _whole(right: bool, choice: str, response: dict[str, Any], confidence: int | None = None) -> Scored:
    return Scored(choice[:200], response, 1.0 if right else 0.0, right, confidence)


def _verdict(pack: dict[str, Any], item: dict[str, Any], form: Form) -> Scored:
    choice = _one(form, "choice")
    if choice not in pack["verdicts"]:
        raise AnswerError("choice")
    return _whole(choice == item["answer"], choice, {"choice": choice}, _confidence(item, form))


def _compare(pack: dict[str, Any], item: dict[str, Any], form: Form) -> Scored:
    choice = _one(form, "choice")
    if choice not in ("1", "2"):
        raise AnswerError("choice")
    return _whole(choice == item["answer"], choice, {"choice": choice}, _confidence(item, form))


def _single(pack: dict[str, Any], item: dict[str, Any], form: Form) -> Scored:
    chosen = _one(form, "option")
    option = next((o for o in item["options"] if o["id"] == chosen), None)
    if option is None:
        raise AnswerError("choice")
    return _whole(bool(option["correct"]), chosen, {"options": [chosen]})


def _multiple(pack: dict[str, Any], item: dict[str, Any], form: Form) -> Scored:
    """Partial credit: each right option adds 1/right, each wrong one takes 1/wrong; never below 0."""
    ids = {o["id"] for o in item["options"]}
    chosen = sorted(set(form.get("option", [])) & ids, key=lambda i: [o["id"] for o in item["options"]].index(i))
    if not chosen:
        raise AnswerError("choose_some")
    right = {o["id"] for o in item["options"] if o["correct"]}
    wrong = ids - right
    credit = len(right & set(chosen)) / len(right) - (len(wrong & set(chosen)) / len(wrong) if wrong else 0.0)
    score = max(0.0, min(1.0, credit))
    return Scored(",".join(chosen)[:200], {"options": chosen}, round(score, 4), set(chosen) == right)


def _order(pack: dict[str, Any], item: dict[str, Any], form: Form) -> Scored:
    """Share of steps at their right place; right only when all are."""
    entries = [e["id"] for e in item["entries"]]
    positions: dict[str, int] = {}
    for entry in entries:
        raw = _one(form, f"pos-{entry}")
        number = _small_number(raw)
        if number is None or not 1 <= number <= len(entries):
            raise AnswerError("order_positions")
        positions[entry] = number
    if sorted(positions.values()) != list(range(1, len(entries) + 1)):
        raise AnswerError("order_positions")
    given = sorted(entries, key=lambda e: positions[e])
    at_place = sum(1 for index, entry in enumerate(given) if entries[index] == entry)
    return Scored(",".join(given)[:200], {"order": given}, round(at_place / len(entries), 4), given == entries)


def _short(pack: dict[str, Any], item: dict[str, Any], form: Form) -> Scored:
    text = _one(form, "text").strip()
    if not text:
        raise AnswerError("text_empty")
    if len(text) > 200:
        raise AnswerError("text_too_long")
    return _whole(normalise_text(text) in item["accepted"], text, {"text": text})


def _clue(pack: dict[str, Any], item: dict[str, Any], form: Form) -> Scored:
    """Clues found minus words wrongly marked, as shares; right when every clue and nothing else is marked."""
    tokens = item["tokens"]
    chosen = sorted({n for n in map(_small_number, form.get("word", [])) if n is not None and n < len(tokens)})
    if not chosen:
        raise AnswerError("choose_some")
    found = {tokens[i]["span"] for i in chosen if tokens[i]["span"] >= 0}
    stray = sum(1 for i in chosen if tokens[i]["span"] < 0)
    outside = sum(1 for t in tokens if t["span"] < 0) or 1
    score = max(0.0, len(found) / item["spans"] - stray / outside)
    right = len(found) == item["spans"] and stray == 0
    return Scored(",".join(map(str, chosen))[:200], {"words": chosen}, round(score, 4), right)


def _reflection(pack: dict[str, Any], item: dict[str, Any], form: Form) -> Scored:
    text = _one(form, "text").strip()
    if not text:
        raise AnswerError("text_empty")
    if len(text) > MAX_TEXT:
        raise AnswerError("text_too_long")
    # Free text is kept out of ``choice`` so that lists and exports never show it by accident.
    return Scored("", {"text": text}, None, None)


SCORERS: dict[str, Callable[[dict[str, Any], dict[str, Any], Form], Scored]] = {
    "verdict": _verdict,
    "compare": _compare,
    "single": _single,
    "source": _single,
    "technique": _single,
    "multiple": _multiple,
    "order": _order,
    "short": _short,
    "clue": _clue,
    "reflection": _reflection,
}
