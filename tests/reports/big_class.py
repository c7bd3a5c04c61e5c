"""A class of 30 pupils who answered a pack of 200 verdict items: for query counts and timing."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import select

from app.classroom.models import Assignment, Class, Pupil
from app.packs.library import store_version
from app.packs.models import Item
from app.practice.models import Answer

TECHNIQUES = ["emotion", "impersonation", "conspiracy", "false-context", "cherry-picking"]


def big_compiled(items: int = 200) -> dict[str, Any]:
    return {
        "key": "big-pack",
        "title": "Big pack",
        "version": "1.0.0",
        "language": "en",
        "verdicts": ["Fact", "Fake"],
        "content_hash": "big" * 8,
        "items": [
            {
                "key": f"item-{n}",
                "type": "verdict",
                "position": n,
                "title": f"Headline {n}",
                "answer": "Fact" if n % 2 else "Fake",
                "techniques": [] if n % 2 else [TECHNIQUES[n % len(TECHNIQUES)]],
                "confidence": True,
                "renamed_from": None,
            }
            for n in range(items)
        ],
    }


def big_class(database: Any, school_id: int, teacher_id: int, *, pupils: int = 30, items: int = 200) -> int:
    """Store the pack, a class, its pupils and every answer; return the assignment's id."""
    rng = random.Random(7)
    with database.writing() as db:
        version = store_version(db, big_compiled(items), school_id=school_id, owner_id=teacher_id, shipped=False)
        school_class = Class(school_id=school_id, teacher_id=teacher_id, name="big", join_code="BIGCLASS1")
        db.add(school_class)
        db.flush()
        assignment = Assignment(class_id=school_class.id, pack_id=version.pack_id)
        db.add(assignment)
        db.flush()
        ids = dict(db.execute(select(Item.key, Item.id).where(Item.pack_version_id == version.id)).all())
        rows = []
        for p in range(pupils):
            pupil = Pupil(
                id=f"bigpupil{p:02d}", class_id=school_class.id, pseudonym=f"P{p:02d}", resume_code_hash=f"big{p:02d}"
            )
            db.add(pupil)
            for item in big_compiled(items)["items"]:
                choice = rng.choice(["Fact", "Fake"])
                right = choice == item["answer"]
                rows.append(
                    {
                        "pupil_id": pupil.id,
                        "assignment_id": assignment.id,
                        "pack_id": version.pack_id,
                        "item_id": ids[item["key"]],
                        "item_key": item["key"],
                        "attempt": 1,
                        "final": True,
                        "choice": choice,
                        "confidence": rng.choice([50, 75, 100]),
                        "score": 1.0 if right else 0.0,
                        "is_correct": right,
                    }
                )
        db.flush()
        db.execute(Answer.__table__.insert(), rows)  # type: ignore[attr-defined]
        assert assignment.id is not None
        return assignment.id
