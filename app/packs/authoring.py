"""Teachers' own packs: upload, edit in the browser, copy, share, download.

Every path ends in :func:`save_pack`: compile, check against the current version, store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.packs.archive import PackUpload, write_zip
from app.packs.diagnostics import N_, Diagnostic
from app.packs.library import VersionConflict, find_pack, store_version
from app.packs.media import Media, inspect_media
from app.packs.models import Pack, PackMedia, PackVersion
from app.packs.sources import SourceFile
from app.packs.vocabulary import PACK_FILE

FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.md")
ID_LINE = re.compile(r"(?m)^id:[ \t]*\S.*$")

NEW_PACK_TEMPLATE = {
    "de": """---
id: meine-neue-lektion
title: Meine neue Lektion
version: 1.0.0
language: de
grades: [7, 8]
minutes: 45
verdicts: [Fakt, Fake]
---

# Hinweise für Lehrkräfte

Worum es geht und wie Sie die Stunde aufbauen.

::: headline {source="Beispielblatt" date="1. März 2026"}
Eine Schlagzeile, die geprüft werden soll
:::

::: verdict {#erste-aufgabe answer=Fake confidence technique=emotion}
Ist diese Meldung echt?

> [!CLUE]
> Woran man es erkennt.

> [!EXPLAIN]
> Was stimmt und warum.

> [!CHECK]
> Wie man es prüfen kann.
:::
""",
    "en": """---
id: my-new-lesson
title: My new lesson
version: 1.0.0
language: en
grades: [7, 8]
minutes: 45
verdicts: [Fact, Fake]
---

# Notes for teachers

What the lesson is about and how to run it.

::: headline {source="Example Times" date="1 March 2026"}
A headline to check
:::

::: verdict {#first-item answer=Fake confidence technique=emotion}
Is this real?

> [!CLUE]
> What gives it away.

> [!EXPLAIN]
> What is true and why.

> [!CHECK]
> How to check it.
:::
""",
}


@dataclass
class SaveResult:
    """The stored pack, or the problems that stopped it (with the warnings either way)."""

    pack: Pack | None
    diagnostics: list[Diagnostic]


def save_pack(db: Session, upload: PackUpload, *, account: Any, replacing: Pack | None = None) -> SaveResult:
    """Compile and store an upload as the teacher's pack (a new pack, or a new version of theirs)."""
    from app.packs.compiler import compile_pack  # Markdown, YAML, nh3: loaded when a teacher first saves a pack

    report = upload.report
    compiled = compile_pack(upload.files, report, upload.media) if not report.has_errors else None
    if compiled is None:
        return SaveResult(None, report.sorted())
    existing = find_pack(db, compiled["key"], account.school_id)
    if replacing is not None and existing is not None and existing.id != replacing.id:
        report.error(
            upload.files[0].path,
            2,
            1,
            "PACK030",
            N_("your school already has another pack with the id '%(id)s'"),
            id=compiled["key"],
        )
        return SaveResult(None, report.sorted())
    if replacing is None and existing is not None:
        from app.security.authz import NotVisible, check_pack_editable

        try:
            replacing = check_pack_editable(account, existing)
        except NotVisible:
            report.error(
                upload.files[0].path,
                2,
                1,
                "PACK030",
                N_("a colleague's pack already uses the id '%(id)s': choose another id"),
                id=compiled["key"],
            )
            return SaveResult(None, report.sorted())
    if replacing is not None and replacing.key != compiled["key"]:
        report.error(
            upload.files[0].path,
            2,
            1,
            "PACK031",
            N_("the id of this pack is '%(id)s' and cannot change"),
            id=replacing.key,
        )
        return SaveResult(None, report.sorted())
    try:
        version = store_version(
            db,
            compiled,
            school_id=account.school_id,
            owner_id=account.id,
            shipped=False,
            files=upload.files,
            media=upload.media,
            pack=replacing,
        )
    except VersionConflict as conflict:
        return SaveResult(None, report.sorted() + conflict.diagnostics)
    return SaveResult(db.get(Pack, version.pack_id), report.sorted())


def version_files(version: PackVersion) -> dict[str, str]:
    """The Markdown files of a version, ``pack.md`` first."""
    files = dict((version.sources or {}).get("files", {}))
    return dict(sorted(files.items(), key=lambda item: (item[0] != PACK_FILE, item[0])))


def version_media(db: Session, version: PackVersion) -> dict[str, Media]:
    """The pictures of a version, checked again as they are loaded."""
    found: dict[str, Media] = {}
    for name, sha256 in (version.sources or {}).get("media", {}).items():
        stored = db.get(PackMedia, sha256)
        if stored is not None:
            found[name] = inspect_media(name, stored.data)
    return found


def upload_from_editor(names: list[str], texts: list[str], media: dict[str, Media]) -> PackUpload:
    """The files a teacher edited in the browser, with the pack's pictures kept."""
    upload = PackUpload(media=dict(media))
    for name, text in zip(names, texts, strict=False):
        if not FILE_NAME.fullmatch(name):
            upload.report.error(
                name[:100] or "?", 1, 1, "FILE003", N_("file names may use letters, digits, . _ - and end in .md")
            )
            continue
        upload.files.append(SourceFile(name, text.replace("\r\n", "\n")))
    upload.files.sort(key=lambda f: (f.path != PACK_FILE, f.path))
    if not upload.files or upload.files[0].path != PACK_FILE:
        upload.report.error(
            PACK_FILE,
            1,
            1,
            "PACK001",
            N_("a pack needs a file '%(file)s' with the pack's front matter"),
            file=PACK_FILE,
        )
    return upload


def copy_files(files: dict[str, str], new_key: str) -> dict[str, str]:
    """The files with the pack id in the front matter replaced by ``new_key``."""
    copied = dict(files)
    copied[PACK_FILE] = ID_LINE.sub(f"id: {new_key}", files[PACK_FILE], count=1)
    return copied


def free_key(db: Session, key: str, school_id: int, suffix: str) -> str:
    """``key-suffix``, ``key-suffix-2``, … whichever the school does not use yet."""
    taken = set(db.execute(select(col(Pack.key)).where(col(Pack.school_id) == school_id)).scalars())
    base = f"{key}-{suffix}"[:70]
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def zip_of(db: Session, version: PackVersion, key: str) -> bytes:
    media = {name: m.data for name, m in version_media(db, version).items()}
    return write_zip(key, version_files(version), media)
