"""Compile a lesson pack's Markdown files into a checked, rendered pack.

``compile_pack`` never raises on bad input: every problem becomes a diagnostic with
file, line and column, and a pack with errors compiles to ``None``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from app.packs.diagnostics import Report
from app.packs.markdown import render_markdown
from app.packs.scanner import Block, scan_blocks, split_callouts

PACK_FILE = "pack.md"
MAX_FILE_BYTES = 512_000
MAX_FILES = 60
MAX_FRONT_MATTER_BYTES = 20_000
ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
LANGUAGES = ("de", "en")
DEFAULT_VERDICTS = {"de": ["Fakt", "Fake"], "en": ["Fact", "Fake"]}
TECHNIQUES = (
    "emotion",
    "impersonation",
    "polarisation",
    "conspiracy",
    "discrediting",
    "trolling",
    "cherry-picking",
    "false-context",
    "manipulated-image",
    "hidden-advertising",
    "chain-letter",
)
ITEM_TYPES = ("verdict",)
CONTENT_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "post": ("author", "handle", "time", "likes", "shares", "comments"),
    "headline": ("source", "date"),
    "chat": ("sender", "time"),
    "article": ("source", "title", "date"),
}
CALLOUT_KINDS = {"CLUE": "clue", "EXPLAIN": "explain", "CHECK": "check", "TEACHER": "teacher", "HINT": "hint"}
FIELDS = (
    "id",
    "title",
    "version",
    "language",
    "grades",
    "minutes",
    "license",
    "authors",
    "description",
    "objectives",
    "verdicts",
)


@dataclass(frozen=True)
class SourceFile:
    """One Markdown file of a pack: the name shown in messages and its text."""

    path: str
    text: str


def read_pack_folder(folder: Path, report: Report, *, shown_as: str | None = None) -> list[SourceFile]:
    """The pack's Markdown files, ``pack.md`` first, then the others by name."""
    label = shown_as if shown_as is not None else str(folder)
    names = sorted(p.name for p in folder.iterdir() if p.suffix == ".md" and p.is_file() and not p.is_symlink())
    if PACK_FILE not in names:
        report.error(
            f"{label}/{PACK_FILE}",
            1,
            1,
            "PACK001",
            f"a pack folder needs a file '{PACK_FILE}' with the pack's front matter",
        )
        return []
    if len(names) > MAX_FILES:
        report.error(label, 1, 1, "PACK002", f"too many Markdown files ({len(names)}); at most {MAX_FILES}")
        return []
    files = []
    for name in [PACK_FILE] + [n for n in names if n != PACK_FILE]:
        path = folder / name
        shown = f"{label}/{name}"
        if path.stat().st_size > MAX_FILE_BYTES:
            report.error(shown, 1, 1, "FILE001", f"file is larger than {MAX_FILE_BYTES // 1000} KB")
            continue
        try:
            files.append(SourceFile(shown, path.read_bytes().decode("utf-8-sig")))
        except UnicodeDecodeError as error:
            report.error(shown, 1, error.start + 1, "FILE002", "file is not UTF-8 text")
    return files


def compile_pack(files: list[SourceFile], report: Report) -> dict[str, Any] | None:
    """The compiled pack, or None when ``report`` holds errors."""
    if not files:
        return None
    head, body, body_line = split_front_matter(files[0], report)
    meta = check_front_matter(files[0].path, head, report) if head is not None else None
    if meta is None:
        return None
    meta["intro_html"] = render_markdown(_outside_blocks(body))
    items: list[dict[str, Any]] = []
    first_seen: dict[str, str] = {}
    sources = [(files[0].path, body, body_line)] + [(f.path, f.text, 1) for f in files[1:]]
    for path, text, first_line in sources:
        for item in compile_file(path, text, first_line, meta, report):
            where = f"{path}:{item['line']}"
            if item["key"] in first_seen:
                report.error(
                    path,
                    item["line"],
                    1,
                    "ITEM003",
                    f"duplicate id '{item['key']}': it is already used at {first_seen[item['key']]}",
                )
                continue
            first_seen[item["key"]] = where
            item["position"] = len(items)
            items.append(item)
    if not items and not report.has_errors:
        report.error(files[0].path, 1, 1, "PACK020", "the pack has no items: add at least one '::: verdict' block")
    if report.has_errors:
        return None
    meta["items"] = items
    meta["content_hash"] = content_hash(files)
    return meta


