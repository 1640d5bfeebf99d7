"""an index of hidden comments

A partial index of the comments a coach hid (usually none or a few): a results page reads
them on every view, since the comment list it keeps depends on them, without reading every
comment of the survey.

Revision ID: 8d2b6f4a1c37
Revises: 5e1f0a7c9b21
Create Date: 2026-12-03 14:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8d2b6f4a1c37"
down_revision: str | None = "5e1f0a7c9b21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_comments_hidden",
        "comments",
        ["response_id"],
        unique=False,
        sqlite_where=sa.text("is_hidden IS 1"),
        postgresql_where=sa.text("is_hidden IS true"),
    )


def downgrade() -> None:
    op.drop_index("ix_comments_hidden", table_name="comments")
