"""cycle dates and stages; governance records (issues, actions, lessons, playbook, playback,
events)

Cycles gain start and end dates (ordered by them from now on), a stage of the Continuous
Alignment Model and when it began; partnerships gain their target days per stage. Existing
cycles get the dates of the quarter their label names ("2026-Q4"), or, for a custom label, of
the quarter they were created in, in the partnership's time zone; they start in "assess".

Revision ID: a15c0de5e0a1
Revises: 2b8a1138beb8
Create Date: 2026-12-03 10:30:00.000000
"""

import datetime as dt
import re
from collections.abc import Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from alembic import op

import partnership.db

revision: str = "a15c0de5e0a1"
down_revision: str | None = "2b8a1138beb8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LABEL = re.compile(r"^(\d{4})-Q([1-4])$")


def _quarter(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, 3 * quarter - 2, 1)
    following = dt.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    return first, following - dt.timedelta(days=1)


def _dates(label: str, timezone: str | None, created_at: dt.datetime | None):  # type: ignore[no-untyped-def]
    """The same rule as partnership.surveys.models.default_cycle_dates (copied: a revision
    never imports app code that may change later)."""
    match = _LABEL.match(label or "")
    if match:
        return _quarter(int(match.group(1)), int(match.group(2)))
    try:
        tz = ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    when = created_at or dt.datetime.now(dt.UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    local = when.astimezone(tz)
    return _quarter(local.year, (local.month - 1) // 3 + 1)


def _fill_cycles(conn: sa.Connection) -> None:
    rows = conn.execute(
        sa.text(
            "SELECT c.id, c.label, c.created_at, p.timezone FROM cycles c "
            "JOIN partnerships p ON p.id = c.partnership_id"
        ).columns(
            sa.column("id", sa.Integer),
            sa.column("label", sa.String),
            sa.column("created_at", partnership.db.UTCDateTime()),
            sa.column("timezone", sa.String),
        )
    ).all()
    for cycle_id, label, created_at, timezone in rows:
        starts, ends = _dates(label, timezone, created_at)
        conn.execute(
            sa.text(
                "UPDATE cycles SET starts_on = :s, ends_on = :e, stage = 'assess', "
                "stage_changed_at = created_at WHERE id = :id"
            ),
            {"s": starts, "e": ends, "id": cycle_id},
        )


def upgrade() -> None:
    with op.batch_alter_table("partnerships", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("stage_days", sa.JSON(), server_default=sa.text("'{}'"), nullable=False)
        )

    with op.batch_alter_table("cycles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("starts_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("ends_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("stage", sa.String(length=12), nullable=True))
        batch_op.add_column(
            sa.Column("stage_changed_at", partnership.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("stage_overdue_at", partnership.db.UTCDateTime(timezone=True), nullable=True)
        )
    _fill_cycles(op.get_bind())
    with op.batch_alter_table("cycles", schema=None) as batch_op:
        batch_op.alter_column("starts_on", existing_type=sa.Date(), nullable=False)
        batch_op.alter_column("ends_on", existing_type=sa.Date(), nullable=False)
        batch_op.alter_column("stage", existing_type=sa.String(length=12), nullable=False)
        batch_op.alter_column(
            "stage_changed_at",
            existing_type=partnership.db.UTCDateTime(timezone=True),
            nullable=False,
        )
        batch_op.create_check_constraint("dates", "ends_on >= starts_on")
        batch_op.create_check_constraint(
            "stage", "stage IN ('assess', 'adapt', 'communicate', 'learn', 'done')"
        )
        batch_op.create_index(
            "ix_cycles_partnership_id_starts_on", ["partnership_id", "starts_on"], unique=False
        )

    op.create_table(
        "playbook_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("builtin_key", sa.String(length=60), nullable=True),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("dimensions", sa.JSON(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("due_days", sa.Integer(), nullable=False),
        sa.Column("is_hidden", sa.Boolean(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", partnership.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_playbook_entries_partnership_id_partnerships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_playbook_entries_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playbook_entries")),
        sa.UniqueConstraint(
            "partnership_id",
            "builtin_key",
            name=op.f("uq_playbook_entries_partnership_id_builtin_key"),
        ),
    )
    with op.batch_alter_table("playbook_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_playbook_entries_partnership_id"), ["partnership_id"], unique=False
        )

    op.create_table(
        "lessons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("what_happened", sa.Text(), nullable=False),
        sa.Column("what_worked", sa.Text(), nullable=False),
        sa.Column("what_failed", sa.Text(), nullable=False),
        sa.Column("dimension", sa.String(length=40), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", partnership.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", partnership.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_lessons_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["cycles.id"], name=op.f("fk_lessons_cycle_id_cycles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_lessons_partnership_id_partnerships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lessons")),
    )
    with op.batch_alter_table("lessons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lessons_cycle_id"), ["cycle_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_lessons_partnership_id"), ["partnership_id"], unique=False
        )

    op.create_table(
        "playbacks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("published_at", partnership.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["cycles.id"],
            name=op.f("fk_playbacks_cycle_id_cycles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_playbacks_partnership_id_partnerships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["users.id"],
            name=op.f("fk_playbacks_published_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playbacks")),
        sa.UniqueConstraint("cycle_id", name=op.f("uq_playbacks_cycle_id")),
    )
    with op.batch_alter_table("playbacks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_playbacks_partnership_id"), ["partnership_id"], unique=False
        )

    op.create_table(
        "issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=True),
        sa.Column("survey_id", sa.Integer(), nullable=True),
        sa.Column("snapshot_version", sa.Integer(), nullable=True),
        sa.Column("rule", sa.String(length=30), nullable=True),
        sa.Column("subject", sa.String(length=60), nullable=True),
        sa.Column("dimension", sa.String(length=40), nullable=True),
        sa.Column("kpi_id", sa.Integer(), nullable=True),
        sa.Column("severity", sa.String(length=5), nullable=False),
        sa.Column("is_escalated", sa.Boolean(), nullable=False),
        sa.Column("is_firing", sa.Boolean(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=False),
        sa.Column("owner_organization_id", sa.Integer(), nullable=True),
        sa.Column("owner_user_id", sa.Integer(), nullable=True),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", partnership.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", partnership.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", partnership.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("severity IN ('red', 'amber')", name=op.f("ck_issues_severity")),
        sa.CheckConstraint(
            "source = 'manual' OR (instrument_id IS NOT NULL AND rule IS NOT NULL "
            "AND subject IS NOT NULL)",
            name=op.f("ck_issues_signal_key"),
        ),
        sa.CheckConstraint("source IN ('signal', 'manual')", name=op.f("ck_issues_source")),
        sa.CheckConstraint(
            "status IN ('open', 'in_progress', 'resolved', 'dropped')",
            name=op.f("ck_issues_status"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_issues_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["cycles.id"], name=op.f("fk_issues_cycle_id_cycles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_issues_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instruments.id"],
            name=op.f("fk_issues_instrument_id_instruments"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["kpi_id"], ["kpis.id"], name=op.f("fk_issues_kpi_id_kpis"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["owner_organization_id"],
            ["organizations.id"],
            name=op.f("fk_issues_owner_organization_id_organizations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_user_id"],
            ["users.id"],
            name=op.f("fk_issues_owner_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_issues_partnership_id_partnerships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["survey_id"],
            ["surveys.id"],
            name=op.f("fk_issues_survey_id_surveys"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issues")),
        sa.UniqueConstraint(
            "partnership_id",
            "cycle_id",
            "instrument_id",
            "rule",
            "subject",
            name="uq_issues_signal_key",
        ),
    )
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_issues_cycle_id"), ["cycle_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_issues_instrument_id"), ["instrument_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_issues_owner_user_id"), ["owner_user_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_issues_partnership_id"), ["partnership_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_issues_survey_id"), ["survey_id"], unique=False)

    op.create_table(
        "actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=True),
        sa.Column("dimension", sa.String(length=40), nullable=True),
        sa.Column("instrument_id", sa.Integer(), nullable=True),
        sa.Column("baseline_survey_id", sa.Integer(), nullable=True),
        sa.Column("gap_threshold", sa.Float(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_organization_id", sa.Integer(), nullable=True),
        sa.Column("owner_user_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=False),
        sa.Column("playbook_key", sa.String(length=60), nullable=True),
        sa.Column("overdue_flagged_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", partnership.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", partnership.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'in_progress', 'done', 'dropped')", name=op.f("ck_actions_status")
        ),
        sa.ForeignKeyConstraint(
            ["baseline_survey_id"],
            ["surveys.id"],
            name=op.f("fk_actions_baseline_survey_id_surveys"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_actions_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["cycles.id"], name=op.f("fk_actions_cycle_id_cycles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instruments.id"],
            name=op.f("fk_actions_instrument_id_instruments"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["issue_id"],
            ["issues.id"],
            name=op.f("fk_actions_issue_id_issues"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_organization_id"],
            ["organizations.id"],
            name=op.f("fk_actions_owner_organization_id_organizations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_user_id"],
            ["users.id"],
            name=op.f("fk_actions_owner_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_actions_partnership_id_partnerships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions")),
    )
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_actions_cycle_id"), ["cycle_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_actions_issue_id"), ["issue_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_actions_owner_user_id"), ["owner_user_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_actions_partnership_id"), ["partnership_id"], unique=False
        )

    op.create_table(
        "governance_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=True),
        sa.Column("issue_id", sa.Integer(), nullable=True),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("lesson_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("created_at", partnership.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["actions.id"],
            name=op.f("fk_governance_events_action_id_actions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_governance_events_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["cycles.id"],
            name=op.f("fk_governance_events_cycle_id_cycles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["issue_id"],
            ["issues.id"],
            name=op.f("fk_governance_events_issue_id_issues"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_governance_events_lesson_id_lessons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_governance_events_partnership_id_partnerships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_events")),
    )
    with op.batch_alter_table("governance_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_governance_events_action_id"), ["action_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_governance_events_cycle_id"), ["cycle_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_governance_events_issue_id"), ["issue_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_governance_events_lesson_id"), ["lesson_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_governance_events_partnership_id"), ["partnership_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("governance_events")
    op.drop_table("actions")
    op.drop_table("issues")
    op.drop_table("playbacks")
    op.drop_table("lessons")
    op.drop_table("playbook_entries")
    with op.batch_alter_table("cycles", schema=None) as batch_op:
        batch_op.drop_index("ix_cycles_partnership_id_starts_on")
        batch_op.drop_constraint(op.f("ck_cycles_stage"), type_="check")
        batch_op.drop_constraint(op.f("ck_cycles_dates"), type_="check")
        batch_op.drop_column("stage_overdue_at")
        batch_op.drop_column("stage_changed_at")
        batch_op.drop_column("stage")
        batch_op.drop_column("ends_on")
        batch_op.drop_column("starts_on")
    with op.batch_alter_table("partnerships", schema=None) as batch_op:
        batch_op.drop_column("stage_days")
