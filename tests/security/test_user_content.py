"""Content written by teachers: no script, no htmx, no template evaluation, fenced off from htmx."""

from __future__ import annotations

import re
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.packs.compiler import SourceFile, compile_pack
from app.packs.diagnostics import Report
from app.packs.library import store_version
from app.packs.markdown import render_inline, render_markdown, sanitise
from tests.conftest import create_class, html, join, new_client, open_pack, set_up_school

ACTIVE_TAGS = {
    "script",
    "svg",
    "math",
    "iframe",
    "frame",
    "object",
    "embed",
    "style",
    "link",
    "meta",
    "base",
    "form",
    "input",
    "button",
    "template",
}
UNSAFE_SCHEMES = ("javascript:", "data:", "vbscript:")
# Browsers drop these characters from a URL before they look at its scheme.
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]")

PAYLOADS = {
    "script": "<script>alert(1)</script>",
    "img-onerror": "<img src=x onerror=alert(1)>",
    "svg-onload": "<svg onload=alert(1)><circle r=1></svg>",
    "svg-script": "<svg><script>alert(1)</script></svg>",
    "iframe": '<iframe src="javascript:alert(1)"></iframe>',
    "link-javascript": "[x](javascript:alert(1))",
    "link-mixed-case": "[x](JaVaScRiPt:alert(1))",
    "link-entity": "[x](&#106;avascript:alert(1))",
    "link-hex-entity": "[x](&#x6A;avascript:alert(1))",
    "link-tab": "[x](java&#9;script:alert(1))",
    "link-data": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "link-vbscript": "[x](vbscript:msgbox(1))",
    "image-javascript": "![x](javascript:alert(1))",
    "image-data": "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "autolink": "<javascript:alert(1)>",
    "reference": "[x][1]\n\n[1]: javascript:alert(1)",
    "hx-div": '<div hx-get="/x" hx-trigger="load">x</div>',
    "hx-on": '<a hx-on:click="alert(1)" href="/">x</a>',
    "hx-on-dashes": '<a hx-on--click="alert(1)">x</a>',
    "data-hx": '<span data-hx-get="/logout" data-hx-trigger="load">x</span>',
    "title-breakout": '[x](https://example.org "a\\" onmouseover=\\"alert(1)")',
    "style": "<style>body{display:none}</style>",
    "form": '<form action="/logout" method="post"><button>x</button></form>',
}


def offending(fragment: str) -> list[str]:
    """What in ``fragment`` could run script or drive htmx; empty when it is inert."""
    problems = []
    for tag in BeautifulSoup(fragment, "html.parser").find_all(True):
        if tag.name in ACTIVE_TAGS:
            problems.append(f"<{tag.name}>")
        for name, value in tag.attrs.items():
            lowered = name.lower()
            if lowered.startswith(("on", "hx-", "data-hx", "style", "srcdoc", "formaction")):
                problems.append(f"{tag.name}[{name}]")
            if lowered in {"href", "src", "xlink:href", "action", "poster", "background"}:
                url = _URL_NOISE.sub("", str(value)).lower()
                if url.startswith(UNSAFE_SCHEMES):
                    problems.append(f"{tag.name}[{name}={value!r}]")
    return problems


@pytest.mark.parametrize("name", PAYLOADS)
def test_markdown_neutralises(name: str) -> None:
    assert offending(render_markdown(PAYLOADS[name])) == []
    assert offending(render_markdown(f"Text davor\n\n> {PAYLOADS[name]}\n\n- {PAYLOADS[name]}")) == []
    assert offending(render_inline(PAYLOADS[name])) == []


@pytest.mark.parametrize("name", PAYLOADS)
def test_sanitiser_is_a_second_wall_for_raw_html(name: str) -> None:
    """Were raw HTML ever let through the Markdown step, the sanitiser still cleans it."""
    assert offending(sanitise(PAYLOADS[name])) == []
    raw = '<p><a href="JaVaScRiPt:alert(1)" onclick="x" hx-get="/x" data-hx-post="/y" hx-on:click="z">a</a></p>'
    cleaned = BeautifulSoup(sanitise(raw), "html.parser").select_one("a")
    assert cleaned is not None and cleaned.get_text() == "a"
    assert set(cleaned.attrs) <= {"rel"}


def test_safe_markdown_survives() -> None:
    page = BeautifulSoup(
        render_markdown("**fett** und [Quelle](https://example.org/a?b=1) ![Bild](https://example.org/x.png)"),
        "html.parser",
    )
    assert page.select_one("strong").get_text() == "fett"
    link = page.select_one("a")
    assert link["href"] == "https://example.org/a?b=1"
    assert "noopener" in link["rel"] and "nofollow" in link["rel"]
    assert page.select_one("img")["src"] == "https://example.org/x.png"


def test_template_syntax_stays_text_in_markdown() -> None:
    rendered = render_markdown("Was ergibt {{ 7*7 }}? {% if true %}ja{% endif %}")
    text = BeautifulSoup(rendered, "html.parser").get_text()
    assert "{{ 7*7 }}" in text
    assert "{% if true %}ja{% endif %}" in text


