"""Bar charts drawn on the server: answer distributions, and retest rounds side by side."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup

from app.reports.svg import element, percent, shorten, svg_document, text_width

BAR_H, BAR_GAP, BAR_MAX = 22, 6, 180
RIGHT_FILL, OTHER_FILL = "#12693a", "#5b6472"  # the right answer is also marked with ✓, not by colour alone
SERIES = ("#1d4ed8", "#b45309")  # blue and orange stay apart for every kind of colour blindness


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    right: bool = False


def distribution_svg(bars: Sequence[Bar], *, title: str) -> Markup:
    """Horizontal bars, one per answer: how many chose it; the right answer marked ✓."""
    return _distribution_svg(tuple(bars), title)


@lru_cache(maxsize=4096)
def _distribution_svg(bars: tuple[Bar, ...], title: str) -> Markup:
    # A report draws every item's bars on every load; most counts have not changed since the last one.
    labels = [("✓ " if bar.right else "") + shorten(bar.label, 30) for bar in bars]
    left = max([text_width(label) for label in labels] + [30]) + 10
    most = max([bar.count for bar in bars] + [1])
    parts = []
    for index, (bar, label) in enumerate(zip(bars, labels, strict=True)):
        y = 4 + index * (BAR_H + BAR_GAP)
        length = BAR_MAX * bar.count / most
        parts.append(element("text", label, x=left - 8, y=y + 16, **{"text-anchor": "end"}))
        parts.append(element("rect", None, x=left, y=y, width=max(length, 1), height=BAR_H, fill=_fill(bar)))
        parts.append(element("text", str(bar.count), x=left + length + 6, y=y + 16))
    height = 8 + len(bars) * (BAR_H + BAR_GAP)
    return svg_document(title, left + BAR_MAX + 40, height, "".join(parts), css_class="chart bars")


def _fill(bar: Bar) -> str:
    return RIGHT_FILL if bar.right else OTHER_FILL


@dataclass(frozen=True)
class Round:
    """One retest round: its name and up to two shares (0 to 1, or None when not measured)."""

    label: str
    values: tuple[float | None, float | None]


def rounds_svg(rounds: Sequence[Round], *, title: str, series: tuple[str, str]) -> Markup:
    """Grouped columns from 0 to 100 %: per round, e.g. real-news and fake-news detection."""
    top, plot_h, left, group_w = 30, 140, 44, 120
    legend_w = left + sum(text_width(name) + 40 for name in series)
    width = max(left + len(rounds) * group_w + 20, legend_w)
    parts = [_legend(left, 14, series)]
    for level in (0.0, 0.5, 1.0):
        y = top + plot_h * (1 - level)
        parts.append(element("line", None, x1=left, y1=y, x2=width - 10, y2=y, stroke="#c9ced6"))
        parts.append(element("text", percent(level), x=left - 6, y=y + 4, **{"text-anchor": "end"}))
    for index, round_ in enumerate(rounds):
        x = left + index * group_w + 14
        for k, value in enumerate(round_.values):
            parts.append(_column(x + k * 46, top, plot_h, value, SERIES[k]))
        label = shorten(round_.label, 16)
        parts.append(element("text", label, x=x + 44, y=top + plot_h + 20, **{"text-anchor": "middle"}))
    return svg_document(title, width, top + plot_h + 32, "".join(parts), css_class="chart rounds")


def _column(x: float, top: float, plot_h: float, value: float | None, fill: str) -> str:
    if value is None:
        return element("text", "–", x=x + 20, y=top + plot_h - 4, **{"text-anchor": "middle"})
    height = plot_h * value
    return element("rect", None, x=x, y=top + plot_h - height, width=40, height=max(height, 1), fill=fill) + element(
        "text", percent(value), x=x + 20, y=top + plot_h - height - 4, **{"text-anchor": "middle"}
    )


def _legend(x: float, y: float, series: tuple[str, str]) -> str:
    parts, left = [], x
    for fill, name in zip(SERIES, series, strict=True):
        parts.append(element("rect", None, x=left, y=y - 10, width=12, height=12, fill=fill))
        parts.append(element("text", name, x=left + 16, y=y))
        left += text_width(name) + 40
    return "".join(parts)
