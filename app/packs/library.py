"""Storing compiled packs as versions, loading the shipped ones, and finding them again."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select
from sqlmodel import Session, col

from app.packs.diagnostics import N_, Diagnostic, Report
from app.packs.media import Media
from app.packs.models import Item, Pack, PackMedia, PackVersion
from app.packs.sources import SourceFile, content_hash, read_pack_folder
from app.packs.vocabulary import PACK_FILE
from app.plain import Reads

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckedPack:
    folder: Path
    compiled: dict[str, Any] | None
    diagnostics: list[Diagnostic]
    media: dict[str, Media] = field(default_factory=dict)
    files: list[SourceFile] = field(default_factory=list)


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
    from app.packs.compiler import compile_pack  # Markdown, YAML, nh3: only where packs are compiled

    report = Report()
    media: dict[str, Media] = {}
    files = read_pack_folder(folder, report, shown_as=shown_as, media=media)
    compiled = compile_pack(files, report, media)
    return CheckedPack(folder, compiled, report.sorted(), media, files)


def store_media(db: Session, media: dict[str, Media]) -> None:
    """Store each picture once, by content."""
    for entry in media.values():
        if db.get(PackMedia, entry.sha256) is None:
            db.add(
                PackMedia(sha256=entry.sha256, content_type=entry.content_type, size=len(entry.data), data=entry.data)
            )
    db.flush()


class VersionConflict(ValueError):
    """A new version would lose items that answers point to."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("; ".join(map(str, diagnostics)))
        self.diagnostics = diagnostics


def find_pack(db: Session, key: str, school_id: int | None) -> Pack | None:
    same_owner = col(Pack.school_id).is_(None) if school_id is None else col(Pack.school_id) == school_id
    return db.execute(select(Pack).where(col(Pack.key) == key, same_owner)).scalar_one_or_none()


def disappeared_items(
    previous: dict[str, Any], compiled: dict[str, Any], pack_file: str = PACK_FILE
) -> list[Diagnostic]:
    """Items of ``previous`` that ``compiled`` neither keeps nor names in ``renamed-from``."""
    kept = {item["key"] for item in compiled["items"]} | {
        item["renamed_from"] for item in compiled["items"] if item.get("renamed_from")
    }
    report = Report()
    for item in previous["items"]:
        if item["key"] not in kept:
            report.error(
                pack_file,
                1,
                1,
                "ITEM012",
                N_(
                    "item '%(id)s' of version %(version)s is missing: keep its id, or add "
                    "renamed-from=%(id)s to the item that replaces it"
                ),
                id=item["key"],
                version=str(previous["version"]),
            )
    return report.sorted()


