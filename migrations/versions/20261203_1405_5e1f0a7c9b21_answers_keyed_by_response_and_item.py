"""answers keyed by their response and item

An answer's key becomes (response_id, item_id), the pair that was already unique: the row's
own random id, its primary key index and the index on response_id (which repeated the first
column of the unique pair) go. On SQLite the table is rebuilt WITHOUT ROWID, so each answer
is written into two B-trees instead of five and keeps no insertion order. The downgrade gives
every answer a fresh random id again.

Revision ID: 5e1f0a7c9b21
Revises: c16e5ca1a7e0
Create Date: 2026-12-03 14:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e1f0a7c9b21"
down_revision: str | None = "c16e5ca1a7e0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _foreign_keys() -> list[sa.ForeignKeyConstraint]:
    return [
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_answers_item_id_items"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_answers_response_id_responses"),
            ondelete="CASCADE",
        ),
    ]


def _rebuild_sqlite(columns: list[sa.Column], key: sa.Constraint, copy: str, **kw: object) -> None:
    """SQLite cannot change a table's key: build the new table, copy, swap (env.py turns
    foreign keys off around revisions, so dropping the old table cascades nothing)."""
    op.create_table("_answers_new", *columns, key, *_foreign_keys(), **kw)
    op.execute(f"INSERT INTO _answers_new {copy}")
    op.drop_table("answers")
    op.rename_table("_answers_new", "answers")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(
            [
                sa.Column("response_id", sa.String(length=32), nullable=False),
                sa.Column("item_id", sa.Integer(), nullable=False),
                sa.Column("value", sa.SmallInteger(), nullable=True),
            ],
            sa.PrimaryKeyConstraint("response_id", "item_id", name=op.f("pk_answers")),
            "(response_id, item_id, value) SELECT response_id, item_id, value FROM answers",
            sqlite_with_rowid=False,
        )
        op.create_index(op.f("ix_answers_item_id"), "answers", ["item_id"], unique=False)
        return
    op.drop_index(op.f("ix_answers_response_id"), table_name="answers")
    op.drop_constraint(op.f("uq_answers_response_id_item_id"), "answers", type_="unique")
    op.drop_constraint(op.f("pk_answers"), "answers", type_="primary")
    op.drop_column("answers", "id")
    op.create_primary_key(op.f("pk_answers"), "answers", ["response_id", "item_id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(
            [
                sa.Column("id", sa.String(length=32), nullable=False),
                sa.Column("response_id", sa.String(length=32), nullable=False),
                sa.Column("item_id", sa.Integer(), nullable=False),
                sa.Column("value", sa.SmallInteger(), nullable=True),
                sa.UniqueConstraint(
                    "response_id", "item_id", name=op.f("uq_answers_response_id_item_id")
                ),
            ],
            sa.PrimaryKeyConstraint("id", name=op.f("pk_answers")),
            "(id, response_id, item_id, value) "
            "SELECT lower(hex(randomblob(16))), response_id, item_id, value FROM answers",
        )
        op.create_index(op.f("ix_answers_item_id"), "answers", ["item_id"], unique=False)
    else:
        op.drop_constraint(op.f("pk_answers"), "answers", type_="primary")
        op.add_column("answers", sa.Column("id", sa.String(length=32), nullable=True))
        op.execute("UPDATE answers SET id = replace(gen_random_uuid()::text, '-', '')")
        op.alter_column("answers", "id", nullable=False)
        op.create_primary_key(op.f("pk_answers"), "answers", ["id"])
        op.create_unique_constraint(
            op.f("uq_answers_response_id_item_id"), "answers", ["response_id", "item_id"]
        )
    op.create_index(op.f("ix_answers_response_id"), "answers", ["response_id"], unique=False)
