"""Items: one compile function per type, all returning the same common fields.

Common to every item: key, type, question_html, the callouts (clue, explain, check,
teacher, hints), techniques, tries and renamed_from. Each type adds what it needs to
be shown and scored; ``app/practice/scoring.py`` reads exactly these fields.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.packs.diagnostics import N_, Param, Report
from app.packs.markdown import render_inline, render_markdown
from app.packs.scanner import Block, Callout, split_callouts
from app.packs.vocabulary import CALLOUT_KINDS, ID_RE, MAX_TRIES, RETRYABLE, TECHNIQUES

TASK_RE = re.compile(r"[ \t]*[-*+][ \t]+\[([ xX])\][ \t]+(\S.*)")
NUMBERED_RE = re.compile(r"[ \t]*(\d{1,3})[.)][ \t]+(\S.*)")
BULLET_RE = re.compile(r"[ \t]*[-*+][ \t]+(\S.*)")
FEEDBACK_RE = re.compile(r"[ \t]*>[ \t]?(.*)")
BROKEN_CALLOUT_RE = re.compile(r"[ \t]*>[ \t]*\[!")
MARK_RE = re.compile(r"==([^=\n]{1,300})==")

COMMON_ATTRIBUTES = {"technique", "tries", "renamed-from"}
TYPE_ATTRIBUTES = {
    "verdict": {"answer", "confidence"},
    "single": set(),
    "multiple": set(),
    "source": set(),
    "technique": {"answer", "options"},
    "compare": {"answer", "confidence"},
    "order": set(),
    "short": set(),
    "clue": set(),
    "reflection": set(),
}


class ItemContext:
    """Where an item is and how to report on it."""

    def __init__(self, path: str, block: Block, meta: dict[str, Any], report: Report, stimuli: list[dict[str, Any]]):
        self.path = path
        self.block = block
        self.meta = meta
        self.report = report
        self.stimuli = stimuli
        self.key = block.attributes.id or "?"

    def error(self, code: str, template: str, *, line: int | None = None, column: int = 1, **params: Param) -> None:
        self.report.error(self.path, line or self.block.line, column, code, template, **params)

    def warning(self, code: str, template: str, *, line: int | None = None, column: int = 1, **params: Param) -> None:
        self.report.warning(self.path, line or self.block.line, column, code, template, **params)

    def column(self, attribute: str) -> int:
        return self.block.attributes.columns.get(attribute, 5)


def compile_item(
    path: str, block: Block, meta: dict[str, Any], report: Report, stimuli: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """Any item: the common fields, then the type's own."""
    context = ItemContext(path, block, meta, report, stimuli)
    attrs = block.attributes
    if attrs.id is None:
        context.error("ITEM002", N_("the item has no id: add one like {#my-item-id}"), column=5)
        return None
    if len(attrs.id) > 80 or not ID_RE.fullmatch(attrs.id):
        context.error(
            "ITEM010",
            N_("id '%(id)s' may only use lower-case letters, digits and single hyphens"),
            column=context.column("#id"),
            id=attrs.id,
        )
    known = COMMON_ATTRIBUTES | TYPE_ATTRIBUTES[block.type]
    for name in sorted(attrs.names() - known):
        context.warning(
            "ATTR002",
            N_("a %(type)s item has no attribute '%(name)s'; known: %(known)s"),
            column=context.column(name),
            type=block.type,
            name=name,
            known=", ".join(sorted(known)),
        )
    own, callouts = split_callouts(block.body)
    item = _common(context, own, callouts)
    specific = COMPILERS[block.type](context, own, item)
    if specific is None:
        return None
    item.update(specific)
    return item


