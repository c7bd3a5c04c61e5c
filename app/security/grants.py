"""Who may play what, remembered: the answer path's sign-in and assignment check without its join.

Every answer asks whether the session is a pupil's and whether their class may play the
assignment: a join of seven tables, the costliest read of an answer. What it reads changes
only when one of those tables changes (a session ends, an account is disabled, a class or an
assignment is closed, a pack gets a new version…). Triggers (migration 0008) count every such
change in ``access_version``, in the changing transaction itself; a remembered row is used
while the count is still the one it was read with. The rules that depend on the time (a
session's expiry, an assignment's opening and closing) are judged anew on every request
from the remembered row, by the same functions as always.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import BigInteger, Column, column, select, table
from sqlalchemy.sql import Executable
from sqlmodel import Field, SQLModel

from app.db import Database
from app.plain import Reads

log = logging.getLogger(__name__)

# The tables whose UPDATE or DELETE changes a sign-in or a grant, and the triggers migration 0008 puts on them.
WATCHED_TABLES = ("auth_session", "account", "school", "pupil", "school_class", "assignment", "pack")
TRIGGERS = frozenset(f"{table}_{event}_access" for table in WATCHED_TABLES for event in ("update", "delete"))
REMEMBERED = 20_000  # rows (sessions × assignments) kept per process, a few hundred bytes each


class AccessVersion(SQLModel, table=True):
    """One row: how often something that decides who may play what has changed."""

    __tablename__ = "access_version"
    id: int = Field(default=1, primary_key=True)
    version: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    changed_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))  # PostgreSQL's txid


_ACCESS_VERSION: Any = AccessVersion.__table__  # type: ignore[attr-defined]
VERSION_QUERY = select(_ACCESS_VERSION.c.version).where(_ACCESS_VERSION.c.id == 1)
# The column a remembered query adds, read in the same statement (so from the same snapshot) as its row.
VERSION_COLUMN = VERSION_QUERY.scalar_subquery().label("access_version")
_SQLITE_TRIGGERS: Any = select(column("name")).select_from(table("sqlite_master")).where(column("type") == "trigger")
_POSTGRES_TRIGGERS: Any = select(column("tgname")).select_from(table("pg_trigger"))


class RememberedGrants:
    """Rows of a query that includes ``VERSION_COLUMN``, by key, valid while the access version stands."""

    def __init__(self, database: Database, *, size: int = REMEMBERED) -> None:
        self.database = database
        self.size = size
        self._rows: dict[Any, tuple[int, Any]] = {}
        self._usable: bool | None = None  # whether the triggers are there; found out at the first use

    def row(self, db: Reads, query: Executable, values: dict[str, Any], key: Any) -> Any:
        """The first row of ``query`` for ``values`` (or None): remembered, or read and remembered."""
        if not self.usable(db):
            return db.execute(query, values).first()
        version = db.execute(VERSION_QUERY, {}).first()[0]  # type: ignore[index]  # the one row is always there
        found = self._rows.get(key)
        if found is not None and found[0] == version:
            return found[1]
        row = db.execute(query, values).first()
        # Remembered only when nothing changed between the two reads: the row belongs to ``version``.
        if row is not None and row.access_version == version:
            if len(self._rows) >= self.size:
                self._rows.clear()  # rare: more sessions and assignments at once than kept
            self._rows[key] = (version, row)
        return row

    def usable(self, db: Reads) -> bool:
        """Whether every trigger is in place (a migration that rebuilt a table would have dropped its own).

        Asked on ``db``, the request's own connection: a second one while holding it could
        find the pool empty when a whole class answers at once."""
        if self._usable is None:
            query = _SQLITE_TRIGGERS if self.database.engine.dialect.name == "sqlite" else _POSTGRES_TRIGGERS
            found = {str(name) for (name,) in db.execute(query, {})}
            missing = TRIGGERS - found
            if missing:
                log.warning(
                    "access triggers missing (%s): every answer reads its sign-in anew", ", ".join(sorted(missing))
                )
            self._usable = not missing
        return self._usable
