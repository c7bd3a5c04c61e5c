"""The seeded world of one run: a school, classes, 1,000 pupils with their own sessions, packs.

Seeded straight through the app's own services into the server's database (joining
1,000 pupils over HTTP would take longer than the benchmark itself).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from itertools import islice

from sqlalchemy import func, insert, select
from sqlmodel import Session, col

from app.accounts.models import Account, Role
from app.accounts.services import create_school_with_admin
from app.classroom.assignments import create_assignment
from app.classroom.models import AssignmentKind, Pupil
from app.classroom.services import create_class
from app.clock import now
from app.db import Database
from app.packs.compiler import compile_pack
from app.packs.diagnostics import Report
from app.packs.library import store_version
from app.packs.models import Item, Pack
from app.practice.models import Answer
from app.security.sessions import SessionCookies
from app.settings import Settings
from bench import packgen
from bench.config import BIG_PACK_ITEMS, CLASS_SIZE, DEMO_PACK, LIVE_ROOMS, LOAD_PUPILS

BIG_PACK = "bench-200"


@dataclass
class Pupils:
    ids: list[str]
    cookies: list[str]


@dataclass
class LiveRoom:
    """A class of 30 with a live lesson of the big pack, and a teacher of its own (streams are capped per person)."""

    class_id: int
    assignment_id: int
    teacher_cookie: str
    pupils: Pupils


@dataclass
class World:
    school_id: int
    teacher_cookie: str
    demo_pack_id: int
    demo_keys: list[str]
    big_pack_id: int
    big_keys: list[str]
    load: Pupils  # LOAD_PUPILS pupils in classes of 30; both packs given to each class
    report_class_id: int  # 30 pupils × 200 answers in the big pack
    report_assignment_id: int
    live_rooms: list[LiveRoom]  # live lessons in the lobby, each used by one live_latency run
    big_assignments: list[int] = field(default_factory=list)  # per load pupil: their class's big-pack assignment
    demo_assignments: list[int] = field(default_factory=list)  # per load pupil: their class's demo-pack assignment
    _next_item: list[int] = field(default_factory=list)

    def take(self, pupil: int) -> tuple[int, str]:
        """An (assignment, item) this load pupil has not answered yet: the big pack's items in order."""
        index = self._next_item[pupil]
        if index >= len(self.big_keys):
            raise RuntimeError(f"pupil {pupil} has answered every item")
        self._next_item[pupil] = index + 1
        return self.big_assignments[pupil], self.big_keys[index]

    def pairs(self, count: int, *, pupils: range | None = None) -> list[tuple[int, int, str]]:
        """``count`` fresh (pupil index, assignment, item) triples, round robin over pupils."""
        chosen = pupils or range(len(self.load.ids))

        def stream():  # noqa: ANN202
            while True:
                for pupil in chosen:
                    yield (pupil, *self.take(pupil))

        return list(islice(stream(), count))


