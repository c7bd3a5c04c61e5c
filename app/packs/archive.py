"""Packs as .zip files: read safely (no bombs, no escaping paths, no links), written for download.

A pack's zip holds one folder named after the pack (or its files at the top): ``pack.md``,
the lesson files and ``media/``. Everything is checked before anything is decompressed.
"""

from __future__ import annotations

import io
import re
import stat
import zipfile
from dataclasses import dataclass, field

from app.packs.diagnostics import N_, Report
from app.packs.media import MAX_MEDIA_BYTES, MAX_MEDIA_FILES, Media, MediaProblem, inspect_media
from app.packs.sources import SourceFile
from app.packs.vocabulary import MAX_FILE_BYTES, MAX_FILES, MEDIA_FOLDER, PACK_FILE

MAX_ZIP_BYTES = 20_000_000
MAX_ENTRIES = MAX_FILES + MAX_MEDIA_FILES + 10
MAX_TOTAL_BYTES = 60_000_000
MAX_RATIO = 100  # uncompressed : compressed, per entry
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


@dataclass
class PackUpload:
    """What an upload holds: the Markdown files and the media, with problems in ``report``."""

    files: list[SourceFile] = field(default_factory=list)
    media: dict[str, Media] = field(default_factory=dict)
    report: Report = field(default_factory=Report)


def read_zip(data: bytes, *, label: str = "upload.zip") -> PackUpload:
    """The pack inside ``data``; every refusal is a diagnostic, nothing is written to disk."""
    upload = PackUpload()
    if len(data) > MAX_ZIP_BYTES:
        upload.report.error(
            label, 1, 1, "ZIP001", N_("the zip file is larger than %(limit)d MB"), limit=MAX_ZIP_BYTES // 1_000_000
        )
        return upload
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, NotImplementedError):
        upload.report.error(label, 1, 1, "ZIP002", N_("this is not a readable zip file"))
        return upload
    paths = _checked_paths(entries, upload.report, label)
    if upload.report.has_errors:
        return upload
    for entry, relative in paths:
        _take(archive, entry, relative, upload, label)
    _order_files(upload, label)
    return upload


def _checked_paths(entries: list[zipfile.ZipInfo], report: Report, label: str) -> list[tuple[zipfile.ZipInfo, str]]:
    """Refuse bombs, escaping or odd paths, links and duplicates before reading anything."""
    if len(entries) > MAX_ENTRIES:
        report.error(
            label,
            1,
            1,
            "ZIP003",
            N_("the zip has %(count)d entries; at most %(max)d"),
            count=len(entries),
            max=MAX_ENTRIES,
        )
        return []
    if sum(e.file_size for e in entries) > MAX_TOTAL_BYTES:
        report.error(label, 1, 1, "ZIP004", N_("the zip unpacks to more than 60 MB"))
        return []
    files = [e for e in entries if not e.is_dir()]
    prefix = _common_folder([e.filename for e in files])
    seen: set[str] = set()
    checked = []
    for entry in files:
        name = entry.filename
        if entry.compress_size and entry.file_size / entry.compress_size > MAX_RATIO:
            report.error(
                f"{label}/{name}", 1, 1, "ZIP004", N_("this entry is compressed suspiciously well (a zip bomb?)")
            )
        if stat.S_ISLNK(entry.external_attr >> 16):
            report.error(f"{label}/{name}", 1, 1, "ZIP005", N_("links are not allowed in a pack"))
            continue
        relative = name[len(prefix) :]
        parts = relative.split("/")
        unsafe = "\\" in name or name.startswith("/") or re.match(r"[A-Za-z]:", name) or ".." in name.split("/")
        if unsafe or not _allowed(parts):
            report.error(
                f"{label}/{name[:120]}",
                1,
                1,
                "ZIP006",
                N_("only pack.md, lesson files (*.md) and pictures in media/ belong in a pack zip"),
            )
            continue
        if relative.lower() in seen:
            report.error(f"{label}/{name}", 1, 1, "ZIP007", N_("this file is in the zip twice"))
            continue
        seen.add(relative.lower())
        checked.append((entry, relative))
    return checked


def _common_folder(names: list[str]) -> str:
    """``"pack-id/"`` when every file sits in one top folder, else ``""``."""
    tops = {name.split("/", 1)[0] for name in names}
    if len(tops) == 1 and all("/" in name for name in names):
        return tops.pop() + "/"
    return ""


def _allowed(parts: list[str]) -> bool:
    if len(parts) == 1:
        return bool(SAFE_NAME.fullmatch(parts[0])) and parts[0].endswith(".md")
    return len(parts) == 2 and parts[0] == MEDIA_FOLDER and bool(SAFE_NAME.fullmatch(parts[1]))


def _take(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, relative: str, upload: PackUpload, label: str) -> None:
    limit = MAX_MEDIA_BYTES if relative.startswith(MEDIA_FOLDER + "/") else MAX_FILE_BYTES
    shown = f"{label}/{relative}"
    if entry.file_size > limit:
        upload.report.error(shown, 1, 1, "FILE001", N_("file is larger than %(limit)d KB"), limit=limit // 1000)
        return
    with archive.open(entry) as handle:
        data = handle.read(limit + 1)  # the declared size may lie: never read past the limit
    if len(data) > limit:
        upload.report.error(shown, 1, 1, "FILE001", N_("file is larger than %(limit)d KB"), limit=limit // 1000)
        return
    add_file(upload, relative, data, shown)


def add_file(upload: PackUpload, relative: str, data: bytes, shown: str) -> None:
    """Take one file of a pack: Markdown as text, anything in media/ as a checked picture."""
    if relative.startswith(MEDIA_FOLDER + "/"):
        name = relative.split("/", 1)[1]
        try:
            upload.media[name] = inspect_media(name, data)
        except MediaProblem as problem:
            upload.report.error(
                shown, 1, 1, "MEDIA006", N_("this media file is refused: %(problem)s"), problem=str(problem)
            )
        return
    try:
        upload.files.append(SourceFile(shown, data.decode("utf-8-sig")))
    except UnicodeDecodeError as error:
        upload.report.error(shown, 1, error.start + 1, "FILE002", N_("file is not UTF-8 text"))


def _order_files(upload: PackUpload, label: str) -> None:
    """``pack.md`` first, then the lesson files by name."""
    upload.files.sort(key=lambda f: (not f.path.endswith("/" + PACK_FILE), f.path))
    if not upload.files or not upload.files[0].path.endswith("/" + PACK_FILE):
        upload.report.error(
            f"{label}/{PACK_FILE}",
            1,
            1,
            "PACK001",
            N_("a pack needs a file '%(file)s' with the pack's front matter"),
            file=PACK_FILE,
        )


def write_zip(key: str, files: dict[str, str], media: dict[str, bytes]) -> bytes:
    """A zip of one pack folder, the format that :func:`read_zip` and ``lessons/`` read."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files, key=lambda n: (n != PACK_FILE, n)):
            archive.writestr(f"{key}/{name}", files[name])
        for name, data in sorted(media.items()):
            archive.writestr(f"{key}/{MEDIA_FOLDER}/{name}", data)
    return buffer.getvalue()
