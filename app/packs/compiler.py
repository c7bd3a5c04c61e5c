"""Compile a lesson pack's Markdown files (and media) into a checked, rendered pack.

``compile_pack`` never raises on bad input: every problem becomes a diagnostic with
file, line and column, and a pack with errors compiles to ``None``.
"""

from __future__ import annotations

import re
from typing import Any

from app.packs.content import compile_content
from app.packs.diagnostics import N_, Report
from app.packs.frontmatter import check_front_matter, split_front_matter
from app.packs.items import compile_item
from app.packs.markdown import render_markdown
from app.packs.media import Media
from app.packs.scanner import scan_blocks
from app.packs.sources import SourceFile, content_hash, read_pack_folder
from app.packs.vocabulary import CONTENT_ATTRIBUTES, DEFAULT_VERDICTS, ITEM_TYPES, PACK_FILE, TECHNIQUES

__all__ = [
    "DEFAULT_VERDICTS",
    "PACK_FILE",
    "TECHNIQUES",
    "SourceFile",
    "compile_pack",
    "content_hash",
    "read_pack_folder",
]


def compile_pack(
    files: list[SourceFile], report: Report, media: dict[str, Media] | None = None
) -> dict[str, Any] | None:
    """The compiled pack, or None when ``report`` holds errors."""
    if not files:
        return None
    head, body, body_line = split_front_matter(files[0], report)
    meta = check_front_matter(files[0].path, head, report) if head is not None else None
    if meta is None:
        return None
    media = media or {}
    meta["intro_html"] = render_markdown(_outside_blocks(body))
    items: list[dict[str, Any]] = []
    first_seen: dict[str, str] = {}
    sources = [(files[0].path, body, body_line)] + [(f.path, f.text, 1) for f in files[1:]]
    for path, text, first_line in sources:
        for item in compile_file(path, text, first_line, meta, media, report):
            if item["key"] in first_seen:
                report.error(
                    path,
                    item["line"],
                    1,
                    "ITEM003",
                    N_("duplicate id '%(id)s': it is already used at %(place)s"),
                    id=item["key"],
                    place=first_seen[item["key"]],
                )
                continue
            first_seen[item["key"]] = f"{path}:{item['line']}"
            item["position"] = len(items)
            items.append(item)
    if not items and not report.has_errors:
        report.error(
            files[0].path,
            1,
            1,
            "PACK020",
            N_("the pack has no items: add at least one item block like '::: verdict'"),
        )
    if report.has_errors:
        return None
    meta["items"] = items
    meta["media"] = {name: entry.describe() for name, entry in sorted(media.items())}
    meta["content_hash"] = content_hash(files, media)
    return meta


def compile_file(
    path: str, text: str, first_line: int, meta: dict[str, Any], media: dict[str, Media], report: Report
) -> list[dict[str, Any]]:
    """The items of one file; content blocks attach to the item that follows them."""
    items: list[dict[str, Any]] = []
    pending: list[dict[str, Any]] = []
    texts: list[str] = []
    for block in scan_blocks(path, text, first_line, report):
        if block.type in CONTENT_ATTRIBUTES:
            pending.append(compile_content(path, block, media, report))
            texts.append("\n".join(line for _, line in block.body))
        elif block.type in ITEM_TYPES:
            item = compile_item(path, block, meta, report, pending)
            if item is not None:
                item["title"] = _plain_title(texts[-1] if texts else "", block.body, item)
                items.append(item)
            pending, texts = [], []
        else:
            report.error(
                path,
                block.line,
                5,
                "ITEM001",
                N_("unknown block type '%(type)s'; item types: %(item_types)s; content blocks: %(content_types)s"),
                type=block.type,
                item_types=", ".join(ITEM_TYPES),
                content_types=", ".join(CONTENT_ATTRIBUTES),
            )
    if pending:
        report.warning(
            path,
            first_line,
            1,
            "BLOCK004",
            N_("a content block at the end of the file is not followed by an item, so pupils never see it"),
        )
    return items


def _plain_title(stimulus_text: str, body: list[tuple[int, str]], item: dict[str, Any]) -> str:
    """A short plain-text name for an item in lists: its material's first words, else its question's."""
    source = stimulus_text or next((line for _, line in body if line.strip()), "")
    words = " ".join(re.sub(r"[*_#>`=\[\]]", " ", source).split())
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
