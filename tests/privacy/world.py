"""A full world of two schools, built with the models, and generic checks over every table."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, Table, TypeDecorator, func, insert, select
from sqlmodel import Session

from app.accounts.models import Account, AuthSession, Role, School
from app.classroom.models import Assignment, AssignmentKind, Class, Pupil
from app.clock import now
from app.live.models import LiveSession
from app.models import metadata
from app.packs.models import Item, Pack, PackMedia, PackVersion
from app.practice.models import Answer
from app.privacy.models import AuditEntry, RetentionPolicy


@dataclass
class SchoolWorld:
    """The ids of one school's things, and the strings that must vanish with them."""

    school_id: int = 0
    admin_id: int = 0
    teacher_id: int = 0
    class_ids: list[int] = field(default_factory=list)
    pupil_ids: list[str] = field(default_factory=list)
    pseudonyms: list[str] = field(default_factory=list)
    pack_id: int = 0
    media_sha: str = ""
    strings: list[str] = field(default_factory=list)  # strings that appear only in this school's rows


def _shipped_version(db: Session) -> tuple[int, int, list[Item]]:
    pack = db.execute(select(Pack).where(Pack.shipped).order_by(Pack.id).limit(1)).scalar_one()  # type: ignore[arg-type]
    items = list(db.execute(select(Item).where(Item.pack_version_id == pack.current_version_id)).scalars())  # type: ignore[arg-type]
    assert pack.id is not None and pack.current_version_id is not None and items
    return pack.id, pack.current_version_id, items


def _own_pack(db: Session, school: SchoolWorld, tag: str) -> tuple[int, list[Item]]:
    """A copy of a shipped pack as the school's own, with a picture of its own; returns a reflection item first."""
    shipped = db.execute(select(Pack).where(Pack.key == "chain-messages", Pack.shipped)).scalar_one()  # type: ignore[arg-type]
    original = db.get(PackVersion, shipped.current_version_id)
    assert original is not None
    data = f"picture of {tag}".encode()
    school.media_sha = hashlib.sha256(data).hexdigest()
    db.add(PackMedia(sha256=school.media_sha, content_type="image/png", size=len(data), data=data))
    pack = Pack(key=f"own-{tag.lower()}", school_id=school.school_id, owner_id=school.teacher_id, shared=True)
    db.add(pack)
    db.flush()
    assert pack.id is not None
    version = PackVersion(
        pack_id=pack.id,
        version="1",
        title=f"Eigenes Paket {tag}",
        language=original.language,
        content_hash=secrets.token_hex(8),
        compiled={**original.compiled, "key": pack.key, "title": f"Eigenes Paket {tag}"},
        sources={"files": {"pack.md": f"# {tag}"}, "media": {"bild.png": school.media_sha}},
    )
    db.add(version)
    db.flush()
    assert version.id is not None
    items = [
        Item(pack_version_id=version.id, key=i["key"], position=i["position"], type=i["type"])
        for i in original.compiled["items"]
    ]
    db.add_all(items)
    pack.current_version_id = version.id
    db.flush()
    school.pack_id = pack.id
    reflection = next(i for i in items if i.type == "reflection")
    return pack.id, [reflection, next(i for i in items if i.type == "verdict")]


def build_school(db: Session, tag: str, *, at: datetime | None = None) -> SchoolWorld:
    """A school with admin, teacher, two classes of pupils, assignments, a live lesson, answers, sessions, audit."""
    at = at or now()
    world = SchoolWorld()
    school = School(name=f"Schule {tag}", allow_reflection=True)
    db.add(school)
    db.flush()
    assert school.id is not None
    world.school_id = school.id
    world.strings += [school.name]
    for role, name in ((Role.school_admin, "admin"), (Role.teacher, "teacher")):
        account = Account(
            school_id=school.id,
            email=f"{name}@{tag.lower()}.example",
            display_name=f"{name} {tag}",
            password_hash="x",
            role=role.value,
        )
        db.add(account)
        db.flush()
        assert account.id is not None
        setattr(world, f"{name}_id", account.id)
        world.strings.append(account.email)
        db.add(AuthSession(token_hash=secrets.token_hex(32), account_id=account.id, expires_at=at + timedelta(hours=1)))
    db.add(
        RetentionPolicy(
            school_id=school.id, year_end_month=7, year_end_day=31, grace_days=90, free_text_days=30, audit_days=365
        )
    )
    add_classes(db, world, tag, at)
    db.add(
        AuditEntry(
            school_id=school.id,
            actor_kind="account",
            actor_account_id=world.teacher_id,
            action="class.view",
            subject_type="class",
            subject_id=str(world.class_ids[0]),
        )
    )
    db.add(
        AuditEntry(
            school_id=school.id,
            actor_kind="account",
            actor_account_id=world.teacher_id,
            action="pupil.export",
            subject_type="pupil",
            subject_id=world.pupil_ids[0],
        )
    )
    db.flush()
    return world


