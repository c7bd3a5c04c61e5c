"""Rendering helpers of app/templating.py: the progress bar, the item parts rendered once, calls."""

from __future__ import annotations

from typing import Any

from bs4 import BeautifulSoup
from jinja2 import pass_context

from app.practice.services import StoredAnswer
from app.templating import Renderer, _answer_variant, bar


def test_bar_draws_the_share_rounded_to_a_percent_and_names_it() -> None:
    svg = BeautifulSoup(str(bar(0.426, "3 of 7 answered")), "html.parser").svg
    assert svg is not None and svg["role"] == "img" and svg["aria-label"] == "3 of 7 answered"
    assert [rect["width"] for rect in svg.find_all("rect")] == ["100", "43"]
    assert BeautifulSoup(str(bar(None, "none")), "html.parser").find_all("rect")[1]["width"] == "0"
    assert BeautifulSoup(str(bar(1, "all")), "html.parser").find_all("rect")[1]["width"] == "100"


def test_bar_escapes_its_label() -> None:
    drawn = str(bar(0.5, '"><script>alert(1)</script>'))
    assert "<script>" not in drawn
    assert BeautifulSoup(drawn, "html.parser").svg["aria-label"] == '"><script>alert(1)</script>'


def test_feedback_variants_are_equal_exactly_when_the_answers_show_the_same() -> None:
    verdict = {"type": "verdict"}

    def given(choice: str, response: dict | None, *, right: bool = True) -> StoredAnswer:
        return StoredAnswer(choice, None, right, 1.0 if right else 0.0, response, 1, True)

    same = _answer_variant(verdict, given("Fake", {"choice": "Fake"}))
    assert same == _answer_variant(verdict, given("Fake", {"choice": "Fake"}))
    assert hash(same) == hash(_answer_variant(verdict, given("Fake", {"choice": "Fake"})))
    assert same != _answer_variant(verdict, given("Fakt", {"choice": "Fakt"}, right=False))
    multiple = {"type": "multiple"}
    assert _answer_variant(multiple, given("a,b", {"options": ["a", "b"]})) != _answer_variant(
        multiple, given("a,b", {"options": ["b", "a"]})
    )
    assert _answer_variant({"type": "short"}, given("x", {"text": "x"})) is _answer_variant(
        {"type": "reflection"}, given("y", {"text": "y"})
    )  # typed words: never kept, whatever was typed


def test_template_globals_are_called_as_jinja_would(settings: Any) -> None:
    """Lupe's own globals take the short call; one that wants the context still gets it."""
    renderer = Renderer(settings)

    @pass_context
    def page_language(context: Any) -> str:
        return str(context["lang"])

    renderer.env.globals["page_language"] = page_language
    renderer._globals["page_language"] = page_language
    template = (
        "{% block part %}{% for n in [1, 2] %}{{ bar(n / 2, _('%(done)d of %(total)d', done=n, total=2)) }}"
        "{{ page_language() }}{% endfor %}{% endblock %}"
    )
    renderer._templates["inline.html"] = renderer.env.from_string(template)
    drawn = renderer._render("inline.html", {"lang": "en"}, block="part")
    assert drawn.count("</svg>en") == 2 and 'aria-label="2 von 2"' in drawn  # German: the default language
    assert id(bar) in renderer.env.plain_calls and id(page_language) not in renderer.env.plain_calls
