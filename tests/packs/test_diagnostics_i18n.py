"""Pack diagnostics in the teacher's language on the web, in English on the command line."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from app.i18n import LANGUAGE_COOKIE, gettext_for
from app.packs.compiler import SourceFile, compile_pack
from app.packs.diagnostics import Diagnostic, Report
from app.settings import PROJECT_ROOT
from tests.conftest import html, set_up_school

PACKS = PROJECT_ROOT / "app" / "packs"
CATALOG = PROJECT_ROOT / "app" / "locales" / "de" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")

PACK_MD = """---
id: probe
title: Probe
version: 1.0.0
language: de
---

Hinweise.

::: verdict {#ohne-erklaerung answer=Fakt}
Stimmt das?
:::
"""  # the verdict has no [!EXPLAIN] callout: error ITEM005 at line 10


def broken_pack_diagnostic() -> Diagnostic:
    report = Report()
    compile_pack([SourceFile("probe/pack.md", PACK_MD)], report)
    return next(d for d in report.items if d.code == "ITEM005")


def test_a_diagnostic_reads_in_german_with_its_values() -> None:
    diagnostic = broken_pack_diagnostic()
    german = diagnostic.translated(gettext_for("de")[0])
    assert german != diagnostic.message
    assert "'ohne-erklaerung'" in german and "(verdict)" in german and "[!EXPLAIN]" in german
    assert diagnostic.translated(gettext_for("en")[0]) == diagnostic.message


def test_the_command_line_form_stays_english() -> None:
    diagnostic = broken_pack_diagnostic()
    assert diagnostic.params == {"type": "verdict", "id": "ohne-erklaerung"}
    assert str(diagnostic) == (
        "probe/pack.md:10:1: error[ITEM005] verdict 'ohne-erklaerung' has no explanation: add a '> [!EXPLAIN]' callout"
    )


def test_diagnostics_stay_hashable_and_sort_by_their_english_message() -> None:
    report = Report()
    report.error("p.md", 1, 1, "X001", "b %(id)s", id="z")
    report.error("p.md", 1, 1, "X001", "a %(id)s", id="z")
    report.error("p.md", 1, 1, "X001", "b %(id)s", id="a")
    assert [d.message for d in report.sorted()] == ["a z", "b a", "b z"]
    assert len(set(report.items + report.items)) == 3


def test_the_editor_shows_diagnostics_in_the_pages_language(client: TestClient) -> None:
    set_up_school(client)

    def shown(language: str) -> str:
        client.cookies.set(LANGUAGE_COOKIE, language)
        response = client.post("/teacher/packs/preview", data={"name": "pack.md", "text": PACK_MD})
        return html(response).select_one(".diagnostic.error").get_text(" ", strip=True)

    english, german = shown("en"), shown("de")
    assert "has no explanation" in english and "has no explanation" not in german
    assert "ITEM005" in german and "'ohne-erklaerung'" in german


def diagnostic_templates() -> set[str]:
    """Every template marked with ``N_`` in app/packs, as ``pybabel extract -k N_`` finds them."""
    found = set()
    for path in sorted(PACKS.glob("*.py")):
        for _, message, _, _ in extract_from_file("python", path, keywords={"N_": None}):
            assert isinstance(message, str)
            found.add(message)
    return found


def test_every_diagnostic_template_has_german_with_the_same_placeholders() -> None:
    templates = diagnostic_templates()
    assert "%(type)s '%(id)s' has no explanation: add a '> [!EXPLAIN]' callout" in templates
    with CATALOG.open("rb") as handle:
        german = {m.id: m.string for m in read_po(handle) if isinstance(m.id, str) and m.id}
    untranslated = sorted(t for t in templates if not german.get(t))
    assert untranslated == []
    mismatched = [t for t in templates if set(PLACEHOLDER.findall(t)) != set(PLACEHOLDER.findall(str(german[t])))]
    assert mismatched == []


def reported_templates(path: Path) -> list[tuple[int, ast.expr]]:
    """The template argument of each ``.error(…)``/``.warning(…)`` report in a module (loggers aside)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in ("error", "warning"):
            if isinstance(func.value, ast.Name) and func.value.id == "log":
                continue
            found.append((node.lineno, node.args[-1]))  # the template is the last positional argument
        elif isinstance(func, ast.Name) and func.id == "fail":
            found.append((node.lineno, node.args[1]))  # fail(field, template, code)
    return found


def test_every_reported_message_is_a_marked_template() -> None:
    # An f-string or unmarked text here would reach German teachers in English.
    reports = [
        (path, line, argument) for path in sorted(PACKS.glob("*.py")) for line, argument in reported_templates(path)
    ]
    assert len(reports) > 70
    unmarked = []
    for path, line, argument in reports:
        marked = isinstance(argument, ast.Call) and isinstance(argument.func, ast.Name) and argument.func.id == "N_"
        passed_on = isinstance(argument, ast.Name) and argument.id == "template"
        if not (marked or passed_on):
            unmarked.append(f"{path.name}:{line}")
    assert unmarked == []