def add_classes(db: Session, world: SchoolWorld, tag: str, at: datetime | None = None) -> None:
    """Two classes of the world's teacher, each with two pupils, a pre-test, a live lesson and a post-test."""
    shipped_pack, _, shipped_items = _shipped_version(db)
    own_pack, own_items = _own_pack(db, world, tag)
    for number in (1, 2):
        _build_class(db, world, tag, number, [(shipped_pack, shipped_items), (own_pack, own_items)], at or now())


def _build_class(
    db: Session, world: SchoolWorld, tag: str, number: int, packs: list[tuple[int, list[Item]]], at: datetime
) -> None:
    code = secrets.token_hex(4).upper()
    school_class = Class(school_id=world.school_id, teacher_id=world.teacher_id, name=f"{number}{tag}", join_code=code)
    db.add(school_class)
    db.flush()
    assert school_class.id is not None
    world.class_ids.append(school_class.id)
    pupils = []
    for index in (1, 2):
        pupil = Pupil(
            id=secrets.token_hex(12),
            class_id=school_class.id,
            pseudonym=f"Qx{tag}{number}{index}",
            resume_code_hash=secrets.token_hex(32),
        )
        db.add(pupil)
        db.flush()
        db.add(AuthSession(token_hash=secrets.token_hex(32), pupil_id=pupil.id, expires_at=at + timedelta(hours=1)))
        world.pupil_ids.append(pupil.id)
        world.pseudonyms.append(pupil.pseudonym)
        pupils.append(pupil)
    pre = Assignment(class_id=school_class.id, pack_id=packs[0][0], kind=AssignmentKind.pre.value)
    live = Assignment(class_id=school_class.id, pack_id=packs[1][0], kind=AssignmentKind.live.value)
    db.add_all([pre, live])
    db.flush()
    db.add(LiveSession(assignment_id=live.id))
    db.add(Assignment(class_id=school_class.id, pack_id=packs[0][0], kind=AssignmentKind.post.value, retest_of=pre.id))
    for assignment, (pack_id, items) in ((pre, packs[0]), (live, packs[1])):
        for pupil in pupils:
            _answers(db, pupil, assignment, pack_id, items, at)
    db.flush()


def _answers(db: Session, pupil: Pupil, assignment: Assignment, pack_id: int, items: list[Item], at: datetime) -> None:
    for item in items[:3]:
        typed = item.type in ("reflection", "short")
        text = {"text": f"Ich heiße {pupil.pseudonym} und denke nach"} if typed else None
        db.add(
            Answer(
                pupil_id=pupil.id,
                assignment_id=assignment.id,
                pack_id=pack_id,
                item_id=item.id,
                item_key=item.key,
                choice="" if typed else "fake",
                response=text,
                score=1.0,
                is_correct=True,
                created_at=at,
            )
        )


def fill_empty_tables(db: Session, world: SchoolWorld) -> list[str]:
    """Give every table that is still empty one row pointing at ``world`` (tables added later are covered)."""
    own_pack = db.get(Pack, world.pack_id)
    assert own_pack is not None
    first_assignment = select(Assignment.id).where(Assignment.class_id == world.class_ids[0]).limit(1)  # type: ignore[arg-type]
    first_item = select(Item.id).where(Item.pack_version_id == own_pack.current_version_id).limit(1)  # type: ignore[arg-type]
    targets = {
        "school": world.school_id,
        "account": world.teacher_id,
        "school_class": world.class_ids[0],
        "pupil": world.pupil_ids[0],
        "pack": world.pack_id,
        "pack_version": own_pack.current_version_id,
        "assignment": db.execute(first_assignment).scalar_one(),
        "item": db.execute(first_item).scalar_one(),
    }
    filled = []
    for table in metadata.sorted_tables:
        if db.execute(select(func.count()).select_from(table)).scalar_one():
            continue
        values = {
            c.name: _dummy(c, targets)
            for c in table.columns
            if not (c.primary_key and isinstance(c.type, Integer) and not c.foreign_keys)  # the database numbers it
        }
        db.execute(insert(table).values(values))
        filled.append(table.name)
    db.flush()
    return filled


