"""Answer distributions and retest rounds as SVG."""

from __future__ import annotations

from bs4 import BeautifulSoup

from app.reports.charts import RIGHT_FILL, Bar, Round, distribution_svg, rounds_svg


def test_distribution_bars_scale_to_the_most_chosen_answer() -> None:
    bars = [Bar("Fakt", 3, right=True), Bar("Fake", 6)]
    svg = BeautifulSoup(str(distribution_svg(bars, title="Item 1")), "html.parser")
    assert svg.find("title").text == "Item 1"
    rects = svg.find_all("rect")
    # 6 is the longest bar (180 px); 3 is half of it
    assert [float(r["width"]) for r in rects] == [90.0, 180.0]
    assert rects[0]["fill"] == RIGHT_FILL
    texts = [t.text for t in svg.find_all("text")]
    assert "✓ Fakt" in texts and "Fake" in texts and "3" in texts and "6" in texts


def test_distribution_with_no_answers_draws_no_division_by_zero() -> None:
    svg = BeautifulSoup(str(distribution_svg([Bar("Fakt", 0)], title="t")), "html.parser")
    assert float(svg.find("rect")["width"]) == 1.0


def test_rounds_chart() -> None:
    rounds = [Round("Pre-test", (0.5, 0.75)), Round("Post-test", (1.0, None))]
    svg = BeautifulSoup(str(rounds_svg(rounds, title="Retest", series=("real", "fake"))), "html.parser")
    texts = [t.text for t in svg.find_all("text")]
    assert {"Pre-test", "Post-test", "50%", "75%", "100%", "–", "real", "fake"} <= set(texts)
    # The 100 % column is 140 px high, the 50 % one 70 px.
    heights = sorted(float(r["height"]) for r in svg.find_all("rect") if float(r["height"]) > 12)
    assert heights == [70.0, 105.0, 140.0]
