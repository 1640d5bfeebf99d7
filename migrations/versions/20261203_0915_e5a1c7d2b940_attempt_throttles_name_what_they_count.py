"""attempt_throttles: the failed-attempt counters are named for what they count

The table counts failed logins (by account and by client) and unknown survey links (by
client); `login_throttles` named only the first. The rows move to the new table, whose
primary key is named by the naming convention on both backends.

Revision ID: e5a1c7d2b940
Revises: d81f3c7a6e20
Create Date: 2026-12-03 09:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import partnership.db

revision: str = "e5a1c7d2b940"
down_revision: str | None = "d81f3c7a6e20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = "key, failures, blocked_until, updated_at"


def _create(name: str) -> None:
    op.create_table(
        name,
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("blocked_until", partnership.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", partnership.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f(f"pk_{name}")),
    )


def _move(old: str, new: str) -> None:
    _create(new)
    op.execute(f"INSERT INTO {new} ({COLUMNS}) SELECT {COLUMNS} FROM {old}")
    op.drop_table(old)


def upgrade() -> None:
    _move("login_throttles", "attempt_throttles")


def downgrade() -> None:
    _move("attempt_throttles", "login_throttles")