def _dummy(column: Any, targets: dict[str, Any]) -> Any:
    for key in column.foreign_keys:
        referred = key.column.table.name
        if referred not in targets:
            raise AssertionError(f"the world has no {referred} row for {column.table.name}.{column.name}; add one")
        return targets[referred]
    if column.nullable and not column.primary_key:
        return None
    kind = _python_type(column)
    dummies: dict[Any, Any] = {bool: False, int: 1, datetime: now(), date: date.today(), dict: {}, bytes: b""}
    if kind is str:
        return secrets.token_hex(min(8, (column.type.length or 16) // 2))
    if kind in dummies:
        return dummies[kind]
    raise AssertionError(f"no dummy value for {column.table.name}.{column.name} ({kind})")


def _python_type(column: Any) -> Any:
    kind = column.type
    while isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    try:
        return kind.python_type
    except NotImplementedError:
        return None


# Checks


def _rows(db: Session, table: Table) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in db.execute(select(table))]


def doomed_rows(db: Session, start: dict[str, set[Any]]) -> dict[str, set[tuple[Any, ...]]]:
    """Every row that refers, through foreign keys followed transitively, to the rows in ``start``.

    ``start`` maps a table name to values of its primary key (single-column keys). Links
    declared ON DELETE SET NULL do not doom the row that holds them.
    """
    tables = {t.name: t for t in metadata.sorted_tables}
    doomed: dict[str, set[tuple[Any, ...]]] = {name: set() for name in tables}
    keys: dict[tuple[str, str], set[Any]] = {}
    referred_columns: dict[str, list[str]] = {}
    for table in tables.values():
        for key in table.foreign_keys:
            referred_columns.setdefault(key.column.table.name, []).append(key.column.name)
    for name, values in start.items():
        (pk,) = tables[name].primary_key.columns
        keys[(name, pk.name)] = set(values)
    changed = True
    while changed:
        changed = False
        for table in tables.values():
            pk_columns = [c.name for c in table.primary_key.columns]
            for row in _rows(db, table):
                identity = tuple(row[c] for c in pk_columns)
                if identity in doomed[table.name]:
                    continue
                hit = table.name in start and len(pk_columns) == 1 and row[pk_columns[0]] in start[table.name]
                for key in table.foreign_keys:
                    if (key.ondelete or "").upper() == "SET NULL":
                        continue
                    if row[key.parent.name] in keys.get((key.column.table.name, key.column.name), set()):
                        hit = True
                if hit:
                    doomed[table.name].add(identity)
                    for column in referred_columns.get(table.name, []):
                        keys.setdefault((table.name, column), set()).add(row[column])
                    changed = True
    return doomed


def leftovers(db: Session, doomed: dict[str, set[tuple[Any, ...]]], strings: list[str]) -> list[str]:
    """What is still there: doomed rows, links to them (SET NULL ones too), the strings in any text/JSON column."""
    problems = []
    tables = {t.name: t for t in metadata.sorted_tables}
    gone_keys: dict[tuple[str, str], set[Any]] = {}
    for name, identities in doomed.items():
        table = tables[name]
        pk_columns = [c.name for c in table.primary_key.columns]
        if len(pk_columns) == 1:
            gone_keys[(name, pk_columns[0])] = {i[0] for i in identities}
        for identity in identities:
            condition = [table.c[c] == v for c, v in zip(pk_columns, identity, strict=True)]
            if db.execute(select(func.count()).select_from(table).where(*condition)).scalar_one():
                problems.append(f"{name} row {identity} is still there")
    for table in tables.values():
        for row in _rows(db, table):
            for key in table.foreign_keys:
                value = row[key.parent.name]
                if value is not None and value in gone_keys.get((key.column.table.name, key.column.name), set()):
                    problems.append(f"{table.name}.{key.parent.name} = {value} refers to a deleted row")
            for column in table.columns:
                if _python_type(column) in (str, dict, list) and row[column.name] is not None:
                    text = str(row[column.name])
                    problems += [f"{table.name}.{column.name} holds {s!r}" for s in strings if s in text]
    return problems


def row_counts(db: Session) -> dict[str, int]:
    return {t.name: db.execute(select(func.count()).select_from(t)).scalar_one() for t in metadata.sorted_tables}