def _common(context: ItemContext, own: list[tuple[int, str]], callouts: list[Callout]) -> dict[str, Any]:
    attrs = context.block.attributes
    techniques = [t.strip() for t in attrs.values.get("technique", "").split(",") if t.strip()]
    for technique in techniques:
        if technique not in TECHNIQUES:
            context.error(
                "ITEM006",
                N_("unknown technique '%(technique)s'; known: %(known)s"),
                column=context.column("technique"),
                technique=technique,
                known=", ".join(TECHNIQUES),
            )
    parts = _callout_parts(context, callouts)
    for number, line in own:
        if BROKEN_CALLOUT_RE.match(line):
            context.error(
                "CALLOUT004",
                N_("this looks like a callout but is not written as one: put '> [!KIND]' alone on its line"),
                line=number,
            )
    if "explain" not in parts:
        context.error(
            "ITEM005",
            N_("%(type)s '%(id)s' has no explanation: add a '> [!EXPLAIN]' callout"),
            type=context.block.type,
            id=context.key,
        )
    if "clue" not in parts and context.block.type != "reflection":
        context.warning(
            "ITEM011",
            N_("%(type)s '%(id)s' has no clue: add a '> [!CLUE]' callout saying what gives it away"),
            type=context.block.type,
            id=context.key,
        )
    return {
        "key": context.key,
        "type": context.block.type,
        "file": Path(context.path).name,
        "line": context.block.line,
        "question_html": render_markdown(_question_text(own)),
        "techniques": techniques,
        "tries": _tries(context),
        "renamed_from": attrs.values.get("renamed-from"),
        "clue_html": parts.get("clue", ""),
        "explain_html": parts.get("explain", ""),
        "check_html": parts.get("check", ""),
        "teacher_html": parts.get("teacher", ""),
        "hints_html": parts.get("hints", []),
        "stimuli": context.stimuli,
    }


def _question_text(own: list[tuple[int, str]]) -> str:
    """The first paragraph: the question."""
    lines: list[str] = []
    for _, line in own:
        if not line.strip():
            if lines:
                break
            continue
        if TASK_RE.fullmatch(line) or NUMBERED_RE.fullmatch(line) or BULLET_RE.fullmatch(line):
            break
        lines.append(line)
    return "\n".join(lines).strip()


def _rest_after_question(own: list[tuple[int, str]]) -> list[tuple[int, str]]:
    seen_text, index = False, 0
    for index, (_, line) in enumerate(own):
        if line.strip():
            if TASK_RE.fullmatch(line) or NUMBERED_RE.fullmatch(line) or BULLET_RE.fullmatch(line):
                return own[index:]
            seen_text = True
        elif seen_text:
            return own[index:]
    return []


def _tries(context: ItemContext) -> int:
    raw = context.block.attributes.values.get("tries")
    if raw is None:
        return 1
    if not raw.isdecimal() or len(raw) > 6 or not 1 <= int(raw) <= MAX_TRIES:
        context.error(
            "ITEM013",
            N_("tries must be a whole number from 1 to %(max)d"),
            column=context.column("tries"),
            max=MAX_TRIES,
        )
        return 1
    if int(raw) > 1 and context.block.type not in RETRYABLE:
        context.error(
            "ITEM013",
            N_("a %(type)s item is answered in one go: tries only fits %(types)s"),
            column=context.column("tries"),
            type=context.block.type,
            types=", ".join(sorted(RETRYABLE)),
        )
        return 1
    return int(raw)


def _callout_parts(context: ItemContext, callouts: list[Callout]) -> dict[str, Any]:
    parts: dict[str, Any] = {}
    for callout in callouts:
        name = CALLOUT_KINDS.get(callout.kind)
        if name is None:
            known = ", ".join("[!" + k + "]" for k in CALLOUT_KINDS)
            context.error(
                "CALLOUT001",
                N_("unknown callout '[!%(kind)s]'; known: %(known)s"),
                line=callout.line,
                kind=callout.kind,
                known=known,
            )
            continue
        if not callout.text:
            context.error(
                "CALLOUT002",
                N_("the callout '[!%(kind)s]' of '%(id)s' is empty"),
                line=callout.line,
                kind=callout.kind,
                id=context.key,
            )
            continue
        if name == "hint":
            parts.setdefault("hints", []).append(render_markdown(callout.text))
        elif name in parts:
            context.error(
                "CALLOUT003",
                N_("'%(id)s' has two '[!%(kind)s]' callouts; merge them into one"),
                line=callout.line,
                id=context.key,
                kind=callout.kind,
            )
        else:
            parts[name] = render_markdown(callout.text)
    return parts


def _require_question(context: ItemContext, item: dict[str, Any]) -> None:
    if not item["question_html"]:
        context.error(
            "ITEM007",
            N_("%(type)s '%(id)s' has no question: write it as the first paragraph"),
            type=context.block.type,
            id=context.key,
        )


# Verdict and compare: one decision.


