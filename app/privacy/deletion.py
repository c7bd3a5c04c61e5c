"""Deleting a pupil, a class or a school with everything that refers to them.

The rows to delete are found by walking the foreign keys of every table in the metadata,
so a table added later is covered without a change here. Foreign keys declared
``ON DELETE SET NULL`` are emptied instead (the audit log keeps an entry when its actor goes).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Table, delete, select, update
from sqlmodel import Session

from app.accounts.models import School
from app.classroom.models import Class, Pupil
from app.models import metadata
from app.packs.models import Pack, PackMedia, PackVersion
from app.privacy.models import AuditEntry


def _references_to(table: Table) -> list[tuple[Table, Any, Any]]:
    """(child table, child column, parent column) for every foreign key pointing at ``table``."""
    found = []
    for child in metadata.sorted_tables:
        for key in child.foreign_keys:
            if key.column.table is table:
                found.append((child, key.parent, key.column))
    return found


def delete_where(db: Session, table: Table, where: ColumnElement[bool], _path: tuple[Table, ...] = ()) -> int:
    """Delete the rows of ``table`` matching ``where``, and first every row that refers to them."""
    if table in _path:
        raise RuntimeError(f"foreign keys form a cycle through {table.name}")
    for child, column, parent_column in _references_to(table):
        referred = column.in_(select(parent_column).where(where))
        if child is table or _set_null(column):
            # A row pointing at its own table (a retest at its pre-test), or a link declared SET NULL.
            db.execute(update(child).where(referred).values({column.name: None}))
        else:
            delete_where(db, child, referred, (*_path, table))
    return db.execute(delete(table).where(where)).rowcount  # type: ignore[attr-defined,no-any-return]


def _set_null(column: Any) -> bool:
    return any((key.ondelete or "").upper() == "SET NULL" for key in column.foreign_keys)


def _table(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def forget_pupils_in_audit(db: Session, pupil_ids: Any) -> None:
    """Audit entries keep what was done, but no longer to which pupil."""
    entries = _table(AuditEntry)
    db.execute(
        update(entries)
        .where(entries.c.subject_type == "pupil", entries.c.subject_id.in_(pupil_ids))
        .values(subject_id=None)
    )


def delete_pupil(db: Session, pupil_id: str) -> int:
    """Delete one pupil with their answers and sessions."""
    pupils = _table(Pupil)
    forget_pupils_in_audit(db, [pupil_id])
    return delete_where(db, pupils, pupils.c.id == pupil_id)


def delete_pupils(db: Session, pupil_ids: Any) -> int:
    """Delete these pupils (a list or a subquery of ids) with everything of theirs."""
    pupils = _table(Pupil)
    forget_pupils_in_audit(db, pupil_ids)
    return delete_where(db, pupils, pupils.c.id.in_(pupil_ids))


def delete_pupils_of_classes(db: Session, class_ids: Any) -> int:
    """Delete every pupil of these classes (a list or a subquery of class ids)."""
    pupils = _table(Pupil)
    return delete_pupils(db, select(pupils.c.id).where(pupils.c.class_id.in_(class_ids)))


def delete_class(db: Session, class_id: int) -> int:
    """Delete a class with its pupils, assignments, live sessions and answers."""
    classes = _table(Class)
    delete_pupils_of_classes(db, [class_id])
    return delete_where(db, classes, classes.c.id == class_id)


def delete_school(db: Session, school_id: int) -> int:
    """Delete a school: accounts, classes, pupils, its own packs and their pictures, its audit log.

    Shipped packs have no school and stay; so do pictures another pack still shows.
    """
    media = _media_of(db, select(_table(Pack).c.id).where(_table(Pack).c.school_id == school_id))
    delete_pupils_of_classes(db, select(_table(Class).c.id).where(_table(Class).c.school_id == school_id))
    schools = _table(School)
    deleted = delete_where(db, schools, schools.c.id == school_id)
    unused = media - _media_of(db, select(_table(Pack).c.id))
    if unused:
        db.execute(delete(_table(PackMedia)).where(_table(PackMedia).c.sha256.in_(sorted(unused))))
    return deleted


def _media_of(db: Session, pack_ids: Any) -> set[str]:
    """The sha256 of every picture the versions of these packs show."""
    versions = _table(PackVersion)
    found: set[str] = set()
    rows = db.execute(select(versions.c.sources).where(versions.c.pack_id.in_(pack_ids)))
    for (sources,) in rows:
        found.update(((sources or {}).get("media") or {}).values())
    return found
