"""brief_versions and brief_acknowledgements: issued steering-committee briefs

Each issued version of a cycle's brief keeps its PDF, its SHA-256 and its as-of date; steering
members acknowledge a version for the organization they represent.

Revision ID: b7e1f0c2a917
Revises: f3c2b7a91d04
Create Date: 2026-12-03 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import partnership.db

revision: str = "b7e1f0c2a917"
down_revision: str | None = "f3c2b7a91d04"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "brief_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("as_of", partnership.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("issued_by_name", sa.String(length=200), nullable=False),
        sa.Column("issued_at", partnership.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["cycles.id"],
            name=op.f("fk_brief_versions_cycle_id_cycles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["users.id"],
            name=op.f("fk_brief_versions_issued_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_brief_versions_partnership_id_partnerships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brief_versions")),
        sa.UniqueConstraint("cycle_id", "number", name=op.f("uq_brief_versions_cycle_id_number")),
    )
    with op.batch_alter_table("brief_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_brief_versions_cycle_id"), ["cycle_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_brief_versions_partnership_id"), ["partnership_id"], unique=False
        )

    op.create_table(
        "brief_acknowledgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("user_name", sa.String(length=200), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", partnership.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_brief_acknowledgements_organization_id_organizations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_brief_acknowledgements_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["brief_versions.id"],
            name=op.f("fk_brief_acknowledgements_version_id_brief_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brief_acknowledgements")),
        sa.UniqueConstraint(
            "version_id", "user_id", name=op.f("uq_brief_acknowledgements_version_id_user_id")
        ),
    )
    with op.batch_alter_table("brief_acknowledgements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_brief_acknowledgements_version_id"), ["version_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("brief_acknowledgements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_brief_acknowledgements_version_id"))
    op.drop_table("brief_acknowledgements")
    with op.batch_alter_table("brief_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_brief_versions_partnership_id"))
        batch_op.drop_index(batch_op.f("ix_brief_versions_cycle_id"))
    op.drop_table("brief_versions")
