"""Small helpers for server-rendered SVG charts: escaping, sizes, the colour scale."""

from __future__ import annotations

import itertools

from markupsafe import Markup, escape

# Five steps of viridis (colour-blind safe, lightness rises steadily), light = few wrong answers,
# with the text colour that keeps a contrast of at least 4.5:1 on each.
SCALE = (
    (0, 20, "#fde725", "#000000"),
    (20, 40, "#5ec962", "#000000"),
    (40, 60, "#21918c", "#000000"),
    (60, 80, "#3b528b", "#ffffff"),
    (80, 100, "#440154", "#ffffff"),
)
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
_ids = itertools.count(1)


def scale_colour(share: float) -> tuple[str, str]:
    """Fill and text colour for a share from 0 to 1."""
    step = min(int(share * 100) // 20, len(SCALE) - 1)
    return SCALE[max(step, 0)][2], SCALE[max(step, 0)][3]


def percent(share: float) -> str:
    return f"{round(share * 100)}%"


def text_width(text: str, size: int = 13) -> int:
    """A rough width in pixels of ``text`` at ``size`` (no fonts are measured on the server)."""
    return int(len(text) * size * 0.6)


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def element(name: str, content: str | None, **attributes: object) -> str:
    """One SVG element with escaped attributes and text."""
    attrs = "".join(f' {key.replace("_", "-")}="{_attribute(value)}"' for key, value in attributes.items())
    if content is None:
        return f"<{name}{attrs}/>"
    return f"<{name}{attrs}>{escape(content)}</{name}>"


def _attribute(value: object) -> str:
    # Numbers are most attributes of a chart and need no escaping; everything else is escaped.
    if isinstance(value, float):
        return str(round(value, 2))
    if isinstance(value, int):
        return str(value)
    return str(escape(value))


def svg_document(title: str, width: float, height: float, body: str, *, css_class: str = "chart") -> Markup:
    """An SVG image with its title as accessible name; its figures are repeated in a table on the page."""
    title_id = f"chart-title-{next(_ids)}"
    return Markup(  # noqa: S704 - every title, label and attribute went through escape()
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{escape(css_class)}" role="img" '
        f'aria-labelledby="{title_id}" width="{round(width)}" height="{round(height)}" '
        f'viewBox="0 0 {round(width)} {round(height)}" font-family="{escape(FONT)}" font-size="13">'
        f'<title id="{title_id}">{escape(title)}</title>{body}</svg>'
    )
