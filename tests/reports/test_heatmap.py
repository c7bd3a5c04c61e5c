"""The technique heat map: counting, and the SVG drawn from it."""

from __future__ import annotations

from bs4 import BeautifulSoup

from app.reports.heatmap import Cell, TechniqueAnswer, heat_map_svg, technique_heat_map
from app.reports.svg import scale_colour

ANSWERS = [
    TechniqueAnswer("7a", ["emotion"], right=False),
    TechniqueAnswer("7a", ["emotion"], right=True),
    TechniqueAnswer("7a", ["conspiracy", "emotion"], right=False),
    TechniqueAnswer("7b", ["conspiracy"], right=True),
    TechniqueAnswer("7b", ["made-up"], right=False),
]


def test_counts_by_hand() -> None:
    heat = technique_heat_map(ANSWERS, ["7a", "7b"])
    # Rows in the taxonomy's order (emotion before conspiracy), unknown techniques last.
    assert heat.rows == ["emotion", "conspiracy", "made-up"]
    assert heat.cell("emotion", "7a") == Cell(2, 3)  # two of three wrong; the two-technique item counts here
    assert heat.cell("emotion", "7a").share == 2 / 3
    assert heat.cell("conspiracy", "7a") == Cell(1, 1)
    assert heat.cell("conspiracy", "7b") == Cell(0, 1)
    assert heat.cell("emotion", "7b").share is None  # nobody answered: no share, not 0 %


def test_no_answers() -> None:
    heat = technique_heat_map([], ["7a"])
    assert heat.rows == [] and heat.columns == ["7a"]


def test_duplicate_technique_on_one_item_counts_once() -> None:
    heat = technique_heat_map([TechniqueAnswer("x", ["emotion", "emotion"], right=False)], ["x"])
    assert heat.cell("emotion", "x") == Cell(1, 1)


def draw(heat, column_labels=None):  # noqa: ANN001, ANN201
    svg = heat_map_svg(
        heat,
        title="Techniques the class falls for",
        row_labels={"emotion": "Stirring up emotions", "conspiracy": "Conspiracy <story>"},
        column_labels=column_labels or {"7a": "7a", "7b": "7b"},
        cell_title="%(row)s, %(column)s: %(wrong)d of %(total)d wrong (%(share)s)",
        empty_title="%(row)s, %(column)s: no answers",
    )
    return BeautifulSoup(str(svg), "html.parser")


def test_svg_has_a_title_labels_and_a_title_per_cell() -> None:
    soup = draw(technique_heat_map(ANSWERS, ["7a", "7b"]))
    svg = soup.find("svg")
    assert svg["role"] == "img"
    title = svg.find("title")
    assert svg["aria-labelledby"] == title["id"] and title.text == "Techniques the class falls for"
    texts = [t.text for t in svg.find_all("text")]
    assert "Stirring up emotions" in texts and "Conspiracy <story>" in texts  # escaped, shown as text
    assert "67%" in texts and "100%" in texts and "0%" in texts and "–" in texts
    cell_titles = [t.text for t in svg.find_all("g")[0].find_all("title")]
    assert cell_titles == ["Stirring up emotions, 7a: 2 of 3 wrong (67%)"]
    assert "<story>" not in str(svg).replace("&lt;story&gt;", "")


def test_svg_escapes_pseudonyms_and_shortens_long_labels() -> None:
    heat = technique_heat_map([TechniqueAnswer("p", ["emotion"], right=False)], ["p"])
    soup = draw(heat, {"p": '<script>alert(1)</script>"' + "x" * 40})
    assert soup.find("script") is None
    labels = [t.text for t in soup.find_all("text")]
    assert any(label.startswith("<script>") and label.endswith("…") and len(label) == 20 for label in labels)


def test_colour_scale_steps() -> None:
    assert scale_colour(0.0) == ("#fde725", "#000000")
    assert scale_colour(0.19)[0] == "#fde725"
    assert scale_colour(0.2)[0] == "#5ec962"
    assert scale_colour(0.79)[0] == "#3b528b"
    assert scale_colour(1.0) == ("#440154", "#ffffff")


def test_scale_text_contrast_is_at_least_4_5() -> None:
    from app.reports.svg import SCALE

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    for _, _, fill, ink in SCALE:
        light, dark = sorted((luminance(fill), luminance(ink)), reverse=True)
        assert (light + 0.05) / (dark + 0.05) >= 4.5, fill
