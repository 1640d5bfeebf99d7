"""sent reminders forget their recipients

A reminder goes only to those who had not answered yet, so a sent reminder's row (address,
stakeholder, invitation in params and key, time) told a copy of the database who had not
answered by that day until the retention purge. From now on the sender clears them once a
reminder is sent (partnership.outbox.services.listed_in_groups); this clears the rows sent
before. The key keeps survey and round, which the coach's outbox page groups by. Not
reversible: the downgrade leaves the rows as they are.

Revision ID: e4a7c2d9f150
Revises: b7e1f0c2a917
Create Date: 2026-12-03 17:00:00.000000
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e4a7c2d9f150"
down_revision: str | None = "b7e1f0c2a917"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

outbox = sa.table(
    "outbox_messages",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("status", sa.String),
    sa.column("idempotency_key", sa.String),
    sa.column("to_address", sa.String),
    sa.column("stakeholder_id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("params", sa.JSON),
)


def _sent_key(key: str) -> str:
    parts = key.split(":")
    if len(parts) != 4:
        return f"remind:sent-{secrets.token_hex(8)}"
    return f"remind:{parts[1]}:sent-{secrets.token_hex(8)}:{parts[3]}"


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(outbox.c.id, outbox.c.idempotency_key).where(
            outbox.c.kind == "survey.reminder", outbox.c.status == "sent"
        )
    ).all()
    for row_id, key in rows:
        conn.execute(
            outbox.update()
            .where(outbox.c.id == row_id)
            .values(
                idempotency_key=_sent_key(key),
                to_address="",
                stakeholder_id=None,
                user_id=None,
                params={},
            )
        )


def downgrade() -> None:
    """Nothing to restore: the recipients are gone, as intended."""
