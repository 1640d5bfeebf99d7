"""erased stakeholders leave anonymous used invitations

Revision ID: b7e21c4d9a10
Revises: 6de9ddb5108e
Create Date: 2026-11-23 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7e21c4d9a10"
down_revision: str | None = "6de9ddb5108e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.alter_column("stakeholder_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    # an anonymous invitation has nobody to point to: it goes, as erasure did before
    op.execute(sa.text("DELETE FROM invitations WHERE stakeholder_id IS NULL"))
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.alter_column("stakeholder_id", existing_type=sa.Integer(), nullable=False)
