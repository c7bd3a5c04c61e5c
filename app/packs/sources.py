"""A pack's files as read from its folder, and the hash of their content.

Apart from the compiler (Markdown, YAML, HTML sanitising) on purpose: ``lupe serve`` reads
and hashes the shipped packs at every start to see whether any of them must be compiled,
and the serving process should not import the compiler for that.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from app.packs.diagnostics import N_, Report
from app.packs.media import MAX_MEDIA_FILES, Media, MediaProblem, inspect_media
from app.packs.vocabulary import MAX_FILE_BYTES, MAX_FILES, MEDIA_FOLDER, PACK_FILE


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


def content_hash(files: list[SourceFile], media: dict[str, Media] | None = None) -> str:
    digest = hashlib.sha256()
    for source in files:
        digest.update(Path(source.path).name.encode() + b"\0" + source.text.encode() + b"\0")
    for name, entry in sorted((media or {}).items()):
        digest.update(name.encode() + b"\0" + entry.sha256.encode() + b"\0")
    return digest.hexdigest()
