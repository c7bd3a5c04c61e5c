"""Class → Pupil, and which packs a class may play."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from app.clock import now


class Class(SQLModel, table=True):
    """A school class run by one teacher; pupils join it with its code."""

    __tablename__ = "school_class"

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    teacher_id: int = Field(foreign_key="account.id", index=True)
    name: str = Field(max_length=80)
    join_code: str = Field(max_length=16, unique=True)
    is_open: bool = True
    created_at: datetime = Field(default_factory=now)


class Pupil(SQLModel, table=True):
    """A pseudonymous pupil: random id, pseudonym, class. Nothing else about them."""

    __table_args__ = (UniqueConstraint("class_id", "pseudonym"),)

    id: str = Field(primary_key=True, max_length=32)
    class_id: int = Field(foreign_key="school_class.id", index=True, ondelete="CASCADE")
    pseudonym: str = Field(max_length=40)
    resume_code_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=now)


class ClassPack(SQLModel, table=True):
    """A pack opened for a class to play."""

    __tablename__ = "class_pack"

    class_id: int = Field(foreign_key="school_class.id", primary_key=True, ondelete="CASCADE")
    pack_id: int = Field(foreign_key="pack.id", primary_key=True)
    opened_at: datetime = Field(default_factory=now)
