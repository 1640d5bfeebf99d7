"""roles per partnership: the membership says coach or steering (with its organization); the
account keeps only whether it is an admin, and when it last logged in

`users.role` ('admin', 'coach', 'steering') becomes `users.is_admin`. A global 'steering'
account's memberships become steering memberships; the organization they represent is not
known, so they are recorded for organization A (position 1), which a coach can correct by
removing and re-inviting the member. Every other membership is a coach's.

Revision ID: f3c2b7a91d04
Revises: 8d2b6f4a1c37
Create Date: 2026-12-03 14:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import partnership.db

revision: str = "f3c2b7a91d04"
down_revision: str | None = "8d2b6f4a1c37"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_admin", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("last_login_at", partnership.db.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organization_id", sa.Integer(), nullable=True))
    conn = op.get_bind()
    conn.execute(sa.text("UPDATE users SET is_admin = (role = 'admin')"))
    conn.execute(
        sa.text(
            "UPDATE memberships SET role = CASE WHEN user_id IN "
            "(SELECT id FROM users WHERE role = 'steering') THEN 'steering' ELSE 'coach' END"
        )
    )
    conn.execute(
        sa.text(
            "UPDATE memberships SET organization_id = (SELECT o.id FROM organizations o "
            "WHERE o.partnership_id = memberships.partnership_id AND o.position = 1) "
            "WHERE role = 'steering'"
        )
    )
    # A steering membership of a partnership without organizations cannot say whom it
    # represents: it goes (such a partnership cannot be created through the app).
    conn.execute(
        sa.text("DELETE FROM memberships WHERE role = 'steering' AND organization_id IS NULL")
    )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_memberships_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_memberships_organization_id_organizations"),
            "organizations",
            ["organization_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_check_constraint("role", "role IN ('coach', 'steering')")
        batch_op.create_check_constraint(
            "steering_organization", "(role = 'steering') = (organization_id IS NOT NULL)"
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_users_role"), type_="check")
        batch_op.drop_column("role")


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("role", sa.String(length=20), server_default="coach", nullable=False)
        )
    conn = op.get_bind()
    # An account that is only ever a steering member becomes a global 'steering' account.
    conn.execute(
        sa.text(
            "UPDATE users SET role = CASE WHEN is_admin THEN 'admin' "
            "WHEN EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id "
            "AND m.role = 'steering') AND NOT EXISTS (SELECT 1 FROM memberships m "
            "WHERE m.user_id = users.id AND m.role = 'coach') THEN 'steering' ELSE 'coach' END"
        )
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("role", server_default=None)
        batch_op.create_check_constraint("role", "role IN ('admin', 'coach', 'steering')")
        batch_op.drop_column("last_login_at")
        batch_op.drop_column("is_admin")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_memberships_steering_organization"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_memberships_role"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_memberships_organization_id_organizations"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_memberships_organization_id"))
        batch_op.drop_column("organization_id")