def content_hash(files: list[SourceFile]) -> str:
    digest = hashlib.sha256()
    for source in files:
        digest.update(Path(source.path).name.encode() + b"\0" + source.text.encode() + b"\0")
    return digest.hexdigest()


def split_front_matter(source: SourceFile, report: Report) -> tuple[str | None, str, int]:
    """``(front matter, body, first line of body)``; front matter is None when missing."""
    lines = source.text.split("\n")
    if not lines or lines[0].strip() != "---":
        report.error(
            source.path,
            1,
            1,
            "PACK003",
            "the file must start with front matter: a line '---', the pack's fields, and another '---'",
        )
        return None, source.text, 1
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    report.error(
        source.path, 1, 1, "PACK003", "the front matter is not closed: add a line '---' after the pack's fields"
    )
    return None, source.text, 1


def check_front_matter(path: str, text: str, report: Report) -> dict[str, Any] | None:
    """Load the front matter safely and check every field, with line numbers."""
    if len(text.encode()) > MAX_FRONT_MATTER_BYTES:
        report.error(path, 2, 1, "PACK004", "the front matter is too long")
        return None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, yaml.AnchorToken | yaml.AliasToken | yaml.TagToken):
                report.error(
                    path,
                    token.start_mark.line + 2,
                    token.start_mark.column + 1,
                    "PACK005",
                    "anchors, aliases and tags (&, *, !) are not allowed in the front matter",
                )
                return None
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, col = (mark.line + 2, mark.column + 1) if mark else (2, 1)
        report.error(
            path, line, col, "PACK006", f"the front matter is not valid YAML: {error.problem or error.context}"
        )
        return None
    except yaml.YAMLError as error:
        report.error(path, 2, 1, "PACK006", f"the front matter is not valid YAML: {error}")
        return None
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        report.error(path, 2, 1, "PACK007", "the front matter must be a list of fields like 'title: My pack'")
        return None
    lines = {str(key.value): key.start_mark.line + 2 for key, _ in node.value}
    return _check_fields(path, data, lines, report)


def _check_fields(path: str, data: dict[Any, Any], lines: dict[str, int], report: Report) -> dict[str, Any] | None:
    errors_before = len([d for d in report.items if d.severity == "error"])

    def fail(field: str, message: str, code: str = "PACK010") -> None:
        report.error(path, lines.get(field, 2), 1, code, message)

    for name in data:
        if str(name) not in FIELDS:
            report.warning(
                path,
                lines.get(str(name), 2),
                1,
                "PACK011",
                f"unknown field '{name}'; known fields: {', '.join(FIELDS)}",
            )
    for required in ("id", "title", "version", "language"):
        if data.get(required) in (None, ""):
            fail(required, f"the field '{required}' is missing", "PACK009")
    pack_id = str(data.get("id") or "")
    if pack_id and (len(pack_id) > 80 or not ID_RE.fullmatch(pack_id)):
        fail("id", f"id '{pack_id[:80]}' may only use lower-case letters, digits and single hyphens")
    language = str(data.get("language") or "")
    if language and language not in LANGUAGES:
        fail("language", f"language '{language[:20]}' is not supported; use one of: {', '.join(LANGUAGES)}")
    verdicts = data.get("verdicts", DEFAULT_VERDICTS.get(language, DEFAULT_VERDICTS["de"]))
    if not (
        isinstance(verdicts, list)
        and 2 <= len(verdicts) <= 6
        and all(isinstance(v, str) and 0 < len(v.strip()) <= 60 for v in verdicts)
        and len({v.strip() for v in verdicts}) == len(verdicts)
    ):
        fail(
            "verdicts",
            "verdicts must be a list of 2 to 6 different labels, "
            "the real one first and the fake one second, e.g. [Fakt, Fake]",
        )
        verdicts = []
    grades = data.get("grades", [])
    if not (isinstance(grades, list) and all(isinstance(g, int) and 1 <= g <= 13 for g in grades)):
        fail("grades", "grades must be a list of school years from 1 to 13, e.g. [7, 8]")
    minutes = data.get("minutes")
    if minutes is not None and not (isinstance(minutes, int) and 1 <= minutes <= 600):
        fail("minutes", "minutes must be a whole number of minutes, e.g. 45")
    text_lists = {name: data.get(name, []) for name in ("authors", "objectives")}
    for name, value in text_lists.items():
        if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            fail(name, f"{name} must be a list of texts")
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


