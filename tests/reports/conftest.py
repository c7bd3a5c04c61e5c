"""A school with a class, its teacher, colleagues, another school, pupils, and answers written directly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.classroom.models import Pupil
from app.packs.models import Pack
from app.practice.models import Answer
from tests.conftest import (
    create_class,
    join,
    new_client,
    open_pack,
    signed_in,
    two_schools,
)

PACK = "headline-test-a"
RETEST_PACK = "headline-test-b"


@dataclass
class World:
    app: Any
    admin: TestClient  # school admin of the first school
    owner: TestClient  # teacher who runs the class
    colleague: TestClient  # another teacher of the same school
    stranger: TestClient  # teacher of a second school
    stranger_admin: TestClient  # admin of the second school
    class_id: int
    code: str
    assignment_id: int


@pytest.fixture
def world(client: TestClient, app: Any, cheap_argon2: None) -> World:
    two_schools(client, app)
    owner = signed_in(app, "owner@eins.example", follow_redirects=True)
    class_id, code = create_class(owner)
    assignment_id = open_pack(owner, class_id, PACK, kind="pre")
    return World(
        app=app,
        admin=client,
        owner=owner,
        colleague=signed_in(app, "colleague@eins.example", follow_redirects=True),
        stranger=signed_in(app, "stranger@zwei.example", follow_redirects=True),
        stranger_admin=signed_in(app, "admin@zwei.example", follow_redirects=True),
        class_id=class_id,
        code=code,
        assignment_id=assignment_id,
    )


def pupil(world: World, pseudonym: str) -> tuple[TestClient, str]:
    """A pupil who joined the class: their browser and their id."""
    browser = new_client(world.app)
    join(browser, world.code, pseudonym)
    with world.app.state.lupe.db.read_session() as db:
        pupil_id = db.execute(
            select(Pupil.id).where(Pupil.class_id == world.class_id, Pupil.pseudonym == pseudonym)
        ).scalar_one()
    return browser, pupil_id


def answer(world: World, assignment_id: int, pupil_id: str, choices: dict[str, tuple[str, int | None]]) -> None:
    """Store settled verdict answers ``item key → (choice, confidence)`` as the writer would."""
    lupe = world.app.state.lupe
    with lupe.db.writing() as db:
        from app.classroom.models import Assignment

        assignment = db.get(Assignment, assignment_id)
        pack = db.get(Pack, assignment.pack_id)
        compiled = lupe.packs.get(db, pack.current_version_id)
        for key, (choice, confidence) in choices.items():
            right = choice == compiled["by_key"][key]["answer"]
            db.add(
                Answer(
                    pupil_id=pupil_id,
                    assignment_id=assignment_id,
                    pack_id=pack.id,
                    item_id=compiled["item_ids"][key],
                    item_key=key,
                    choice=choice,
                    confidence=confidence,
                    score=1.0 if right else 0.0,
                    is_correct=right,
                )
            )
