"""Export of a pupil, a class or a school: a zip of CSV and JSON, built row by row into a file.

Every table is written twice, as ``<name>.csv`` (UTF-8 with BOM, so spreadsheets read umlauts)
and ``<name>.json``; rows are streamed from the database, so a big school needs little memory.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Select, select
from sqlmodel import Session

from app import __version__
from app.accounts.models import Account, School
from app.classroom.models import Assignment, Class, Pupil
from app.clock import now
from app.packs.models import Pack, PackVersion
from app.practice.models import Answer
from app.privacy.models import AuditEntry
from app.privacy.retention import policy_of

# Spreadsheets run a cell starting with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
STREAM_ROWS = 500


def _t(model: Any) -> Any:
    return model.__table__


_answers, _pupils, _classes, _assignments = _t(Answer), _t(Pupil), _t(Class), _t(Assignment)
_packs, _versions, _accounts, _audit = _t(Pack), _t(PackVersion), _t(Account), _t(AuditEntry)


@dataclass(frozen=True)
class Scope:
    """What to export: ``kind`` is pupil, class or school; ``key`` its id."""

    kind: str
    key: str | int
    school_id: int


def safe_cell(value: Any) -> Any:
    """A CSV cell that no spreadsheet runs as a formula."""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_START) else value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return safe_cell(json.dumps(value, ensure_ascii=False))
    return value


def download_name(scope: Scope, day: date) -> str:
    """A file name made only of safe characters, whatever the ids hold."""
    key = re.sub(r"[^A-Za-z0-9]", "", str(scope.key))[:32] or "x"
    return f"lupe-{scope.kind}-{key}-{day.isoformat()}.zip"


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


class _Writer:
    """Writes tables into an open zip, each as CSV and JSON."""

    def __init__(self, archive: zipfile.ZipFile, db: Session) -> None:
        self.archive = archive
        self.db = db
        self.files: list[str] = []

    def table(self, name: str, statement: Select[Any]) -> None:
        """Both files for the rows of ``statement`` (queried twice, streamed each time)."""
        columns = [c.name for c in statement.selected_columns]
        with self._member(f"{name}.csv", "utf-8-sig") as out:
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(columns)
            for row in self._rows(statement):
                writer.writerow([safe_cell(v) for v in row])
        with self._member(f"{name}.json", "utf-8") as out:
            out.write("[")
            for index, row in enumerate(self._rows(statement)):
                record = {c: _json_value(v) for c, v in zip(columns, row, strict=True)}
                out.write(("," if index else "") + "\n" + json.dumps(record, ensure_ascii=False))
            out.write("\n]\n")

    def document(self, name: str, content: dict[str, Any]) -> None:
        with self._member(name, "utf-8") as out:
            json.dump(content, out, ensure_ascii=False, indent=2, default=_json_value)

    def _rows(self, statement: Select[Any]) -> Iterator[Any]:
        yield from self.db.execute(statement.execution_options(yield_per=STREAM_ROWS))

    def _member(self, name: str, encoding: str) -> io.TextIOWrapper:
        self.files.append(name)
        return io.TextIOWrapper(self.archive.open(name, "w", force_zip64=True), encoding=encoding, newline="")


def write_export(db: Session, scope: Scope, target: IO[bytes] | Path) -> None:
    """The export of ``scope`` as a zip into ``target``."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        writer = _Writer(archive, db)
        EXPORTERS[scope.kind](writer, scope)
        writer.document(
            "manifest.json",
            {
                "format": "lupe-export",
                "lupe_version": __version__,
                "scope": scope.kind,
                "id": scope.key,
                "school_id": scope.school_id,
                "exported_at": now(),
                "files": [*writer.files, "manifest.json"],
            },
        )