def _verdict(context: ItemContext, own: list[tuple[int, str]], item: dict[str, Any]) -> dict[str, Any] | None:
    _require_question(context, item)
    labels = context.meta["verdicts"]
    answer = context.block.attributes.values.get("answer")
    if answer is None:
        context.error(
            "ITEM004",
            N_("verdict '%(id)s' has no correct answer: add answer= with one of: %(verdicts)s"),
            column=5,
            id=context.key,
            verdicts=", ".join(labels),
        )
    elif answer not in labels:
        context.error(
            "ITEM004",
            N_("answer '%(answer)s' of verdict '%(id)s' is not one of this pack's verdicts: %(verdicts)s"),
            column=context.column("answer"),
            answer=answer,
            id=context.key,
            verdicts=", ".join(labels),
        )
    if answer is not None and len(labels) > 1 and answer == labels[1] and not item["techniques"]:
        context.warning(
            "ITEM008",
            N_("fake verdict '%(id)s' names no technique: add technique= with one of: %(known)s"),
            id=context.key,
            known=", ".join(TECHNIQUES),
        )
    return {"answer": answer, "confidence": "confidence" in context.block.attributes.flags}


def _compare(context: ItemContext, own: list[tuple[int, str]], item: dict[str, Any]) -> dict[str, Any] | None:
    _require_question(context, item)
    if len(context.stimuli) != 2:
        context.error(
            "ITEM021",
            N_("compare '%(id)s' needs exactly two content blocks right before it, found %(count)d"),
            id=context.key,
            count=len(context.stimuli),
        )
    answer = context.block.attributes.values.get("answer")
    if answer not in ("1", "2"):
        context.error(
            "ITEM004",
            N_("compare '%(id)s' needs answer=1 or answer=2: which of the two blocks above is genuine"),
            column=context.column("answer"),
            id=context.key,
        )
    return {"answer": answer, "confidence": "confidence" in context.block.attributes.flags}


# Choices: single, multiple, source check; technique builds its options from the taxonomy.


def _options(context: ItemContext, own: list[tuple[int, str]]) -> list[dict[str, Any]]:
    options: list[dict[str, Any]] = []
    feedback: list[str] = []

    def close() -> None:
        if options and feedback:
            options[-1]["feedback_html"] = render_markdown("\n".join(feedback))
        feedback.clear()

    for number, line in _rest_after_question(own):
        task = TASK_RE.fullmatch(line)
        quote = FEEDBACK_RE.fullmatch(line)
        if task:
            close()
            options.append(
                {
                    "id": str(len(options) + 1),
                    "text_html": render_inline(task.group(2)),
                    "correct": task.group(1) in "xX",
                    "feedback_html": "",
                    "line": number,
                }
            )
        elif quote and options:
            feedback.append(quote.group(1))
        elif line.strip():
            context.error(
                "ITEM022",
                N_("this line is neither an option ('- [ ] text' or '- [x] text') nor its feedback ('  > text')"),
                line=number,
            )
    close()
    return options


def _single(context: ItemContext, own: list[tuple[int, str]], item: dict[str, Any]) -> dict[str, Any] | None:
    _require_question(context, item)
    options = _options(context, own)
    correct = sum(1 for option in options if option["correct"])
    if len(options) < 2:
        context.error("ITEM023", N_("'%(id)s' needs at least two options written as '- [ ] text'"), id=context.key)
    elif correct == 0:
        context.error(
            "ITEM004",
            N_("%(type)s choice '%(id)s' has no correct option: mark one with [x]"),
            type=context.block.type,
            id=context.key,
        )
    elif correct > 1:
        context.error(
            "ITEM004",
            N_("%(type)s choice '%(id)s' has %(count)d correct options: mark only one with [x]"),
            type=context.block.type,
            id=context.key,
            count=correct,
        )
    return {"options": options}


def _multiple(context: ItemContext, own: list[tuple[int, str]], item: dict[str, Any]) -> dict[str, Any] | None:
    _require_question(context, item)
    options = _options(context, own)
    if len(options) < 2:
        context.error("ITEM023", N_("'%(id)s' needs at least two options written as '- [ ] text'"), id=context.key)
    elif not any(option["correct"] for option in options):
        context.error(
            "ITEM004",
            N_("multiple choice '%(id)s' has no correct option: mark at least one with [x]"),
            id=context.key,
        )
    return {"options": options}


