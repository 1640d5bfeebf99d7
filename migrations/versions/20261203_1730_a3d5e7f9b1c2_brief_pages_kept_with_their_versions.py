"""brief pages kept with their versions

An issued brief keeps its web page's display data beside its PDF (``brief_versions.page``,
JSON text), so the page of a version says what its PDF says whatever changes afterwards.
Versions issued before have none and are rebuilt from the records, as they were until now.

Revision ID: a3d5e7f9b1c2
Revises: e4a7c2d9f150
Create Date: 2026-12-03 17:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a3d5e7f9b1c2"
down_revision: str | None = "e4a7c2d9f150"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("brief_versions") as batch:
        batch.add_column(sa.Column("page", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("brief_versions") as batch:
        batch.drop_column("page")
