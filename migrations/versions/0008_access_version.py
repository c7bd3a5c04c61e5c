"""Access version: a count of changes to what decides who may play what, kept by triggers.

The answer path remembers a pupil's sign-in and assignment check while this count stays
the same (app/security/grants.py). Every UPDATE or DELETE of a session, account, school,
pupil, class, assignment or pack raises it in its own transaction. On PostgreSQL the
trigger runs at commit (deferred), so the count's row is locked only for the commit itself
and never in an order that could deadlock with the rest of a transaction, and once per
transaction.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WATCHED = ("auth_session", "account", "school", "pupil", "school_class", "assignment", "pack")
EVENTS = ("update", "delete")

POSTGRES_FUNCTION = """
CREATE FUNCTION lupe_access_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE access_version SET version = version + 1, changed_by = txid_current()
   WHERE id = 1 AND changed_by IS DISTINCT FROM txid_current();
  RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "access_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("changed_by", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("id = 1", name="access_version_one_row"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO access_version (id, version) VALUES (1, 0)")
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(POSTGRES_FUNCTION)
    for table in WATCHED:
        for event in EVENTS:
            name = f"{table}_{event}_access"
            if postgres:
                op.execute(
                    f"CREATE CONSTRAINT TRIGGER {name} AFTER {event.upper()} ON {table} "
                    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION lupe_access_changed()"
                )
            else:
                op.execute(
                    f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} "  # noqa: S608 - names of this file
                    "BEGIN UPDATE access_version SET version = version + 1 WHERE id = 1; END"
                )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in WATCHED:
        for event in EVENTS:
            name = f"{table}_{event}_access"
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}" if postgres else f"DROP TRIGGER IF EXISTS {name}")
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS lupe_access_changed()")
    op.drop_table("access_version")
