"""Compile a lesson pack's Markdown files (and media) into a checked, rendered pack.

``compile_pack`` never raises on bad input: every problem becomes a diagnostic with
file, line and column, and a pack with errors compiles to ``None``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.packs.content import compile_content
from app.packs.diagnostics import N_, Report
from app.packs.frontmatter import check_front_matter, split_front_matter
from app.packs.items import compile_item
from app.packs.markdown import render_markdown
from app.packs.media import MAX_MEDIA_FILES, Media, MediaProblem, inspect_media
from app.packs.scanner import scan_blocks
from app.packs.vocabulary import (
    CONTENT_ATTRIBUTES,
    DEFAULT_VERDICTS,
    ITEM_TYPES,
    MAX_FILE_BYTES,
    MAX_FILES,
    MEDIA_FOLDER,
    PACK_FILE,
    TECHNIQUES,
)

__all__ = ["DEFAULT_VERDICTS", "PACK_FILE", "TECHNIQUES", "SourceFile", "compile_pack", "read_pack_folder"]


@dataclass(frozen=True)
class SourceFile:
    """One Markdown file of a pack: the name shown in messages and its text."""

    path: str
    text: str


def read_pack_folder(
    folder: Path, report: Report, *, shown_as: str | None = None, media: dict[str, Media] | None = None
) -> list[SourceFile]:
    """The pack's Markdown files, ``pack.md`` first, then the others by name; media go into ``media``."""
    label = shown_as if shown_as is not None else str(folder)
    names = sorted(p.name for p in folder.iterdir() if p.suffix == ".md" and p.is_file() and not p.is_symlink())
    if PACK_FILE not in names:
        report.error(
            f"{label}/{PACK_FILE}",
            1,
            1,
            "PACK001",
            N_("a pack folder needs a file '%(file)s' with the pack's front matter"),
            file=PACK_FILE,
        )
        return []
    if len(names) > MAX_FILES:
        report.error(
            label,
            1,
            1,
            "PACK002",
            N_("too many Markdown files (%(count)d); at most %(max)d"),
            count=len(names),
            max=MAX_FILES,
        )
        return []
    files = []
    for name in [PACK_FILE] + [n for n in names if n != PACK_FILE]:
        path = folder / name
        shown = f"{label}/{name}"
        if path.stat().st_size > MAX_FILE_BYTES:
            report.error(shown, 1, 1, "FILE001", N_("file is larger than %(limit)d KB"), limit=MAX_FILE_BYTES // 1000)
            continue
        try:
            files.append(SourceFile(shown, path.read_bytes().decode("utf-8-sig")))
        except UnicodeDecodeError as error:
            report.error(shown, 1, error.start + 1, "FILE002", N_("file is not UTF-8 text"))
    if media is not None:
        media.update(read_media_folder(folder / MEDIA_FOLDER, report, label=f"{label}/{MEDIA_FOLDER}"))
    return files


def read_media_folder(folder: Path, report: Report, *, label: str) -> dict[str, Media]:
    """Every acceptable picture in ``media/``; refused ones are reported."""
    found: dict[str, Media] = {}
    if not folder.is_dir():
        return found
    entries = sorted(folder.iterdir())
    if len(entries) > MAX_MEDIA_FILES:
        report.error(
            label,
            1,
            1,
            "MEDIA004",
            N_("too many media files (%(count)d); at most %(max)d"),
            count=len(entries),
            max=MAX_MEDIA_FILES,
        )
        return found
    for entry in entries:
        if entry.is_symlink() or not entry.is_file():
            report.error(
                f"{label}/{entry.name}",
                1,
                1,
                "MEDIA005",
                N_("only plain files belong in media/ (no links, no folders)"),
            )
            continue
        try:
            found[entry.name] = inspect_media(entry.name, entry.read_bytes())
        except MediaProblem as problem:
            report.error(
                f"{label}/{entry.name}",
                1,
                1,
                "MEDIA006",
                N_("this media file is refused: %(problem)s"),
                problem=str(problem),
            )
    return found


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


def content_hash(files: list[SourceFile], media: dict[str, Media] | None = None) -> str:
    digest = hashlib.sha256()
    for source in files:
        digest.update(Path(source.path).name.encode() + b"\0" + source.text.encode() + b"\0")
    for name, entry in sorted((media or {}).items()):
        digest.update(name.encode() + b"\0" + entry.sha256.encode() + b"\0")
    return digest.hexdigest()


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
