"""Answers: drop the index on pupil_id alone; the unique key (pupil, assignment, item, try) starts with it.

Every stored answer updated both; lookups by pupil use the unique key's index just as well.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_answer_pupil_id", table_name="answer")


def downgrade() -> None:
    op.create_index("ix_answer_pupil_id", "answer", ["pupil_id"], unique=False)