def _technique(context: ItemContext, own: list[tuple[int, str]], item: dict[str, Any]) -> dict[str, Any] | None:
    _require_question(context, item)
    values = context.block.attributes.values
    answer = [t.strip() for t in values.get("answer", "").split(",") if t.strip()]
    offered = [t.strip() for t in values.get("options", "").split(",") if t.strip()] or list(TECHNIQUES)
    for technique in answer + offered:
        if technique not in TECHNIQUES:
            context.error(
                "ITEM006",
                N_("unknown technique '%(technique)s'; known: %(known)s"),
                technique=technique,
                known=", ".join(TECHNIQUES),
            )
    if not answer:
        context.error(
            "ITEM004", N_("technique '%(id)s' has no answer: add answer= with the technique used"), id=context.key
        )
    missing = [t for t in answer if t not in offered]
    if missing:
        context.error(
            "ITEM004",
            N_("the answer %(answer)s is not among the options of '%(id)s'"),
            answer=", ".join(missing),
            id=context.key,
        )
    options = [{"id": t, "technique": t, "correct": t in answer, "feedback_html": ""} for t in offered]
    return {"options": options, "techniques": sorted(set(item["techniques"]) | set(answer))}


# Order, short text, spot the clue, reflection.


def _order(context: ItemContext, own: list[tuple[int, str]], item: dict[str, Any]) -> dict[str, Any] | None:
    _require_question(context, item)
    entries = []
    for number, line in _rest_after_question(own):
        match = NUMBERED_RE.fullmatch(line)
        if match:
            entries.append({"id": _short_hash(context.key, match.group(2)), "text_html": render_inline(match.group(2))})
        elif line.strip():
            context.error(
                "ITEM022", N_("write the steps as a numbered list in the right order: '1. first step'"), line=number
            )
    if len(entries) < 2:
        context.error("ITEM023", N_("order '%(id)s' needs at least two numbered steps"), id=context.key)
    if len({e["id"] for e in entries}) != len(entries):
        context.error("ITEM024", N_("order '%(id)s' has the same step twice"), id=context.key)
    shown = sorted(entries, key=lambda e: _short_hash(context.key, e["id"]))
    if len(shown) > 1 and shown == entries:
        shown = shown[1:] + shown[:1]  # never show the solution as the starting order
    return {"entries": entries, "shown_order": [e["id"] for e in shown]}


def _short(context: ItemContext, own: list[tuple[int, str]], item: dict[str, Any]) -> dict[str, Any] | None:
    from app.practice.normalise import normalise_text

    _require_question(context, item)
    accepted = []
    for number, line in _rest_after_question(own):
        match = BULLET_RE.fullmatch(line)
        if match:
            accepted.append(match.group(1).strip())
        elif line.strip():
            context.error("ITEM022", N_("list the accepted answers as '- answer', one per line"), line=number)
    if not accepted:
        context.error(
            "ITEM004", N_("short answer '%(id)s' has no accepted answer: list them as '- answer'"), id=context.key
        )
    return {"accepted": [normalise_text(a) for a in accepted], "accepted_shown": accepted}


def _clue(context: ItemContext, own: list[tuple[int, str]], item: dict[str, Any]) -> dict[str, Any] | None:
    _require_question(context, item)
    text = "\n".join(line for _, line in _rest_after_question(own)).strip()
    tokens, spans = tokenise_marked(text)
    if spans == 0:
        context.error(
            "ITEM020",
            N_(
                "spot-the-clue '%(id)s' marks no clue: after the question, write the text and "
                "mark the revealing words like ==this=="
            ),
            id=context.key,
        )
    return {"tokens": tokens, "spans": spans}


def _reflection(context: ItemContext, own: list[tuple[int, str]], item: dict[str, Any]) -> dict[str, Any] | None:
    _require_question(context, item)
    return {}


def tokenise_marked(text: str) -> tuple[list[dict[str, Any]], int]:
    """Words of ``text`` with the index of the ``==marked==`` span each belongs to (-1 for none)."""
    tokens: list[dict[str, Any]] = []
    spans = 0
    position = 0
    for match in MARK_RE.finditer(text):
        tokens.extend({"text": word, "span": -1} for word in text[position : match.start()].split())
        tokens.extend({"text": word, "span": spans} for word in match.group(1).split())
        spans += 1
        position = match.end()
    tokens.extend({"text": word, "span": -1} for word in text[position:].split())
    return tokens, spans


def _short_hash(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:10]


COMPILERS: dict[str, Callable[[ItemContext, list[tuple[int, str]], dict[str, Any]], dict[str, Any] | None]] = {
    "verdict": _verdict,
    "compare": _compare,
    "single": _single,
    "source": _single,
    "multiple": _multiple,
    "technique": _technique,
    "order": _order,
    "short": _short,
    "clue": _clue,
    "reflection": _reflection,
}