def seed_world(database: Database, settings: Settings) -> World:
    cookies = SessionCookies(settings)
    with database.writing() as db:
        admin = create_school_with_admin(
            db,
            school_name="Bench-Gesamtschule",
            email=f"bench-{secrets.token_hex(3)}@schule.example",
            display_name="Frau Bench",
            password="korrekt-pferd-batterie-bench",
        )
        assert admin.id is not None and admin.school_id is not None
        teacher_cookie = cookies.start(db, account_id=admin.id)
        report = Report()
        compiled = compile_pack(packgen.pack_files(BIG_PACK, BIG_PACK_ITEMS), report)
        if compiled is None:
            raise RuntimeError(f"generated pack does not compile: {report.sorted()[:3]}")
        big = store_version(db, compiled, school_id=admin.school_id, owner_id=admin.id, shipped=False)
        demo = db.execute(select(Pack).where(col(Pack.key) == DEMO_PACK, col(Pack.school_id).is_(None))).scalar_one()
        assert demo.id is not None and demo.current_version_id is not None and big.id is not None
        demo_keys = _keys(db, demo.current_version_id)
        big_keys = _keys(db, big.id)
        school_id, teacher_id = admin.school_id, admin.id

        def new_class(
            name: str, pupils: int, packs: list[int], *, teacher: int = teacher_id, kind: str = "practice"
        ) -> tuple[int, Pupils, list[int]]:
            school_class = create_class(db, school_id=school_id, teacher_id=teacher, name=name)
            assert school_class.id is not None
            assignments = [
                create_assignment(db, class_id=school_class.id, pack_id=pack_id, kind=AssignmentKind(kind)).id
                for pack_id in packs
            ]
            ids = [secrets.token_hex(12) for _ in range(pupils)]
            for number, pupil_id in enumerate(ids):
                db.add(
                    Pupil(
                        id=pupil_id,
                        class_id=school_class.id,
                        pseudonym=f"Kind {number + 1:02d}",
                        resume_code_hash=secrets.token_hex(32),
                    )
                )
            db.flush()
            return school_class.id, Pupils(ids, [cookies.start(db, pupil_id=p) for p in ids]), assignments  # type: ignore[return-value]

        load = Pupils([], [])
        big_assignments: list[int] = []
        demo_assignments: list[int] = []
        for number, start in enumerate(range(0, LOAD_PUPILS, CLASS_SIZE)):
            _, pupils, (big_assignment, demo_assignment) = new_class(
                f"Last {number + 1:02d}", min(CLASS_SIZE, LOAD_PUPILS - start), [big.pack_id, demo.id]
            )
            load.ids += pupils.ids
            load.cookies += pupils.cookies
            big_assignments += [big_assignment] * len(pupils.ids)
            demo_assignments += [demo_assignment] * len(pupils.ids)
        report_class_id, report_pupils, (report_assignment_id,) = new_class("Bericht 9c", CLASS_SIZE, [big.pack_id])
        live_rooms = []
        for number in range(LIVE_ROOMS):
            teacher = Account(
                school_id=school_id,
                email=f"live-{number + 1}-{secrets.token_hex(3)}@schule.example",
                display_name=f"Live {number + 1}",
                password_hash="!",  # never signs in with a password: the bench gives it a session
                role=Role.teacher.value,
            )
            db.add(teacher)
            db.flush()
            assert teacher.id is not None
            class_id, pupils, (assignment_id,) = new_class(
                f"Live {number + 1:02d}", CLASS_SIZE, [big.pack_id], teacher=teacher.id, kind="live"
            )
            live_rooms.append(LiveRoom(class_id, assignment_id, cookies.start(db, account_id=teacher.id), pupils))
        item_ids: dict[str, int] = dict(
            db.execute(select(col(Item.key), col(Item.id)).where(col(Item.pack_version_id) == big.id)).tuples().all()
        )
        rows = [
            {
                "pupil_id": pupil_id,
                "assignment_id": report_assignment_id,
                "pack_id": big.pack_id,
                "item_id": item_ids[key],
                "item_key": key,
                "choice": "Fakt" if (n + position) % 3 else "Fake",
                "confidence": None,
                "is_correct": (n + position) % 3 != 0,
                "created_at": now(),
            }
            for n, pupil_id in enumerate(report_pupils.ids)
            for position, key in enumerate(big_keys)
        ]
        db.execute(insert(Answer.__table__), rows)  # type: ignore[attr-defined]
    return World(
        school_id=admin.school_id,
        teacher_cookie=teacher_cookie,
        demo_pack_id=demo.id,
        demo_keys=demo_keys,
        big_pack_id=big.pack_id,
        big_keys=big_keys,
        load=load,
        report_class_id=report_class_id,
        report_assignment_id=report_assignment_id,
        live_rooms=live_rooms,
        big_assignments=big_assignments,
        demo_assignments=demo_assignments,
        _next_item=[0] * len(load.ids),
    )


def _keys(db: Session, version_id: int) -> list[str]:
    return list(
        db.execute(
            select(col(Item.key)).where(col(Item.pack_version_id) == version_id).order_by(col(Item.position))
        ).scalars()
    )


def stored_pairs(database: Database) -> set[tuple[str, int, str]]:
    """Every stored (pupil, assignment, item key)."""
    with database.read_session() as db:
        statement = select(col(Answer.pupil_id), col(Answer.assignment_id), col(Answer.item_key))
        return set(db.execute(statement).tuples().all())


def answer_count(database: Database) -> int:
    with database.read_session() as db:
        return int(db.execute(select(func.count()).select_from(Answer)).scalar_one())
