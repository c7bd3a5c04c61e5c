"""Pack → PackVersion → Item. Answers point at the item version that was answered."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary
from sqlmodel import JSON, Column, Field, SQLModel, UniqueConstraint

from app.clock import now


class Pack(SQLModel, table=True):
    """A pack's identity: its id from the front matter, who owns it, its current version."""

    __table_args__ = (UniqueConstraint("school_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=80, index=True)
    school_id: int | None = Field(default=None, foreign_key="school.id", index=True)
    owner_id: int | None = Field(default=None, foreign_key="account.id")
    shipped: bool = False
    # Shared packs are usable by every teacher of the school; others only by their owner.
    shared: bool = False
    current_version_id: int | None = Field(default=None)
    created_at: datetime = Field(default_factory=now)


class PackVersion(SQLModel, table=True):
    """One immutable compiled version of a pack's Markdown."""

    __tablename__ = "pack_version"
    __table_args__ = (UniqueConstraint("pack_id", "content_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    pack_id: int = Field(foreign_key="pack.id", index=True)
    version: str = Field(max_length=40)
    title: str = Field(max_length=200)
    language: str = Field(max_length=5)
    content_hash: str = Field(max_length=64)
    compiled: dict = Field(sa_column=Column(JSON, nullable=False))
    # The Markdown as written ({file name: text}) and the media ({file name: sha256}), for export and editing.
    sources: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(default_factory=now)


class Item(SQLModel, table=True):
    """One item of one pack version; ``key`` is the stable id that statistics follow."""

    __table_args__ = (UniqueConstraint("pack_version_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    pack_version_id: int = Field(foreign_key="pack_version.id", index=True)
    key: str = Field(max_length=80)
    position: int
    type: str = Field(max_length=20)


class PackMedia(SQLModel, table=True):
    """A picture of a pack, stored once by its content hash so every app process can serve it."""

    __tablename__ = "pack_media"

    sha256: str = Field(primary_key=True, max_length=64)
    content_type: str = Field(max_length=40)
    size: int
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=now)
