"""Storing compiled packs as versions, loading the shipped ones, and finding them again."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.packs.compiler import PACK_FILE, compile_pack, read_pack_folder
from app.packs.diagnostics import Diagnostic, Report
from app.packs.media import Media
from app.packs.models import Item, Pack, PackMedia, PackVersion

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckedPack:
    folder: Path
    compiled: dict[str, Any] | None
    diagnostics: list[Diagnostic]
    media: dict[str, Media] = field(default_factory=dict)


def pack_folders(paths: list[Path]) -> list[Path]:
    """Every pack folder at or below ``paths`` (a folder holding ``pack.md``)."""
    found: list[Path] = []
    for path in paths:
        if (path / PACK_FILE).is_file():
            found.append(path)
        elif path.is_dir():
            found.extend(sorted(p.parent for p in path.glob(f"*/{PACK_FILE}")))
    return found


def check_folder(folder: Path, *, shown_as: str | None = None) -> CheckedPack:
    """Read and compile one pack folder, collecting every diagnostic."""
    report = Report()
    media: dict[str, Media] = {}
    files = read_pack_folder(folder, report, shown_as=shown_as, media=media)
    compiled = compile_pack(files, report, media)
    return CheckedPack(folder, compiled, report.sorted(), media)


def store_media(db: Session, media: dict[str, Media]) -> None:
    """Store each picture once, by content."""
    for entry in media.values():
        if db.get(PackMedia, entry.sha256) is None:
            db.add(
                PackMedia(sha256=entry.sha256, content_type=entry.content_type, size=len(entry.data), data=entry.data)
            )
    db.flush()


def store_version(
    db: Session, compiled: dict[str, Any], *, school_id: int | None, owner_id: int | None, shipped: bool
) -> PackVersion:
    """Make ``compiled`` the pack's current version; an unchanged pack keeps its version."""
    same_owner = Pack.school_id.is_(None) if school_id is None else Pack.school_id == school_id  # type: ignore[union-attr]
    pack = db.execute(select(Pack).where(Pack.key == compiled["key"], same_owner)).scalar_one_or_none()  # type: ignore[arg-type]
    if pack is None:
        pack = Pack(key=compiled["key"], school_id=school_id, owner_id=owner_id, shipped=shipped)
        db.add(pack)
        db.flush()
    assert pack.id is not None
    version = db.execute(
        select(PackVersion).where(PackVersion.pack_id == pack.id, PackVersion.content_hash == compiled["content_hash"])  # type: ignore[arg-type]
    ).scalar_one_or_none()
    if version is None:
        version = PackVersion(
            pack_id=pack.id,
            version=compiled["version"],
            title=compiled["title"],
            language=compiled["language"],
            content_hash=compiled["content_hash"],
            compiled=compiled,
        )
        db.add(version)
        db.flush()
        assert version.id is not None
        for item in compiled["items"]:
            db.add(Item(pack_version_id=version.id, key=item["key"], position=item["position"], type=item["type"]))
    pack.current_version_id = version.id
    db.add(pack)
    db.flush()
    return version


def sync_shipped_packs(db: Any, lessons_dir: Path) -> list[CheckedPack]:
    """Load every pack in ``lessons_dir``; a pack with errors is logged and skipped."""
    results = []
    for folder in pack_folders([lessons_dir]):
        checked = check_folder(folder)
        for diagnostic in checked.diagnostics:
            (log.error if diagnostic.severity == "error" else log.warning)("%s", diagnostic)
        if checked.compiled is None:
            log.error("pack %s skipped because of the errors above", folder.name)
        else:
            with db.writing() as session:
                store_media(session, checked.media)
                store_version(session, checked.compiled, school_id=None, owner_id=None, shipped=True)
        results.append(checked)
    return results


class CompiledPacks:
    """Compiled pack versions by id. Versions never change, so caching them is safe."""

    def __init__(self) -> None:
        self._cache: dict[int, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def get(self, db: Session, version_id: int) -> dict[str, Any]:
        cached = self._cache.get(version_id)
        if cached is not None:
            return cached
        version = db.get(PackVersion, version_id)
        if version is None:
            raise LookupError(version_id)
        compiled = dict(version.compiled)
        compiled["item_ids"] = {
            row.key: row.id
            for row in db.execute(select(col(Item.key), col(Item.id)).where(Item.pack_version_id == version_id))  # type: ignore[arg-type]
        }
        compiled["by_key"] = {item["key"]: item for item in compiled["items"]}
        with self._lock:
            self._cache[version_id] = compiled
        return compiled


def usable_packs(db: Session, compiled: CompiledPacks, *, school_id: int | None) -> list[tuple[Pack, dict[str, Any]]]:
    """Packs a school may use: the shipped ones and its own, with their current version."""
    mine = Pack.school_id == school_id if school_id is not None else Pack.shipped  # type: ignore[arg-type]
    statement = select(Pack).where((Pack.shipped) | (mine), Pack.current_version_id.is_not(None)).order_by(Pack.key)  # type: ignore[arg-type,union-attr,operator]
    packs = list(db.execute(statement).scalars())
    return [(pack, compiled.get(db, pack.current_version_id)) for pack in packs if pack.current_version_id is not None]
