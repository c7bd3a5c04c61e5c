"""Seed a school with a large answer table: ``python -m bench.seed [--answers N] [--database-url URL]``.

Generated, never committed: a school "Statistik-Schule" with classes of 25 pupils, a
generated 200-item pack opened for every class, and every pupil answering every item
until N answers exist. Rows are generated inside the database (INSERT … SELECT), so a
million answers take seconds, not minutes. Prints the school's id as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import time

from sqlalchemy import insert, select, text
from sqlmodel import col

from app.accounts.services import create_school_with_admin
from app.classroom.models import Assignment, Class, Pupil
from app.clock import now
from app.db import Database, create_db_engine
from app.packs.compiler import compile_pack
from app.packs.diagnostics import Report
from app.packs.library import store_version
from bench import packgen

ITEMS = 200
CLASS_SIZE = 25


def seed(database: Database, answers: int) -> dict[str, int]:
    pupils = -(-answers // ITEMS)
    classes = -(-pupils // CLASS_SIZE)
    with database.writing() as db:
        admin = create_school_with_admin(
            db,
            school_name="Statistik-Schule",
            email=f"stats-{secrets.token_hex(3)}@schule.example",
            display_name="Statistik",
            password="korrekt-pferd-batterie-stats",
        )
        school_id = admin.school_id
        compiled = compile_pack(packgen.pack_files(f"stats-{secrets.token_hex(2)}", ITEMS), Report())
        assert compiled is not None
        version = store_version(db, compiled, school_id=school_id, owner_id=admin.id, shipped=False)
        class_rows = [
            {
                "school_id": school_id,
                "teacher_id": admin.id,
                "name": f"Klasse {n + 1:03d}",
                "join_code": secrets.token_hex(6).upper(),
                "is_open": True,
                "created_at": now(),
            }
            for n in range(classes)
        ]
        db.execute(insert(Class.__table__), class_rows)  # type: ignore[attr-defined]
        class_ids = list(db.execute(select(col(Class.id)).where(col(Class.school_id) == school_id)).scalars())
        db.execute(
            insert(Assignment.__table__),  # type: ignore[attr-defined]
            [{"class_id": c, "pack_id": version.pack_id, "kind": "practice", "created_at": now()} for c in class_ids],
        )
        db.execute(
            insert(Pupil.__table__),  # type: ignore[attr-defined]
            [
                {
                    "id": secrets.token_hex(12),
                    "class_id": class_ids[n // CLASS_SIZE],
                    "pseudonym": f"Kind {n % CLASS_SIZE + 1:02d}",
                    "resume_code_hash": secrets.token_hex(32),
                    "created_at": now(),
                }
                for n in range(pupils)
            ],
        )
        # Every pupil answers every item; about 70 % right, spread over pupils and items.
        right = (
            "(abs(hashtext(p.id || i.key)) % 10) < 7"
            if database.engine.dialect.name == "postgresql"
            else ("(abs(random()) % 10) < 7")
        )
        db.execute(
            text(
                "INSERT INTO answer (pupil_id, assignment_id, pack_id, item_id, item_key, choice, confidence, "
                "is_correct, created_at) "
                f"SELECT p.id, s.id, :pack, i.id, i.key, CASE WHEN {right} THEN 'Fakt' ELSE 'Fake' END, NULL, {right}, "
                ":at FROM pupil p JOIN school_class c ON c.id = p.class_id "
                "JOIN assignment s ON s.class_id = c.id AND s.pack_id = :pack CROSS JOIN item i "
                "WHERE c.school_id = :school AND i.pack_version_id = :version "
                + ("" if answers == pupils * ITEMS else "ORDER BY p.id, i.position LIMIT :limit")
            ),
            {"pack": version.pack_id, "school": school_id, "version": version.id, "at": now(), "limit": answers},
        )
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))  # as autovacuum would have by the time anyone asks
    return {"school_id": int(school_id or 0), "pupils": pupils, "classes": classes, "answers": answers}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=os.environ.get("LUPE_DATABASE_URL", ""))
    args = parser.parse_args()
    if not args.database_url:
        raise SystemExit("give --database-url or LUPE_DATABASE_URL (the seed is meant for PostgreSQL)")
    started = time.monotonic()
    database = Database(create_db_engine(args.database_url))
    try:
        result = seed(database, args.answers)
    finally:
        database.close()
    print(json.dumps({**result, "seconds": round(time.monotonic() - started, 1)}))


if __name__ == "__main__":
    main()
