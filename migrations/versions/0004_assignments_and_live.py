"""Assignments replace "packs opened for a class": dates, retest rounds, live lessons; answers belong to one.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAMING = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}


def upgrade() -> None:
    op.create_table(
        "assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("pack_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retest_of", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["class_id"], ["school_class.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["pack_id"], ["pack.id"]),
        sa.ForeignKeyConstraint(["retest_of"], ["assignment.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_assignment_class_id", "assignment", ["class_id"])
    op.create_index("ix_assignment_pack_id", "assignment", ["pack_id"])
    op.create_table(
        "live_session",
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=12), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("points", sa.Boolean(), nullable=False),
        sa.Column("speed_bonus", sa.Boolean(), nullable=False),
        sa.Column("streaks", sa.Boolean(), nullable=False),
        sa.Column("podium", sa.Boolean(), nullable=False),
        sa.Column("item_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignment.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("assignment_id"),
    )
    # Every opened pack becomes a practice assignment; packs closed before keep their answers
    # in a closed assignment of their own.
    op.execute(
        "INSERT INTO assignment (class_id, pack_id, kind, created_at) "
        "SELECT class_id, pack_id, 'practice', opened_at FROM class_pack"
    )
    op.execute(
        "INSERT INTO assignment (class_id, pack_id, kind, created_at, closed_at) "
        "SELECT p.class_id, a.pack_id, 'practice', MIN(a.created_at), MAX(a.created_at) "
        "FROM answer a JOIN pupil p ON p.id = a.pupil_id "
        "WHERE NOT EXISTS (SELECT 1 FROM class_pack c WHERE c.class_id = p.class_id AND c.pack_id = a.pack_id) "
        "GROUP BY p.class_id, a.pack_id"
    )
    with op.batch_alter_table("answer") as batch_op:
        batch_op.add_column(sa.Column("assignment_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE answer SET assignment_id = (SELECT s.id FROM assignment s JOIN pupil p ON p.class_id = s.class_id "
        "WHERE p.id = answer.pupil_id AND s.pack_id = answer.pack_id)"
    )
    with op.batch_alter_table("answer", naming_convention=NAMING) as batch_op:
        batch_op.alter_column("assignment_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint("uq_answer_attempt", type_="unique")
        batch_op.create_unique_constraint("uq_answer_attempt", ["pupil_id", "assignment_id", "item_key", "attempt"])
        batch_op.create_foreign_key(
            "fk_answer_assignment_id_assignment", "assignment", ["assignment_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_index("ix_answer_assignment_id", ["assignment_id"])
    op.drop_table("class_pack")


def downgrade() -> None:
    op.create_table(
        "class_pack",
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("pack_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["class_id"], ["school_class.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["pack_id"], ["pack.id"]),
        sa.PrimaryKeyConstraint("class_id", "pack_id"),
    )
    op.execute(
        "INSERT INTO class_pack (class_id, pack_id, opened_at) "
        "SELECT class_id, pack_id, MIN(created_at) FROM assignment WHERE closed_at IS NULL GROUP BY class_id, pack_id"
    )
    # The old schema knew one round per pupil and pack: keep the first assignment's answers.
    op.execute(
        "DELETE FROM answer WHERE assignment_id <> (SELECT MIN(b.assignment_id) FROM answer b "
        "WHERE b.pupil_id = answer.pupil_id AND b.pack_id = answer.pack_id)"
    )
    with op.batch_alter_table("answer", naming_convention=NAMING) as batch_op:
        batch_op.drop_index("ix_answer_assignment_id")
        batch_op.drop_constraint("fk_answer_assignment_id_assignment", type_="foreignkey")
        batch_op.drop_constraint("uq_answer_attempt", type_="unique")
        batch_op.create_unique_constraint("uq_answer_attempt", ["pupil_id", "pack_id", "item_key", "attempt"])
        batch_op.drop_column("assignment_id")
    op.drop_table("live_session")
    op.drop_index("ix_assignment_pack_id", table_name="assignment")
    op.drop_index("ix_assignment_class_id", table_name="assignment")
    op.drop_table("assignment")
