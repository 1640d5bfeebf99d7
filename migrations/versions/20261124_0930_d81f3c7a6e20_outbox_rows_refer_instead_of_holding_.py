"""outbox rows refer to what they are about instead of holding the email

No usable link rests in the database (decisions.md): the rows lose `body_text` and
`body_html` and gain `kind`, `params` (non-secret references), `stakeholder_id` and `user_id`;
the sender renders each email at delivery. Existing rows are converted from their idempotency
keys; a pending password reset gets a fresh link at delivery (the old one, whose only copy was
the dropped body, is voided). Bodies are cleared before their columns are dropped.

Revision ID: d81f3c7a6e20
Revises: c4a9e1f2d3b5
Create Date: 2026-11-24 09:30:00.000000
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d81f3c7a6e20"
down_revision: str | None = "c4a9e1f2d3b5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATES = "status IN ('pending', 'sending', 'sent', 'failed')"
NEW_STATES = "status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')"


def _convert(conn: sa.Connection) -> None:
    """kind, params, stakeholder_id and user_id of every existing row, from its key."""
    rows = conn.execute(sa.text("SELECT id, idempotency_key, status FROM outbox_messages")).all()
    for row_id, key, status in rows:
        parts = key.split(":")
        kind, params, stakeholder_id, user_id = "unknown", {}, None, None
        if parts[0] == "invite" and len(parts) == 3:
            invitation = conn.execute(
                sa.text(
                    "SELECT id, stakeholder_id FROM invitations "
                    "WHERE survey_id = :s AND stakeholder_id = :p"
                ),
                {"s": int(parts[1]), "p": int(parts[2])},
            ).first()
            kind = "survey.invitation"
            params = {"invitation_id": invitation[0] if invitation else None}
            stakeholder_id = invitation[1] if invitation else None
        elif parts[0] == "remind" and len(parts) == 4:
            invitation = conn.execute(
                sa.text("SELECT id, stakeholder_id FROM invitations WHERE id = :i"),
                {"i": int(parts[2])},
            ).first()
            kind = "survey.reminder"
            params = {"invitation_id": int(parts[2]), "round": int(parts[3])}
            stakeholder_id = invitation[1] if invitation else None
        elif parts[0] == "test-invite" and len(parts) >= 3:
            kind = "survey.test_invitation"
            params = {"survey_id": int(parts[1])}
            user_id = int(parts[2])
        elif parts[0] == "password-reset" and len(parts) == 2:
            kind = "account.password_reset"
            reset = conn.execute(
                sa.text("SELECT user_id FROM password_reset_tokens WHERE id = :i"),
                {"i": int(parts[1])},
            ).first()
            user_id = reset[0] if reset else None
            if status in ("pending", "sending"):
                # Its link existed only in the body being dropped: void it; the sender mints
                # a new one when it delivers the email.
                conn.execute(
                    sa.text("UPDATE password_reset_tokens SET is_used = true WHERE id = :i"),
                    {"i": int(parts[1])},
                )
        if (
            stakeholder_id is None
            and kind.startswith("survey.")
            and kind != "survey.test_invitation"
        ):
            # The person was erased: their email goes too.
            conn.execute(sa.text("DELETE FROM outbox_messages WHERE id = :i"), {"i": row_id})
            continue
        conn.execute(
            sa.text(
                "UPDATE outbox_messages SET kind = :k, params = :p, stakeholder_id = :s, "
                "user_id = :u WHERE id = :i"
            ),
            {"k": kind, "p": json.dumps(params), "s": stakeholder_id, "u": user_id, "i": row_id},
        )


def upgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=60), nullable=False, server_default="unknown")
        )
        batch_op.add_column(sa.Column("params", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("stakeholder_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
    _convert(op.get_bind())
    op.execute(sa.text("UPDATE outbox_messages SET body_text = '', body_html = NULL"))
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.alter_column("params", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column("body_text")
        batch_op.drop_column("body_html")
        batch_op.drop_constraint(op.f("ck_outbox_messages_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_outbox_messages_status"), NEW_STATES)
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_messages_stakeholder_id_stakeholders"),
            "stakeholders",
            ["stakeholder_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_messages_user_id_users"),
            "users",
            ["user_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index(
            batch_op.f("ix_outbox_messages_stakeholder_id"), ["stakeholder_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_outbox_messages_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "ix_outbox_messages_kind_to_address_created_at",
            ["kind", "to_address", "created_at"],
            unique=False,
        )


def downgrade() -> None:
    # The bodies cannot come back: rows not yet delivered are marked failed so no empty email
    # is ever sent.
    op.execute(
        sa.text(
            "UPDATE outbox_messages SET status = 'failed', last_error = 'body lost in downgrade' "
            "WHERE status IN ('pending', 'sending', 'cancelled')"
        )
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_messages_kind_to_address_created_at")
        batch_op.drop_index(batch_op.f("ix_outbox_messages_user_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_messages_stakeholder_id"))
        batch_op.drop_constraint(batch_op.f("fk_outbox_messages_user_id_users"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_outbox_messages_stakeholder_id_stakeholders"), type_="foreignkey"
        )
        batch_op.drop_constraint(op.f("ck_outbox_messages_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_outbox_messages_status"), OLD_STATES)
        batch_op.add_column(sa.Column("body_html", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("body_text", sa.Text(), nullable=False, server_default=""))
        batch_op.drop_column("user_id")
        batch_op.drop_column("stakeholder_id")
        batch_op.drop_column("params")
        batch_op.drop_column("kind")