def compile_file(path: str, text: str, first_line: int, meta: dict[str, Any], report: Report) -> list[dict[str, Any]]:
    """The items of one file; content blocks attach to the item that follows them."""
    items: list[dict[str, Any]] = []
    pending: list[dict[str, Any]] = []
    block_texts: list[str] = []
    for block in scan_blocks(path, text, first_line, report):
        if block.type in CONTENT_ATTRIBUTES:
            pending.append(compile_content(path, block, report))
            block_texts.append("\n".join(line for _, line in block.body))
        elif block.type in ITEM_TYPES:
            item = compile_verdict(path, block, meta, report)
            if item is not None:
                item["stimuli"] = pending
                item["title"] = _plain_title(block_texts[-1] if block_texts else "", item)
                items.append(item)
            pending, block_texts = [], []
        else:
            report.error(
                path,
                block.line,
                5,
                "ITEM001",
                f"unknown block type '{block.type}'; item types: {', '.join(ITEM_TYPES)}; "
                f"content blocks: {', '.join(CONTENT_ATTRIBUTES)}",
            )
    if pending:
        report.warning(
            path,
            first_line,
            1,
            "BLOCK004",
            "a content block at the end of the file is not followed by an item, so pupils never see it",
        )
    return items


def compile_content(path: str, block: Block, report: Report) -> dict[str, Any]:
    """A post, headline, chat message or article snippet, rendered."""
    known = CONTENT_ATTRIBUTES[block.type]
    for name in sorted(block.attributes.names() - set(known)):
        report.warning(
            path,
            block.line,
            block.attributes.columns.get(name, 1),
            "ATTR002",
            f"'{block.type}' has no attribute '{name}'; known: {', '.join(known)}",
        )
    attrs = {name: block.attributes.values[name][:200] for name in known if name in block.attributes.values}
    for number in ("likes", "shares", "comments"):
        if number in attrs and not attrs[number].isdigit():
            report.error(
                path,
                block.line,
                block.attributes.columns[number],
                "ATTR004",
                f"'{number}' must be a whole number, not '{attrs[number]}'",
            )
    return {"type": block.type, "attrs": attrs, "html": render_markdown("\n".join(line for _, line in block.body))}


