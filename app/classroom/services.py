"""Classes, join codes, pupils joining and resuming."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app.classroom import pseudonyms
from app.classroom.models import Class, Pupil
from app.security.codes import JOIN_CODE_LENGTH, RESUME_CODE_LENGTH, digest, new_code, normalise


class ClassroomError(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def create_class(db: Session, *, school_id: int, teacher_id: int, name: str) -> Class:
    cleaned = " ".join(name.split())
    if not 1 <= len(cleaned) <= 80:
        raise ClassroomError("class_name")
    school_class = Class(school_id=school_id, teacher_id=teacher_id, name=cleaned, join_code=_unused_join_code(db))
    db.add(school_class)
    db.flush()
    return school_class


def _unused_join_code(db: Session) -> str:
    while True:
        code = new_code(JOIN_CODE_LENGTH)
        if db.execute(select(col(Class.id)).where(Class.join_code == code)).first() is None:  # type: ignore[arg-type]
            return code


def classes_of(db: Session, *, school_id: int, teacher_id: int) -> list[Class]:
    statement = select(Class).where(Class.school_id == school_id, Class.teacher_id == teacher_id).order_by(Class.name)  # type: ignore[arg-type]
    return list(db.execute(statement).scalars())


def open_class_by_code(db: Session, raw_code: str) -> Class | None:
    """The open class with this join code, if any."""
    code = normalise(raw_code)
    if len(code) != JOIN_CODE_LENGTH:
        return None
    found = db.execute(select(Class).where(Class.join_code == code)).scalar_one_or_none()  # type: ignore[arg-type]
    return found if found is not None and found.is_open else None


def join(db: Session, school_class: Class, raw_pseudonym: str) -> tuple[Pupil, str]:
    """A new pupil in ``school_class`` and their resume code (shown once, stored hashed)."""
    pseudonym, problem = pseudonyms.clean(raw_pseudonym)
    if problem:
        raise ClassroomError(f"pseudonym_{problem}")
    assert school_class.id is not None and pseudonym is not None
    taken = select(col(Pupil.id)).where(Pupil.class_id == school_class.id, Pupil.pseudonym == pseudonym)  # type: ignore[arg-type]
    if db.execute(taken).first() is not None:
        raise ClassroomError("pseudonym_taken")
    resume_code = new_code(RESUME_CODE_LENGTH)
    pupil = Pupil(
        id=secrets.token_hex(12), class_id=school_class.id, pseudonym=pseudonym, resume_code_hash=digest(resume_code)
    )
    db.add(pupil)
    try:
        db.flush()
    except IntegrityError as error:  # two pupils chose the same name in the same instant
        raise ClassroomError("pseudonym_taken") from error
    return pupil, resume_code


def pupil_by_resume_code(db: Session, raw_code: str) -> Pupil | None:
    """The pupil of an open class with this resume code."""
    code = normalise(raw_code)
    if len(code) != RESUME_CODE_LENGTH:
        return None
    pupil = db.execute(select(Pupil).where(Pupil.resume_code_hash == digest(code))).scalar_one_or_none()  # type: ignore[arg-type]
    if pupil is None:
        return None
    school_class = db.get(Class, pupil.class_id)
    return pupil if school_class is not None and school_class.is_open else None


def pupils_of(db: Session, class_id: int) -> list[Pupil]:
    return list(db.execute(select(Pupil).where(Pupil.class_id == class_id).order_by(Pupil.pseudonym)).scalars())  # type: ignore[arg-type]
