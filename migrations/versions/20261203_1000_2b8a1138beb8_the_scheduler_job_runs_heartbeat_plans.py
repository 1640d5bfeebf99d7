"""the scheduler: job runs, heartbeat, reminder plan, cadence, schedule notes, outbox per partnership

`job_runs` and `scheduler_heartbeats` hold what `flask jobs run|tick|status` remember; the
partnership gains its reminder plan (`reminder_days`, default 7 and 2 days before closing) and
its cycle cadence (off by default); a survey gains the latest planned reminder time dealt with
and the scheduler's notes (late opening or closing, the reason it could not act); an outbox row
gains the partnership it belongs to, filled in for existing rows from the stakeholder or the
survey it is about.

Revision ID: 2b8a1138beb8
Revises: e5a1c7d2b940
Create Date: 2026-12-03 10:00:00.000000
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import partnership.db

revision: str = "2b8a1138beb8"
down_revision: str | None = "e5a1c7d2b940"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fill_outbox_partnerships(conn: sa.Connection) -> None:
    conn.execute(
        sa.text(
            "UPDATE outbox_messages SET partnership_id = (SELECT s.partnership_id FROM "
            "stakeholders s WHERE s.id = outbox_messages.stakeholder_id) "
            "WHERE stakeholder_id IS NOT NULL"
        )
    )
    rows = conn.execute(
        sa.text(
            "SELECT id, params FROM outbox_messages "
            "WHERE partnership_id IS NULL AND kind = 'survey.test_invitation'"
        )
    ).all()
    for row_id, params in rows:
        if isinstance(params, str):
            params = json.loads(params or "{}")
        survey_id = (params or {}).get("survey_id")
        if survey_id is None:
            continue
        conn.execute(
            sa.text(
                "UPDATE outbox_messages SET partnership_id = "
                "(SELECT partnership_id FROM surveys WHERE id = :s) WHERE id = :i"
            ),
            {"s": int(survey_id), "i": row_id},
        )


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("last_started_at", partnership.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_finished_at", partnership.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_outcome", sa.String(length=10), nullable=False),
        sa.Column("last_summary", sa.String(length=500), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_ok_at", partnership.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("failures_in_row", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "last_outcome IN ('running', 'ok', 'error')", name=op.f("ck_job_runs_last_outcome")
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_runs")),
    )
    op.create_table(
        "scheduler_heartbeats",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("beat_at", partnership.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", partnership.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_scheduler_heartbeats_single_row")),
        sa.CheckConstraint("mode IN ('run', 'tick')", name=op.f("ck_scheduler_heartbeats_mode")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduler_heartbeats")),
    )
    with op.batch_alter_table("partnerships", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reminder_days", sa.JSON(), server_default="[7, 2]", nullable=False)
        )
        batch_op.add_column(
            sa.Column("cycle_cadence", sa.String(length=12), server_default="off", nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_partnerships_cycle_cadence"), "cycle_cadence IN ('off', 'quarterly')"
        )
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "planned_reminded_until", partnership.db.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("open_note", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("close_note", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("schedule_problem", sa.String(length=500), nullable=True))
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("partnership_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_outbox_messages_partnership_id"), ["partnership_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_messages_partnership_id_partnerships"),
            "partnerships",
            ["partnership_id"],
            ["id"],
            ondelete="CASCADE",
        )
    _fill_outbox_partnerships(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_outbox_messages_partnership_id_partnerships"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_outbox_messages_partnership_id"))
        batch_op.drop_column("partnership_id")
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.drop_column("schedule_problem")
        batch_op.drop_column("close_note")
        batch_op.drop_column("open_note")
        batch_op.drop_column("planned_reminded_until")
    with op.batch_alter_table("partnerships", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_partnerships_cycle_cadence"), type_="check")
        batch_op.drop_column("cycle_cadence")
        batch_op.drop_column("reminder_days")
    op.drop_table("scheduler_heartbeats")
    op.drop_table("job_runs")