def store_version(
    db: Session,
    compiled: dict[str, Any],
    *,
    school_id: int | None,
    owner_id: int | None,
    shipped: bool,
    files: list[SourceFile] | None = None,
    media: dict[str, Media] | None = None,
    pack: Pack | None = None,
) -> PackVersion:
    """Make ``compiled`` the pack's current version; an unchanged pack keeps its version.

    Raises :class:`VersionConflict` when an item of the current version would disappear.
    """
    pack = pack or find_pack(db, compiled["key"], school_id)
    if pack is None:
        pack = Pack(key=compiled["key"], school_id=school_id, owner_id=owner_id, shipped=shipped)
        db.add(pack)
        db.flush()
    assert pack.id is not None
    version = db.execute(
        select(PackVersion).where(
            col(PackVersion.pack_id) == pack.id, col(PackVersion.content_hash) == compiled["content_hash"]
        )
    ).scalar_one_or_none()
    if version is None:
        if pack.current_version_id is not None:
            previous = db.get(PackVersion, pack.current_version_id)
            conflicts = disappeared_items(previous.compiled, compiled) if previous else []
            if conflicts:
                raise VersionConflict(conflicts)
        store_media(db, media or {})
        version = PackVersion(
            pack_id=pack.id,
            version=compiled["version"],
            title=compiled["title"],
            language=compiled["language"],
            content_hash=compiled["content_hash"],
            compiled=compiled,
            sources={
                "files": {Path(f.path).name: f.text for f in files or []},
                "media": {name: m.sha256 for name, m in (media or {}).items()},
            },
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
        unchanged = _unchanged(db, folder)
        if unchanged is not None:  # the current version already is this Markdown: nothing to compile
            results.append(unchanged)
            continue
        checked = check_folder(folder)
        for diagnostic in checked.diagnostics:
            (log.error if diagnostic.severity == "error" else log.warning)("%s", diagnostic)
        if checked.compiled is None:
            log.error("pack %s skipped because of the errors above", folder.name)
        else:
            try:
                with db.writing() as session:
                    store_version(
                        session,
                        checked.compiled,
                        school_id=None,
                        owner_id=None,
                        shipped=True,
                        files=checked.files,
                        media=checked.media,
                    )
            except VersionConflict as conflict:
                for diagnostic in conflict.diagnostics:
                    log.error("%s/%s", folder, diagnostic)
                log.error("pack %s keeps its previous version because of the errors above", folder.name)
        results.append(checked)
    return results


def shipped_packs_as_stored(db: Session, lessons_dir: Path) -> int | None:
    """The number of packs in ``lessons_dir`` when each is already a shipped pack's current version
    exactly; None when one must be compiled (or has errors to log). Reads and hashes, compiles nothing."""
    stored = set(
        db.execute(
            select(col(PackVersion.content_hash))
            .join(Pack, col(Pack.current_version_id) == col(PackVersion.id))
            .where(col(Pack.shipped))
        ).scalars()
    )
    folders = pack_folders([lessons_dir])
    for folder in folders:
        read = _read_cleanly(folder)
        if read is None or read[2] not in stored:
            return None
    return len(folders)


def _unchanged(db: Any, folder: Path) -> CheckedPack | None:
    """The folder as already stored, when a shipped pack's current version has exactly its content."""
    read = _read_cleanly(folder)
    if read is None:
        return None
    files, media, digest = read
    with db.read_session() as session:
        compiled = session.execute(
            select(col(PackVersion.compiled))
            .join(Pack, col(Pack.current_version_id) == col(PackVersion.id))
            .where(col(Pack.shipped), col(PackVersion.content_hash) == digest)
        ).scalar_one_or_none()
    return CheckedPack(folder, compiled, [], media, files) if compiled is not None else None


def _read_cleanly(folder: Path) -> tuple[list[SourceFile], dict[str, Media], str] | None:
    """A pack folder's files, pictures and content hash; None when reading it found errors
    (compiling it again reports them)."""
    report = Report()
    media: dict[str, Media] = {}
    files = read_pack_folder(folder, report, media=media)
    if report.has_errors or not files:
        return None
    return files, media, content_hash(files, media)


_COMPILED_QUERY = select(col(PackVersion.compiled)).where(col(PackVersion.id) == bindparam("version_id"))
_ITEM_IDS_QUERY = select(col(Item.key), col(Item.id)).where(col(Item.pack_version_id) == bindparam("version_id"))


class CompiledPacks:
    """Compiled pack versions by id. Versions never change, so caching them is safe."""

    def __init__(self) -> None:
        self._cache: dict[int, dict[str, Any]] = {}
        self._summaries: dict[int, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def cached(self, version_id: int) -> dict[str, Any] | None:
        """The version if this process has loaded it already."""
        return self._cache.get(version_id)

    def get(self, db: Reads, version_id: int) -> dict[str, Any]:
        """The version, loaded on ``db`` the first time (a Session, or the answer path's plain connection)."""
        from app.practice.services import visible_lookup

        cached = self._cache.get(version_id)
        if cached is not None:
            return cached
        # The compiled column alone: the whole row would also decode the version's Markdown sources.
        row = db.execute(_COMPILED_QUERY, {"version_id": version_id}).first()
        if row is None:
            raise LookupError(version_id)
        compiled: dict[str, Any] = row.compiled
        compiled["item_ids"] = {row.key: row.id for row in db.execute(_ITEM_IDS_QUERY, {"version_id": version_id})}
        compiled["by_key"] = {item["key"]: item for item in compiled["items"]}
        compiled["visible"] = visible_lookup(compiled)  # the items pupils see, worked out once
        with self._lock:
            self._cache[version_id] = compiled
        return compiled

    def summaries(self, db: Session, version_ids: list[int]) -> dict[int, dict[str, Any]]:
        """What lists of packs show, by version id: title, version, language and ``items`` (their keys).

        A teacher's pack picker lists every pack; loading each compiled version for a title
        and a count would keep all of them in memory (22 shipped packs: about 4 MB).
        """
        missing = [version_id for version_id in version_ids if version_id not in self._summaries]
        if missing:
            keys: dict[int, list[str]] = {version_id: [] for version_id in missing}
            for version_id, key in db.execute(
                select(col(Item.pack_version_id), col(Item.key))
                .where(col(Item.pack_version_id).in_(missing))
                .order_by(col(Item.pack_version_id), col(Item.position))
            ):
                keys[version_id].append(key)
            rows = db.execute(
                select(
                    col(PackVersion.id), col(PackVersion.title), col(PackVersion.version), col(PackVersion.language)
                ).where(col(PackVersion.id).in_(missing))
            )
            found = {
                row.id: {"title": row.title, "version": row.version, "language": row.language, "items": keys[row.id]}
                for row in rows
            }
            with self._lock:
                self._summaries.update(found)
        return {version_id: self._summaries[version_id] for version_id in version_ids if version_id in self._summaries}

    def current(self, db: Session, pack_id: int) -> dict[str, Any] | None:
        """The pack's current version (reports and live lessons follow items by key across versions)."""
        pack = db.get(Pack, pack_id)
        if pack is None or pack.current_version_id is None:
            return None
        return self.get(db, pack.current_version_id)


def usable_packs(db: Session, compiled: CompiledPacks, account: Any) -> list[tuple[Pack, dict[str, Any]]]:
    """Packs this teacher may use (the shipped ones, the school's shared ones and their own), each with
    its current version's summary (:meth:`CompiledPacks.summaries`); ``compiled.get`` has the content."""
    from app.security.authz import may_use_pack

    mine = col(Pack.school_id) == account.school_id
    statement = (
        select(Pack)
        .where(col(Pack.shipped) | mine, col(Pack.current_version_id).is_not(None))
        .order_by(col(Pack.shipped), col(Pack.key))
    )
    packs = [pack for pack in db.execute(statement).scalars() if may_use_pack(account, pack)]
    summaries = compiled.summaries(db, [pack.current_version_id for pack in packs if pack.current_version_id])
    return [(pack, summaries[pack.current_version_id]) for pack in packs if pack.current_version_id in summaries]
