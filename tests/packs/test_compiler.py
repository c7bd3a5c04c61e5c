"""The lesson-pack compiler: every problem at its file:line:col with a readable message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.packs.compiler import SourceFile, compile_pack
from app.packs.diagnostics import Diagnostic, Report
from app.packs.library import check_folder, pack_folders
from tests.conftest import LESSONS

PACK = """---
id: probe
title: Probe
version: 1.0.0
language: de
---

Einleitung für Lehrkräfte.
"""

ITEM = """::: headline {source="Blatt"}
Schlagzeile
:::

::: verdict {#eins answer=Fake technique=emotion}
Stimmt das?

> [!CLUE]
> Hinweis

> [!EXPLAIN]
> Erklärung
:::
"""  # the verdict opens on line 5; its CLUE callout on line 8

DIAGNOSTIC_LINE = re.compile(
    r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): "
    r"(?P<severity>error|warning)\[(?P<code>[A-Z]+\d{3})\] (?P<message>.+)$"
)


def front_matter(*lines: str) -> str:
    return "---\n" + "\n".join(lines) + "\n---\n"


FIELDS = ("id: probe", "title: Probe", "version: 1.0.0", "language: de")


def run(pack: str = PACK, *items: str) -> tuple[dict | None, Report]:
    report = Report()
    files = [SourceFile("probe/pack.md", pack)] + [
        SourceFile(f"probe/0{n}.md", text) for n, text in enumerate(items, start=1)
    ]
    return compile_pack(files, report), report


def only(report: Report, code: str) -> Diagnostic:
    found = [d for d in report.items if d.code == code]
    assert len(found) == 1, [str(d) for d in report.items]
    return found[0]


def where(diagnostic: Diagnostic) -> tuple[str, int, int]:
    return diagnostic.path, diagnostic.line, diagnostic.col


# The shipped packs


@pytest.mark.parametrize("folder", pack_folders([LESSONS]), ids=lambda p: p.name)
def test_shipped_packs_compile_without_any_diagnostic(folder: Path) -> None:
    checked = check_folder(folder)
    assert [str(d) for d in checked.diagnostics] == []
    assert checked.compiled is not None
    assert len(checked.compiled["items"]) >= 10


def test_there_are_shipped_packs_in_both_languages() -> None:
    compiled = [check_folder(folder).compiled for folder in pack_folders([LESSONS])]
    assert {pack["language"] for pack in compiled if pack is not None} == {"de", "en"}


def test_a_valid_pack_compiles() -> None:
    compiled, report = run(PACK, ITEM)
    assert report.items == []
    assert compiled is not None
    assert [item["key"] for item in compiled["items"]] == ["eins"]
    item = compiled["items"][0]
    assert (item["file"], item["line"], item["answer"], item["techniques"]) == ("01.md", 5, "Fake", ["emotion"])
    assert compiled["verdicts"] == ["Fakt", "Fake"]


# Front matter


def test_missing_front_matter() -> None:
    compiled, report = run("id: probe\ntitle: Probe\n", ITEM)
    assert compiled is None
    assert where(only(report, "PACK003")) == ("probe/pack.md", 1, 1)
    assert "front matter" in only(report, "PACK003").message


def test_unclosed_front_matter() -> None:
    compiled, report = run("---\nid: probe\ntitle: Probe\n\nText\n", ITEM)
    assert compiled is None
    diagnostic = only(report, "PACK003")
    assert diagnostic.line == 1
    assert "not closed" in diagnostic.message


@pytest.mark.parametrize(
    ("lines", "line"),
    [
        (("id: probe", "title: Probe: Teil 2", "version: 1", "language: de"), 3),
        (("id: probe", "title: Probe", "version: 1", "  language: de"), 5),
        (("id: probe", "title: Probe", "\tversion: 1", "language: de"), 4),
    ],
    ids=["colon-in-value", "bad-indent", "tab"],
)
def test_invalid_yaml_points_at_its_line(lines: tuple[str, ...], line: int) -> None:
    compiled, report = run(front_matter(*lines), ITEM)
    assert compiled is None
    diagnostic = only(report, "PACK006")
    assert (diagnostic.path, diagnostic.line) == ("probe/pack.md", line)
    assert "not valid YAML" in diagnostic.message


@pytest.mark.parametrize(
    ("lines", "line", "col"),
    [
        (("id: &name probe", "title: *name", "version: 1", "language: de"), 2, 5),
        (("id: probe", "title: Probe", "version: 1", "language: de", "x: &a [1]", "y: [*a, *a, *a]"), 6, 4),
        (("id: probe", "title: !!python/object:os.system ls", "version: 1", "language: de"), 3, 8),
        (("id: probe", "title: !custom Probe", "version: 1", "language: de"), 3, 8),
    ],
    ids=["anchor", "alias-bomb", "python-tag", "local-tag"],
)
def test_anchors_aliases_and_tags_are_refused(lines: tuple[str, ...], line: int, col: int) -> None:
    compiled, report = run(front_matter(*lines), ITEM)
    assert compiled is None
    assert where(only(report, "PACK005")) == ("probe/pack.md", line, col)


def test_python_objects_in_yaml_are_never_constructed(tmp_path: Path) -> None:
    marker = tmp_path / "constructed"
    payloads = [
        f"x: !!python/object/apply:pathlib.Path.touch [!!python/object/apply:pathlib.Path ['{marker}']]",
        f"x: !!python/object/new:pathlib.Path ['{marker}']",
        f"x: !!python/name:os.system\ny: !!python/object/apply:os.system ['touch {marker}']",
    ]
    for payload in payloads:
        compiled, report = run(front_matter(*FIELDS, *payload.split("\n")), ITEM)
        assert compiled is None
        assert any(d.code == "PACK005" for d in report.items)
    assert not marker.exists()


def test_oversized_front_matter_is_refused() -> None:
    compiled, report = run(front_matter(*FIELDS, "description: " + "x" * 25_000), ITEM)
    assert compiled is None
    assert only(report, "PACK004").line == 2


def test_front_matter_must_be_fields() -> None:
    compiled, report = run(front_matter("- id", "- title"), ITEM)
    assert compiled is None
    assert only(report, "PACK007")


@pytest.mark.parametrize("missing", ["id", "title", "version", "language"])
def test_missing_required_field(missing: str) -> None:
    compiled, report = run(front_matter(*(f for f in FIELDS if not f.startswith(missing))), ITEM)
    assert compiled is None
    diagnostic = only(report, "PACK009")
    assert f"'{missing}'" in diagnostic.message and "missing" in diagnostic.message
    assert diagnostic.path == "probe/pack.md"


@pytest.mark.parametrize("bad", ["Probe", "probe_1", "-probe", "probe--eins", "probe eins", "x" * 81])
def test_bad_pack_id(bad: str) -> None:
    compiled, report = run(front_matter(f"id: '{bad}'", *FIELDS[1:]), ITEM)
    assert compiled is None
    diagnostic = only(report, "PACK010")
    assert diagnostic.line == 2
    assert "lower-case letters" in diagnostic.message


def test_unsupported_language() -> None:
    compiled, report = run(front_matter(*FIELDS[:3], "language: fr"), ITEM)
    assert compiled is None
    diagnostic = only(report, "PACK010")
    assert where(diagnostic) == ("probe/pack.md", 5, 1)
    assert "'fr'" in diagnostic.message and "de, en" in diagnostic.message


@pytest.mark.parametrize(
    "verdicts",
    ["[Fakt]", "Fakt", "[Fakt, Fakt]", "[Fakt, '']", "[1, 2]", "[a, b, c, d, e, f, g]", "{Fakt: 1, Fake: 2}"],
    ids=["one", "not-a-list", "duplicate", "empty-label", "numbers", "seven", "mapping"],
)
def test_bad_verdicts(verdicts: str) -> None:
    compiled, report = run(front_matter(*FIELDS, f"verdicts: {verdicts}"), ITEM)
    assert compiled is None
    diagnostic = only(report, "PACK010")
    assert where(diagnostic) == ("probe/pack.md", 6, 1)
    assert "verdicts" in diagnostic.message


def test_custom_verdicts_work() -> None:
    compiled, report = run(
        front_matter(*FIELDS, "verdicts: [Echt, Erfunden, Unklar]"), ITEM.replace("answer=Fake", "answer=Erfunden")
    )
    assert not report.has_errors
    assert compiled is not None and compiled["verdicts"] == ["Echt", "Erfunden", "Unklar"]


def test_unknown_field_is_only_a_warning() -> None:
    compiled, report = run(front_matter(*FIELDS, "colour: blau"), ITEM)
    assert compiled is not None
    diagnostic = only(report, "PACK011")
    assert diagnostic.severity == "warning"
    assert where(diagnostic) == ("probe/pack.md", 6, 1)
    assert "'colour'" in diagnostic.message


# Blocks and items


def test_unclosed_block() -> None:
    compiled, report = run(PACK, ITEM + "\n::: verdict {#zwei answer=Fakt}\nFrage\n")
    assert compiled is None
    diagnostic = only(report, "BLOCK001")
    assert where(diagnostic) == ("probe/01.md", 15, 1)
    assert "'verdict'" in diagnostic.message and "not closed" in diagnostic.message


def test_block_opened_inside_another_is_reported_at_the_first() -> None:
    compiled, report = run(PACK, "::: verdict {#eins answer=Fake}\nFrage\n\n" + ITEM)
    assert compiled is None
    diagnostic = only(report, "BLOCK001")
    assert where(diagnostic) == ("probe/01.md", 1, 1)
    assert "before line 4" in diagnostic.message


def test_stray_closing_fence() -> None:
    compiled, report = run(PACK, ITEM + "\n:::\n")
    assert compiled is None
    assert where(only(report, "BLOCK002")) == ("probe/01.md", 15, 1)


def test_malformed_block_opening() -> None:
    compiled, report = run(PACK, ":::verdict\n\n" + ITEM)
    assert compiled is None
    assert where(only(report, "BLOCK003")) == ("probe/01.md", 1, 1)


def test_unknown_block_type() -> None:
    compiled, report = run(PACK, "::: quiz {#q}\nFrage\n:::\n\n" + ITEM)
    assert compiled is None
    diagnostic = only(report, "ITEM001")
    assert where(diagnostic) == ("probe/01.md", 1, 5)
    assert "'quiz'" in diagnostic.message and "verdict" in diagnostic.message


def test_missing_item_id() -> None:
    compiled, report = run(PACK, ITEM.replace("{#eins ", "{"))
    assert compiled is None
    diagnostic = only(report, "ITEM002")
    assert where(diagnostic) == ("probe/01.md", 5, 5)
    assert "no id" in diagnostic.message


def test_bad_item_id() -> None:
    compiled, report = run(PACK, ITEM.replace("#eins", "#Eins_1"))
    assert compiled is None
    assert where(only(report, "ITEM010")) == ("probe/01.md", 5, 14)


def test_duplicate_id_across_two_files_names_the_first_place() -> None:
    compiled, report = run(PACK, ITEM, "\n\n" + ITEM)
    assert compiled is None
    diagnostic = only(report, "ITEM003")
    assert where(diagnostic) == ("probe/02.md", 7, 1)
    assert "'eins'" in diagnostic.message
    assert "probe/01.md:5" in diagnostic.message


def test_items_in_pack_md_have_line_numbers_of_pack_md() -> None:
    compiled, report = run(PACK + "\n" + ITEM.replace("> [!EXPLAIN]\n> Erklärung\n", ""))
    assert compiled is None
    # PACK has 8 lines and a blank one follows: the verdict opens on line 9 + 5 - 1
    assert where(only(report, "ITEM005")) == ("probe/pack.md", 14, 1)


def test_missing_answer() -> None:
    compiled, report = run(PACK, ITEM.replace("answer=Fake ", ""))
    assert compiled is None
    diagnostic = only(report, "ITEM004")
    assert where(diagnostic) == ("probe/01.md", 5, 5)
    assert "no correct answer" in diagnostic.message and "Fakt, Fake" in diagnostic.message


def test_answer_not_in_the_labels() -> None:
    compiled, report = run(PACK, ITEM.replace("answer=Fake", "answer=Vielleicht"))
    assert compiled is None
    diagnostic = only(report, "ITEM004")
    assert where(diagnostic) == ("probe/01.md", 5, 20)
    assert "'Vielleicht'" in diagnostic.message and "Fakt, Fake" in diagnostic.message


def test_missing_explanation() -> None:
    compiled, report = run(PACK, ITEM.replace("> [!EXPLAIN]\n> Erklärung\n", ""))
    assert compiled is None
    diagnostic = only(report, "ITEM005")
    assert where(diagnostic) == ("probe/01.md", 5, 1)
    assert "[!EXPLAIN]" in diagnostic.message


def test_unknown_technique() -> None:
    compiled, report = run(PACK, ITEM.replace("technique=emotion", "technique=emotion,magic"))
    assert compiled is None
    diagnostic = only(report, "ITEM006")
    assert where(diagnostic) == ("probe/01.md", 5, 32)
    assert "'magic'" in diagnostic.message and "emotion" in diagnostic.message


def test_empty_question() -> None:
    compiled, report = run(PACK, ITEM.replace("Stimmt das?\n", "  \n"))
    assert compiled is None
    diagnostic = only(report, "ITEM007")
    assert where(diagnostic) == ("probe/01.md", 5, 1)
    assert "no question" in diagnostic.message


def test_unknown_callout() -> None:
    compiled, report = run(PACK, ITEM.replace("[!CLUE]", "[!TIPP]"))
    assert compiled is None
    diagnostic = only(report, "CALLOUT001")
    assert where(diagnostic) == ("probe/01.md", 8, 1)
    assert "[!TIPP]" in diagnostic.message and "[!EXPLAIN]" in diagnostic.message


def test_bad_attribute_syntax() -> None:
    compiled, report = run(PACK, ITEM.replace("technique=emotion}", 'technique="emotion}'))
    assert compiled is None
    diagnostic = only(report, "ATTR001")
    assert (diagnostic.path, diagnostic.line) == ("probe/01.md", 5)
    assert diagnostic.col == 41  # the '=' after technique, where reading stops
    assert "cannot read the attributes" in diagnostic.message


def test_non_numeric_likes() -> None:
    compiled, report = run(PACK, '::: post {author="Anna" likes=viele}\nText\n:::\n\n' + ITEM)
    assert compiled is None
    diagnostic = only(report, "ATTR004")
    assert where(diagnostic) == ("probe/01.md", 1, 25)
    assert "'likes'" in diagnostic.message and "'viele'" in diagnostic.message


def test_pack_without_items() -> None:
    compiled, report = run(PACK)
    assert compiled is None
    assert only(report, "PACK020")


def test_a_pack_with_any_error_compiles_to_none_even_with_good_items() -> None:
    good_and_bad = ITEM + "\n" + ITEM.replace("#eins", "#zwei").replace("[!CLUE]", "[!TIPP]")
    compiled, report = run(PACK, good_and_bad)
    assert compiled is None
    assert report.has_errors


def test_diagnostics_print_as_path_line_col_severity_code_message() -> None:
    _, report = run(front_matter(*FIELDS, "colour: blau"), ITEM.replace("answer=Fake", "answer=Vielleicht"))
    printed = [str(d) for d in report.sorted()]
    assert printed[0] == (
        "probe/01.md:5:20: error[ITEM004] answer 'Vielleicht' of verdict 'eins'"
        " is not one of this pack's verdicts: Fakt, Fake"
    )
    assert printed[1].startswith("probe/pack.md:6:1: warning[PACK011] unknown field 'colour'")
    for line in printed:
        assert DIAGNOSTIC_LINE.match(line), line


# Arbitrary input never crashes the compiler

FRAGMENTS = [
    "---",
    ":::",
    "::: verdict",
    "::: post",
    "::: quiz",
    " {",
    "}",
    "{#",
    "#eins",
    "answer=",
    "Fake",
    "Fakt",
    '"',
    "technique=",
    "emotion",
    "likes=",
    "confidence",
    "> [!",
    "EXPLAIN]",
    "CLUE]",
    "HINT]",
    "> ",
    "\n",
    "\r\n",
    " ",
    "\t",
    "\x00",
    "\ufeff",
    "id: probe",
    "language: de",
    "&a",
    "*a",
    "!!python/object:os.system",
    "[",
    "]",
    ":",
    "{{ 7*7 }}",
]
lesson_text = st.one_of(
    st.text(max_size=400),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6)), max_size=80).map("".join),
)


def check_outcome(compiled: dict | None, report: Report, sizes: dict[str, int]) -> None:
    assert isinstance(compiled, dict) or compiled is None
    assert (compiled is None) == report.has_errors
    for diagnostic in report.items:
        assert diagnostic.path in sizes
        assert 1 <= diagnostic.line <= sizes[diagnostic.path] + 1, str(diagnostic)
        assert diagnostic.col >= 1
        assert DIAGNOSTIC_LINE.match(str(diagnostic).split("\n")[0])


@settings(max_examples=250, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(lesson_text)
def test_compile_never_raises_on_any_lesson_file(text: str) -> None:
    compiled, report = run(PACK, text)
    check_outcome(
        compiled,
        report,
        {"probe/pack.md": PACK.count("\n") + 1 + text.count("\n"), "probe/01.md": text.count("\n") + 1},
    )


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(lesson_text)
def test_compile_never_raises_on_any_pack_file(text: str) -> None:
    compiled, report = run(text, ITEM)
    check_outcome(compiled, report, {"probe/pack.md": text.count("\n") + 1, "probe/01.md": ITEM.count("\n") + 1})


def test_a_misspelt_callout_marker_is_an_error_not_silently_dropped() -> None:
    from app.packs.compiler import SourceFile, compile_pack
    from app.packs.diagnostics import Report

    pack = "---\nid: p\ntitle: P\nversion: 1.0.0\nlanguage: de\n---\n"
    items = "::: verdict {#a answer=Fakt}\nFrage?\n\n> [!EXPLAIN]\n> Ja.\n\n> [!CHECK>\n> So prüfen.\n:::\n"
    report = Report()
    assert compile_pack([SourceFile("pack.md", pack), SourceFile("01.md", items)], report) is None
    assert [(d.path, d.line, d.code) for d in report.sorted() if d.severity == "error"] == [("01.md", 7, "CALLOUT004")]
