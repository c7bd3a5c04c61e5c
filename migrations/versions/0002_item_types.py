"""All item types: answers get tries, scores and responses; reflection is a school's choice; pack media.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Names the unique constraint that 0001 created without one, so it can be dropped on SQLite.
NAMING = {"uq": "uq_%(table_name)s_%(column_0_N_name)s"}
OLD_UNIQUE = {"postgresql": "answer_pupil_id_pack_id_item_key_key", "sqlite": "uq_answer_pupil_id_pack_id_item_key"}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("answer", naming_convention=NAMING) as batch_op:
        batch_op.drop_constraint(OLD_UNIQUE.get(dialect, OLD_UNIQUE["postgresql"]), type_="unique")
        batch_op.add_column(sa.Column("attempt", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("final", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column("response", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("score", sa.Float(), nullable=True))
        batch_op.alter_column("is_correct", existing_type=sa.Boolean(), nullable=True)
        batch_op.create_unique_constraint("uq_answer_attempt", ["pupil_id", "pack_id", "item_key", "attempt"])
    op.execute("UPDATE answer SET score = CASE WHEN is_correct THEN 1.0 ELSE 0.0 END")
    with op.batch_alter_table("school") as batch_op:
        batch_op.add_column(sa.Column("allow_reflection", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "pack_media",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )


def downgrade() -> None:
    op.drop_table("pack_media")
    with op.batch_alter_table("school") as batch_op:
        batch_op.drop_column("allow_reflection")
    op.execute("DELETE FROM answer WHERE final = false OR is_correct IS NULL")
    with op.batch_alter_table("answer") as batch_op:
        batch_op.drop_constraint("uq_answer_attempt", type_="unique")
        batch_op.alter_column("is_correct", existing_type=sa.Boolean(), nullable=False)
        batch_op.drop_column("score")
        batch_op.drop_column("response")
        batch_op.drop_column("final")
        batch_op.drop_column("attempt")
        batch_op.create_unique_constraint("answer_pupil_id_pack_id_item_key_key", ["pupil_id", "pack_id", "item_key"])
