"""invitations keep only a used flag; links in invitation_tokens; reminder totals per survey

A used invitation must keep nothing that dates or orders its use (decisions.md, "Anonymity"):
`used_on` (the day, equal to the response's day), `reminder_count` and `last_reminded_at` (the
reminders received before answering) and `created_at` go. The survey keeps its reminder
totals for the coach's page. The link hashes move to `invitation_tokens`, so an invitation can
hold every link a stakeholder received (the invitation and each reminder); the table has no
timestamp, no sequence and, on SQLite, no rowid.

Existing values are cleared before the columns are dropped (on PostgreSQL a dropped column's
values otherwise stay in the table's pages until they are rewritten).

Revision ID: c4a9e1f2d3b5
Revises: b7e21c4d9a10
Create Date: 2026-11-24 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import partnership.db

revision: str = "c4a9e1f2d3b5"
down_revision: str | None = "b7e21c4d9a10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reminder_rounds", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("reminders_sent", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("last_reminded_at", partnership.db.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute(
        sa.text(
            "UPDATE surveys SET "
            "reminder_rounds = (SELECT coalesce(max(i.reminder_count), 0) FROM invitations i "
            "WHERE i.survey_id = surveys.id), "
            "reminders_sent = (SELECT coalesce(sum(i.reminder_count), 0) FROM invitations i "
            "WHERE i.survey_id = surveys.id), "
            "last_reminded_at = (SELECT max(i.last_reminded_at) FROM invitations i "
            "WHERE i.survey_id = surveys.id)"
        )
    )

    op.create_table(
        "invitation_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name=op.f("fk_invitation_tokens_invitation_id_invitations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_invitation_tokens")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("invitation_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invitation_tokens_invitation_id"), ["invitation_id"], unique=False
        )
    # The current link of each invitation that still belongs to someone (an erased person's
    # used invitation holds a hash of a token nobody has: it is not carried over).
    op.execute(
        sa.text(
            "INSERT INTO invitation_tokens (token_hash, invitation_id) "
            "SELECT token_hash, id FROM invitations WHERE stakeholder_id IS NOT NULL"
        )
    )
    op.execute(
        sa.text(
            "UPDATE invitations SET used_on = NULL, reminder_count = 0, "
            "last_reminded_at = NULL, token_hash = 'cleared-' || CAST(id AS VARCHAR(20))"
        )
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_constraint("uq_invitations_token_hash", type_="unique")
        batch_op.drop_column("token_hash")
        batch_op.drop_column("used_on")
        batch_op.drop_column("reminder_count")
        batch_op.drop_column("last_reminded_at")
        batch_op.drop_column("created_at")


def downgrade() -> None:
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "created_at",
                partnership.db.UTCDateTime(timezone=True),
                nullable=False,
                server_default=sa.func.current_timestamp(),
            )
        )
        batch_op.add_column(
            sa.Column("last_reminded_at", partnership.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("reminder_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("used_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("token_hash", sa.String(length=64), nullable=True))
    # One link per invitation survives the downgrade (any of them; the others stop working).
    op.execute(
        sa.text(
            "UPDATE invitations SET token_hash = (SELECT min(t.token_hash) FROM "
            "invitation_tokens t WHERE t.invitation_id = invitations.id)"
        )
    )
    op.execute(
        sa.text(
            "UPDATE invitations SET token_hash = 'none-' || CAST(id AS VARCHAR(20)) "
            "WHERE token_hash IS NULL"
        )
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.alter_column("token_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint("uq_invitations_token_hash", ["token_hash"])
    with op.batch_alter_table("invitation_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitation_tokens_invitation_id"))
    op.drop_table("invitation_tokens")
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.drop_column("last_reminded_at")
        batch_op.drop_column("reminders_sent")
        batch_op.drop_column("reminder_rounds")
