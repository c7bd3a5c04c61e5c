"""The technique heat map: share of wrong answers per technique (rows) × group (columns).

The data is counted here; ``heat_map_svg`` draws it on the server. Colour is never the only
cue: every cell prints its percentage, and the page shows the same figures as a table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from markupsafe import Markup

from app.packs.vocabulary import TECHNIQUES
from app.reports.svg import SCALE, element, percent, scale_colour, shorten, svg_document, text_width

CELL_W, CELL_H, GAP = 64, 30, 2


@dataclass(frozen=True)
class Cell:
    wrong: int = 0
    total: int = 0

    @property
    def share(self) -> float | None:
        """Share of wrong answers; None where nobody answered."""
        return self.wrong / self.total if self.total else None


class TechniqueAnswer(NamedTuple):
    """One settled, scored answer to an item tagged with techniques, in one column (group)."""

    column: str
    techniques: Sequence[str]
    right: bool


@dataclass
class HeatMap:
    rows: list[str]
    columns: list[str]
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)

    def cell(self, row: str, column: str) -> Cell:
        return self.cells.get((row, column), Cell())


def technique_heat_map(answers: Iterable[TechniqueAnswer], columns: Sequence[str]) -> HeatMap:
    """Count wrong answers per technique and column; an item with two techniques counts in both rows."""
    return counted_heat_map(Counter((a.column, tuple(a.techniques), a.right) for a in answers), columns)


def counted_heat_map(counts: Mapping[tuple[str, tuple[str, ...], bool], int], columns: Sequence[str]) -> HeatMap:
    """The heat map from answers already counted by (column, techniques of the item, right)."""
    cells: dict[tuple[str, str], Cell] = {}
    for (column, techniques, right), n in counts.items():
        for technique in dict.fromkeys(techniques):
            cell = cells.get((technique, column), Cell())
            cells[(technique, column)] = Cell(cell.wrong + (0 if right else n), cell.total + n)
    seen = {technique for technique, _ in cells}
    rows = [t for t in TECHNIQUES if t in seen] + sorted(seen - set(TECHNIQUES))
    return HeatMap(rows, list(columns), cells)


def heat_map_svg(
    heat: HeatMap,
    *,
    title: str,
    row_labels: Mapping[str, str],
    column_labels: Mapping[str, str],
    cell_title: str,
    empty_title: str,
) -> Markup:
    """The heat map as SVG. ``cell_title`` is a translated pattern with %(row)s %(column)s %(wrong)d
    %(total)d %(share)s; ``empty_title`` one with %(row)s %(column)s."""
    rows = [shorten(row_labels.get(r, r), 44) for r in heat.rows]
    columns = [shorten(column_labels.get(c, c), 20) for c in heat.columns]
    left = max([text_width(r) for r in rows] + [40]) + 10
    top = int(max([text_width(c) for c in columns] + [20]) * 0.72) + 16
    width = max(left + len(columns) * (CELL_W + GAP) + 10, left + len(SCALE) * 52 + 30)
    height = top + len(rows) * (CELL_H + GAP) + 60
    parts = [_column_label(left + i * (CELL_W + GAP) + CELL_W // 2, top - 6, c) for i, c in enumerate(columns)]
    for j, row in enumerate(heat.rows):
        y = top + j * (CELL_H + GAP)
        parts.append(element("text", rows[j], x=left - 8, y=y + CELL_H / 2 + 5, **{"text-anchor": "end"}))
        for i, column in enumerate(heat.columns):
            names = {"row": row_labels.get(row, row), "column": column_labels.get(column, column)}
            parts.append(_cell(left + i * (CELL_W + GAP), y, heat.cell(row, column), cell_title, empty_title, names))
    parts.append(_legend(left, top + len(rows) * (CELL_H + GAP) + 16))
    return svg_document(title, width, height, "".join(parts), css_class="chart heat-map")


def _column_label(x: float, y: float, label: str) -> str:
    return element("text", label, x=x, y=y, transform=f"rotate(-45 {x} {y})")


def _cell(x: float, y: float, cell: Cell, pattern: str, empty: str, names: dict[str, str]) -> str:
    share = cell.share
    if share is None:
        tooltip = empty % names
        fill, ink, label = "#eeeeee", "#444444", "–"
    else:
        tooltip = pattern % {**names, "wrong": cell.wrong, "total": cell.total, "share": percent(share)}
        fill, ink = scale_colour(share)
        label = percent(share)
    return (
        "<g>"
        + element("title", tooltip)
        + element("rect", None, x=x, y=y, width=CELL_W, height=CELL_H, fill=fill)
        + element("text", label, x=x + CELL_W / 2, y=y + CELL_H / 2 + 5, fill=ink, **{"text-anchor": "middle"})
        + "</g>"
    )


def _legend(x: float, y: float) -> str:
    parts = []
    for index, (low, high, fill, ink) in enumerate(SCALE):
        left = x + index * 52
        parts.append(element("rect", None, x=left, y=y, width=50, height=20, fill=fill))
        parts.append(element("text", f"{low}–{high}", x=left + 25, y=y + 14, fill=ink, **{"text-anchor": "middle"}))
    parts.append(element("text", "%", x=x + len(SCALE) * 52 + 4, y=y + 14))
    return "".join(parts)