FRAGMENTS = [
    "<",
    ">",
    '"',
    "'",
    "`",
    "&",
    "&#",
    "&#x",
    ";",
    ":",
    "(",
    ")",
    "[",
    "]",
    "!",
    "=",
    "/",
    "\\",
    "\n",
    "\t",
    " ",
    "\x00",
    "\u202e",
    "javascript:",
    "JaVaScRiPt:",
    "data:",
    "vbscript:",
    "&#106;",
    "java\tscript:",
    "script",
    "<script>",
    "</script>",
    "<svg",
    "onload=",
    "onerror=",
    "hx-get=",
    "hx-on:click=",
    "data-hx-get=",
    "hx-trigger=",
    "<a href=",
    "<img src=",
    "[x](",
    "![x](",
    "](",
    "<div ",
    "<iframe",
    "{{ 7*7 }}",
    "```",
    "> [!EXPLAIN]",
    "    ",
]
markdownish = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=60).map("".join),
)


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(markdownish)
def test_rendered_markdown_is_always_inert(text: str) -> None:
    assert offending(render_markdown(text)) == []


# The served pages


PACK = """---
id: vorlagen-probe
title: "Probe {{ 7*7 }}"
version: 1.0.0
language: de
---

Einleitung {{ 7*7 }}
"""

ITEMS = """::: post {author="{{ 7*7 }}" handle="@{{7*7}}" likes=12}
Beitrag {{ 7*7 }} {% if true %}Block{% endif %} <script>alert(1)</script>
:::

::: verdict {#vorlage answer=Fake technique=emotion}
Was ergibt {{ 7*7 }}? [x](javascript:alert(1))

> [!CLUE]
> Hinweis {{ 7*7 }} <div hx-get="/logout" hx-trigger="load">weg</div>

> [!EXPLAIN]
> Erklärung {{ 7*7 }} <img src=x onerror=alert(1)>

> [!CHECK]
> Prüfen {{ config }} {{ request.app }}
:::
"""


def compiled_probe() -> dict[str, Any]:
    report = Report()
    compiled = compile_pack(
        [SourceFile("vorlagen-probe/pack.md", PACK), SourceFile("vorlagen-probe/01.md", ITEMS)], report
    )
    assert compiled is not None, [str(d) for d in report.items]
    return compiled


def test_compiled_item_keeps_template_syntax_as_text() -> None:
    item = compiled_probe()["items"][0]
    for part in ("question_html", "clue_html", "explain_html"):
        assert "{{ 7*7 }}" in BeautifulSoup(item[part], "html.parser").get_text(), part
        assert offending(item[part]) == [], part
    assert item["stimuli"][0]["attrs"]["author"] == "{{ 7*7 }}"


@pytest.fixture
def item_page(client: TestClient, app: Any) -> tuple[TestClient, int]:
    """A pupil looking at the probe item; returns the pupil and the pack id."""
    with app.state.lupe.db.writing() as db:
        store_version(db, compiled_probe(), school_id=None, owner_id=None, shipped=True)
    set_up_school(client)
    class_id, code = create_class(client)
    pack_id = open_pack(client, class_id, "vorlagen-probe")  # the assignment's id
    pupil = new_client(app)
    join(pupil, code, "Fuchs")
    return pupil, pack_id


def assert_served_safely(response: Any) -> BeautifulSoup:
    assert response.status_code == 200
    page = html(response)
    main = page.select_one("main") or page
    assert "49" not in main.get_text()
    assert "{{ 7*7 }}" in main.get_text()
    blocks = main.select(".user-content")
    assert blocks
    for block in blocks:
        assert block.has_attr("hx-disable"), block
        assert offending("".join(str(child) for child in block.contents)) == []
    assert main.select("script") == []
    # htmx attributes in the page come only from Lupe's own templates, outside user content
    for element in main.select("[hx-get], [hx-post], [hx-trigger]"):
        assert element.find_parent(class_="user-content") is None
    return page


def test_item_page_shows_template_syntax_literally_inside_hx_disable(item_page: tuple[TestClient, int]) -> None:
    pupil, pack_id = item_page
    response = pupil.get(f"/play/{pack_id}")
    assert str(response.url).endswith("/items/vorlage")
    page = assert_served_safely(response)
    assert "Probe {{ 7*7 }}" in page.select_one("h1").get_text()
    assert "{{ 7*7 }}" in page.select_one(".post-card figcaption").get_text()
    assert page.select_one(".post-card .user-content[hx-disable]") is not None
    fragment = pupil.get(f"/play/{pack_id}/items/vorlage", headers={"HX-Request": "true"})
    assert_served_safely(fragment)


def test_feedback_shows_template_syntax_literally_inside_hx_disable(item_page: tuple[TestClient, int]) -> None:
    pupil, pack_id = item_page
    response = pupil.post(f"/play/{pack_id}/items/vorlage", data={"choice": "Fake"})
    page = assert_served_safely(response)
    feedback = page.select_one(".feedback")
    assert feedback is not None
    assert len(feedback.select(".user-content[hx-disable]")) == 3  # clue, explanation, how to check
    assert "{{ config }}" in feedback.get_text()
    assert "<Config" not in response.text and "Settings(" not in response.text