def export_to_temp_file(db: Session, scope: Scope) -> Path:
    """The export in a temporary file; the caller deletes it once sent."""
    with tempfile.NamedTemporaryFile(prefix="lupe-export-", suffix=".zip", delete=False) as handle:
        path = Path(handle.name)
    try:
        write_export(db, scope, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def _answer_rows(pupil_ids: Any) -> Select[Any]:
    return (
        select(
            _answers.c.id,
            _answers.c.pupil_id,
            _answers.c.assignment_id,
            _packs.c.key.label("pack"),
            _answers.c.item_key,
            _answers.c.attempt,
            _answers.c.final,
            _answers.c.choice,
            _answers.c.response,
            _answers.c.confidence,
            _answers.c.score,
            _answers.c.is_correct,
            _answers.c.created_at,
        )
        .join(_packs, _packs.c.id == _answers.c.pack_id)
        .where(_answers.c.pupil_id.in_(pupil_ids))
        .order_by(_answers.c.id)
    )


def _pupil_rows(where: Any) -> Select[Any]:
    columns = (_pupils.c.id, _pupils.c.class_id, _pupils.c.pseudonym, _pupils.c.created_at)
    return select(*columns).where(where).order_by(_pupils.c.class_id, _pupils.c.pseudonym)


def _class_tables(writer: _Writer, class_ids: Any) -> None:
    """Classes, their assignments, pupils and answers."""
    writer.table(
        "classes",
        select(_classes.c.id, _classes.c.name, _classes.c.teacher_id, _classes.c.is_open, _classes.c.created_at)
        .where(_classes.c.id.in_(class_ids))
        .order_by(_classes.c.id),
    )
    writer.table(
        "assignments",
        select(
            _assignments.c.id,
            _assignments.c.class_id,
            _packs.c.key.label("pack"),
            *(
                _assignments.c[name]
                for name in ("kind", "opens_at", "closes_at", "closed_at", "retest_of", "created_at")
            ),
        )
        .join(_packs, _packs.c.id == _assignments.c.pack_id)
        .where(_assignments.c.class_id.in_(class_ids))
        .order_by(_assignments.c.id),
    )
    writer.table("pupils", _pupil_rows(_pupils.c.class_id.in_(class_ids)))
    writer.table("answers", _answer_rows(select(_pupils.c.id).where(_pupils.c.class_id.in_(class_ids))))


def _export_pupil(writer: _Writer, scope: Scope) -> None:
    writer.table("pupils", _pupil_rows(_pupils.c.id == scope.key))
    writer.table("answers", _answer_rows([scope.key]))


def _export_class(writer: _Writer, scope: Scope) -> None:
    _class_tables(writer, [scope.key])


def _export_school(writer: _Writer, scope: Scope) -> None:
    school = writer.db.get(School, scope.school_id)
    assert school is not None
    writer.document(
        "school.json",
        {
            "id": school.id,
            "name": school.name,
            "created_at": school.created_at,
            "retention": vars(policy_of(writer.db, scope.school_id)),
        },
    )
    writer.table(
        "accounts",
        select(*(_accounts.c[n] for n in ("id", "display_name", "email", "role", "disabled", "created_at")))
        .where(_accounts.c.school_id == scope.school_id)
        .order_by(_accounts.c.id),
    )
    writer.table(
        "packs",
        select(_packs.c.id, _packs.c.key, _versions.c.title, _versions.c.version, _packs.c.owner_id, _packs.c.shared)
        .outerjoin(_versions, _versions.c.id == _packs.c.current_version_id)
        .where(_packs.c.school_id == scope.school_id)
        .order_by(_packs.c.id),
    )
    _class_tables(writer, select(_classes.c.id).where(_classes.c.school_id == scope.school_id))
    writer.table(
        "audit_log",
        select(
            *(
                _audit.c[n]
                for n in ("created_at", "actor_kind", "actor_account_id", "action", "subject_type", "subject_id")
            )
        )
        .where(_audit.c.school_id == scope.school_id)
        .order_by(_audit.c.created_at, _audit.c.id),
    )


EXPORTERS: dict[str, Callable[[_Writer, Scope], None]] = {
    "pupil": _export_pupil,
    "class": _export_class,
    "school": _export_school,
}


def iter_file(path: Path, chunk: int = 64 * 1024) -> Iterable[bytes]:
    """The file in chunks, deleted after the last one (for a streamed download)."""
    try:
        with path.open("rb") as handle:
            while block := handle.read(chunk):
                yield block
    finally:
        path.unlink(missing_ok=True)
