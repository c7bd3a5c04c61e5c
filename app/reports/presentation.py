"""Words for the reports' figures: answers as text, technique names, numbers in the reader's language."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from markupsafe import Markup

from app.packs.diagnostics import N_
from app.reports.charts import Bar, Round, distribution_svg, rounds_svg
from app.reports.class_report import ItemResult
from app.reports.heatmap import HeatMap, heat_map_svg
from app.reports.services import RetestReport

Gettext = Callable[..., str]
TAG_RE = re.compile(r"<[^>]*>")

# The same names as the technique_label macro of the templates (one msgid each).
TECHNIQUE_NAMES = {
    "emotion": N_("Stirring up emotions"),
    "impersonation": N_("Impersonation or fake expert"),
    "polarisation": N_("Polarisation: us against them"),
    "conspiracy": N_("Conspiracy story"),
    "discrediting": N_("Discrediting critics"),
    "trolling": N_("Trolling"),
    "cherry-picking": N_("Cherry-picking"),
    "false-context": N_("False context"),
    "manipulated-image": N_("Manipulated or AI-generated image"),
    "hidden-advertising": N_("Hidden advertising"),
    "chain-letter": N_("Chain letter"),
}


def plain_text(fragment: str) -> str:
    """Text of a sanitised HTML fragment, for SVG labels and CSV cells."""
    return " ".join(html.unescape(TAG_RE.sub(" ", fragment)).split())


def technique_name(technique: str, gettext: Gettext) -> str:
    name = TECHNIQUE_NAMES.get(technique)
    return gettext(name) if name else technique


def choice_text(item: dict[str, Any], choice: str, gettext: Gettext) -> str:
    """What a stored choice means to a reader: a label, an option's text, the marked words."""
    kind = item["type"]
    if kind == "compare":
        return gettext("Text %(number)s", number=choice)
    if kind == "technique":
        return ", ".join(technique_name(part, gettext) for part in choice.split(","))
    if kind in ("single", "source", "multiple"):
        texts = {o["id"]: plain_text(o.get("text_html", "")) for o in item.get("options", [])}
        return " + ".join(texts.get(part, part) for part in choice.split(","))
    if kind == "order":
        texts = {e["id"]: plain_text(e.get("text_html", "")) for e in item.get("entries", [])}
        return " → ".join(texts.get(part, part) for part in choice.split(","))
    if kind == "clue":
        tokens = item.get("tokens", [])
        words = [tokens[int(i)]["text"] for i in choice.split(",") if i.isdigit() and int(i) < len(tokens)]
        return " ".join(words)
    return choice


def number(value: float | None, language: str, digits: int = 2) -> str:
    """A figure with the reader's decimal sign; a dash where there is none."""
    if value is None:
        return "–"
    text = f"{value + 0.0:.{digits}f}"
    if float(text) == 0:
        text = text.lstrip("-")  # no "−0.00"
    return text.replace(".", ",") if language == "de" else text


def share(value: float | None) -> str:
    """A share as a whole percentage, halves rounded up (62.5 → 63)."""
    return "–" if value is None else f"{int(value * 100 + 0.5)} %"


def signed(value: float | None, language: str, digits: int = 2) -> str:
    """Like :func:`number`, with a real minus sign."""
    return number(value, language, digits).replace("-", "−")


def heat_map_chart(heat: HeatMap, gettext: Gettext, column_labels: dict[str, str], *, title: str) -> Markup:
    """The technique heat map with translated labels."""
    return heat_map_svg(
        heat,
        title=title,
        row_labels={row: technique_name(row, gettext) for row in heat.rows},
        column_labels=column_labels,
        cell_title=gettext("%(row)s, %(column)s: %(wrong)d of %(total)d answers wrong (%(share)s)"),
        empty_title=gettext("%(row)s, %(column)s: no answers"),
    )


def item_chart(result: ItemResult, gettext: Gettext, number_in_pack: int) -> tuple[Markup, str] | None:
    """How often each answer of a choice item was chosen, drawn and as text; None for other item types."""
    if not result.distribution:
        return None
    item = result.item
    bars = [Bar(choice_text(item, choice, gettext), count, right) for choice, count, right in result.distribution]
    right = gettext("right")
    text = "; ".join(f"{bar.label}: {bar.count}" + (f" ({right})" if bar.right else "") for bar in bars)
    return distribution_svg(bars, title=gettext("Answers to item %(number)d", number=number_in_pack)), text


def round_names(retest: RetestReport, gettext: Gettext) -> dict[str, str]:
    """Column names of the retest comparison: the round and its pack."""
    kinds = {"pre": gettext("Pre-test"), "post": gettext("Post-test"), "delayed": gettext("Delayed retest")}
    return {str(r.assignment.id): kinds.get(r.assignment.kind, r.assignment.kind) for r in retest.rounds}


def rounds_chart(retest: RetestReport, gettext: Gettext) -> Markup:
    """Real-news and fake-news detection of the class, round by round."""
    names = round_names(retest, gettext)
    rounds = [
        Round(names[str(r.assignment.id)], (r.report.group.real_detection, r.report.group.fake_detection))
        for r in retest.rounds
    ]
    return rounds_svg(
        rounds,
        title=gettext("Real news and fakes recognised, round by round"),
        series=(gettext("Real news recognised"), gettext("Fakes recognised")),
    )