def compile_verdict(path: str, block: Block, meta: dict[str, Any], report: Report) -> dict[str, Any] | None:
    """A verdict item: question, answer, techniques, callouts."""
    attrs = block.attributes
    key = attrs.id
    if key is None:
        report.error(path, block.line, 5, "ITEM002", "the item has no id: add one like {#my-item-id}")
        return None
    if len(key) > 80 or not ID_RE.fullmatch(key):
        report.error(
            path,
            block.line,
            attrs.columns.get("#id", 1),
            "ITEM010",
            f"id '{key}' may only use lower-case letters, digits and single hyphens",
        )
    for name in sorted(attrs.names() - {"answer", "confidence", "technique"}):
        report.warning(
            path,
            block.line,
            attrs.columns.get(name, 1),
            "ATTR002",
            f"a verdict has no attribute '{name}'; known: answer, confidence, technique",
        )
    answer = attrs.values.get("answer")
    labels = meta["verdicts"]
    if answer is None:
        report.error(
            path,
            block.line,
            5,
            "ITEM004",
            f"verdict '{key}' has no correct answer: add answer= with one of: {', '.join(labels)}",
        )
    elif answer not in labels:
        report.error(
            path,
            block.line,
            attrs.columns["answer"],
            "ITEM004",
            f"answer '{answer}' of verdict '{key}' is not one of this pack's verdicts: {', '.join(labels)}",
        )
    techniques = [t.strip() for t in attrs.values.get("technique", "").split(",") if t.strip()]
    for technique in techniques:
        if technique not in TECHNIQUES:
            report.error(
                path,
                block.line,
                attrs.columns["technique"],
                "ITEM006",
                f"unknown technique '{technique}'; known: {', '.join(TECHNIQUES)}",
            )
    own, callouts = split_callouts(block.body)
    parts = _callout_parts(path, key, callouts, report)
    question = "\n".join(line for _, line in own).strip()
    if not question:
        report.error(
            path,
            block.line,
            1,
            "ITEM007",
            f"verdict '{key}' has no question: write it as the first paragraph inside the block",
        )
    if "explain" not in parts:
        report.error(
            path, block.line, 1, "ITEM005", f"verdict '{key}' has no explanation: add a '> [!EXPLAIN]' callout"
        )
    if "clue" not in parts:
        report.warning(
            path,
            block.line,
            1,
            "ITEM011",
            f"verdict '{key}' has no clue: add a '> [!CLUE]' callout saying what gives it away",
        )
    if answer is not None and len(labels) > 1 and answer == labels[1] and not techniques:
        report.warning(
            path,
            block.line,
            1,
            "ITEM008",
            f"fake verdict '{key}' names no technique: add technique= with one of: {', '.join(TECHNIQUES)}",
        )
    return {
        "key": key,
        "type": "verdict",
        "file": Path(path).name,
        "line": block.line,
        "question_html": render_markdown(question),
        "answer": answer,
        "confidence": "confidence" in attrs.flags,
        "techniques": techniques,
        "clue_html": parts.get("clue", ""),
        "explain_html": parts.get("explain", ""),
        "check_html": parts.get("check", ""),
        "teacher_html": parts.get("teacher", ""),
        "hints_html": parts.get("hints", []),
    }


def _callout_parts(path: str, key: str, callouts: list[Any], report: Report) -> dict[str, Any]:
    parts: dict[str, Any] = {}
    for callout in callouts:
        name = CALLOUT_KINDS.get(callout.kind)
        if name is None:
            report.error(
                path,
                callout.line,
                1,
                "CALLOUT001",
                f"unknown callout '[!{callout.kind}]'; known: {', '.join('[!' + k + ']' for k in CALLOUT_KINDS)}",
            )
            continue
        if not callout.text:
            report.error(path, callout.line, 1, "CALLOUT002", f"the callout '[!{callout.kind}]' of '{key}' is empty")
            continue
        if name == "hint":
            parts.setdefault("hints", []).append(render_markdown(callout.text))
        elif name in parts:
            report.error(
                path,
                callout.line,
                1,
                "CALLOUT003",
                f"'{key}' has two '[!{callout.kind}]' callouts; merge them into one",
            )
        else:
            parts[name] = render_markdown(callout.text)
    return parts


def _plain_title(stimulus_text: str, item: dict[str, Any]) -> str:
    """A short plain-text name for an item in lists: its material's first words, else its id."""
    words = " ".join(re.sub(r"[*_#>`\[\]]", " ", stimulus_text).split())
    if not words:
        return str(item["key"])
    return words if len(words) <= 90 else words[:89].rsplit(" ", 1)[0] + " …"


def _outside_blocks(text: str) -> str:
    """The Markdown of ``pack.md`` that is not inside a block: the teacher introduction."""
    kept, inside = [], False
    for line in text.split("\n"):
        stripped = line.rstrip("\r")
        if not inside and stripped.startswith(":::") and stripped.strip() != ":::":
            inside = True
        elif inside and stripped.strip() == ":::":
            inside = False
        elif not inside:
            kept.append(line)
    return "\n".join(kept)
