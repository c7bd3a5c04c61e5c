"""The pack's front matter: loaded safely, every field checked, with its line."""

from __future__ import annotations

from typing import Any

import yaml

from app.packs.diagnostics import N_, Param, Report
from app.packs.vocabulary import DEFAULT_VERDICTS, FIELDS, ID_RE, LANGUAGES, MAX_FRONT_MATTER_BYTES


def split_front_matter(source: Any, report: Report) -> tuple[str | None, str, int]:
    """``(front matter, body, first line of body)``; front matter is None when missing."""
    lines = source.text.split("\n")
    if not lines or lines[0].strip() != "---":
        report.error(
            source.path,
            1,
            1,
            "PACK003",
            N_("the file must start with front matter: a line '---', the pack's fields, and another '---'"),
        )
        return None, source.text, 1
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    report.error(
        source.path, 1, 1, "PACK003", N_("the front matter is not closed: add a line '---' after the pack's fields")
    )
    return None, source.text, 1


def check_front_matter(path: str, text: str, report: Report) -> dict[str, Any] | None:
    """Load the front matter safely and check every field, with line numbers."""
    if len(text.encode()) > MAX_FRONT_MATTER_BYTES:
        report.error(path, 2, 1, "PACK004", N_("the front matter is too long"))
        return None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, yaml.AnchorToken | yaml.AliasToken | yaml.TagToken):
                report.error(
                    path,
                    token.start_mark.line + 2,
                    token.start_mark.column + 1,
                    "PACK005",
                    N_("anchors, aliases and tags (&, *, !) are not allowed in the front matter"),
                )
                return None
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, col = (mark.line + 2, mark.column + 1) if mark else (2, 1)
        report.error(
            path,
            line,
            col,
            "PACK006",
            N_("the front matter is not valid YAML: %(problem)s"),
            problem=str(error.problem or error.context),
        )
        return None
    except yaml.YAMLError as error:
        report.error(path, 2, 1, "PACK006", N_("the front matter is not valid YAML: %(problem)s"), problem=str(error))
        return None
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        report.error(path, 2, 1, "PACK007", N_("the front matter must be a list of fields like 'title: My pack'"))
        return None
    lines = {str(key.value): key.start_mark.line + 2 for key, _ in node.value}
    return _check_fields(path, data, lines, report)


def _check_fields(path: str, data: dict[Any, Any], lines: dict[str, int], report: Report) -> dict[str, Any] | None:
    errors_before = len([d for d in report.items if d.severity == "error"])

    def fail(field: str, template: str, code: str = "PACK010", /, **params: Param) -> None:
        report.error(path, lines.get(field, 2), 1, code, template, **params)

    for name in data:
        if str(name) not in FIELDS:
            report.warning(
                path,
                lines.get(str(name), 2),
                1,
                "PACK011",
                N_("unknown field '%(name)s'; known fields: %(known)s"),
                name=str(name),
                known=", ".join(FIELDS),
            )
    for required in ("id", "title", "version", "language"):
        if data.get(required) in (None, ""):
            fail(required, N_("the field '%(field)s' is missing"), "PACK009", field=required)
    pack_id = str(data.get("id") or "")
    if pack_id and (len(pack_id) > 80 or not ID_RE.fullmatch(pack_id)):
        fail("id", N_("id '%(id)s' may only use lower-case letters, digits and single hyphens"), id=pack_id[:80])
    language = str(data.get("language") or "")
    if language and language not in LANGUAGES:
        fail(
            "language",
            N_("language '%(language)s' is not supported; use one of: %(known)s"),
            language=language[:20],
            known=", ".join(LANGUAGES),
        )
    verdicts = data.get("verdicts", DEFAULT_VERDICTS.get(language, DEFAULT_VERDICTS["de"]))
    if not (
        isinstance(verdicts, list)
        and 2 <= len(verdicts) <= 6
        and all(isinstance(v, str) and 0 < len(v.strip()) <= 60 for v in verdicts)
        and len({v.strip() for v in verdicts}) == len(verdicts)
    ):
        fail(
            "verdicts",
            N_(
                "verdicts must be a list of 2 to 6 different labels, "
                "the real one first and the fake one second, e.g. [Fakt, Fake]"
            ),
        )
        verdicts = []
    grades = data.get("grades", [])
    if not (isinstance(grades, list) and all(isinstance(g, int) and 1 <= g <= 13 for g in grades)):
        fail("grades", N_("grades must be a list of school years from 1 to 13, e.g. [7, 8]"))
    minutes = data.get("minutes")
    if minutes is not None and not (isinstance(minutes, int) and 1 <= minutes <= 600):
        fail("minutes", N_("minutes must be a whole number of minutes, e.g. 45"))
    text_lists = {name: data.get(name, []) for name in ("authors", "objectives")}
    for name, value in text_lists.items():
        if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            fail(name, N_("%(field)s must be a list of texts"), field=name)
    if len([d for d in report.items if d.severity == "error"]) > errors_before:
        return None
    return {
        "key": pack_id,
        "title": str(data["title"])[:200],
        "version": str(data["version"])[:40],
        "language": language,
        "grades": grades,
        "minutes": minutes,
        "license": str(data.get("license") or "")[:80],
        "authors": text_lists["authors"],
        "description": str(data.get("description") or "")[:500],
        "objectives": text_lists["objectives"],
        "verdicts": [v.strip() for v in verdicts],
    }
