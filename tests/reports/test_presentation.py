"""Figures as readers see them."""

from __future__ import annotations

from app.reports.presentation import choice_text, number, plain_text, share, signed


def gettext(message: str, **values: object) -> str:
    return message % values if values else message


def test_numbers_in_each_language() -> None:
    assert number(0.6408, "en") == "0.64"
    assert number(0.6408, "de") == "0,64"
    assert number(None, "de") == "–"
    assert signed(-0.4762, "de") == "−0,48"
    assert signed(-0.001, "en") == "0.00"  # never "−0.00"
    assert number(32.733, "en", digits=0) == "33"


def test_shares_round_halves_up() -> None:
    assert share(0.625) == "63 %"
    assert share(0.0) == "0 %"
    assert share(None) == "–"


def test_choices_as_text() -> None:
    options = [{"id": "1", "text_html": "<em>Nur</em> &amp; das"}, {"id": "2", "text_html": "B"}]
    single = {"type": "single", "options": options}
    assert choice_text(single, "1", gettext) == "Nur & das"
    assert choice_text({**single, "type": "multiple"}, "1,2", gettext) == "Nur & das + B"
    assert choice_text({"type": "technique"}, "emotion,made-up", gettext) == "Stirring up emotions, made-up"
    assert choice_text({"type": "compare"}, "2", gettext) == "Text 2"
    clue = {"type": "clue", "tokens": [{"text": "Sofort"}, {"text": "teilen!"}]}
    assert choice_text(clue, "1,9", gettext) == "teilen!"
    order = {"type": "order", "entries": [{"id": "x", "text_html": "first"}, {"id": "y", "text_html": "second"}]}
    assert choice_text(order, "y,x", gettext) == "second → first"
    assert choice_text({"type": "verdict"}, "Fake", gettext) == "Fake"
    assert plain_text("<p>a<br>b</p>") == "a b"
