"""Governance records of the Continuous Alignment Model: what the steering committee must
handle (issues), what was agreed (actions), what was learnt (lessons), the suggested
interventions (playbook), the playback sent to everyone invited, and the record of every
change (events).

The cycle's dates and stage live on `partnership.surveys.models.Cycle`; the target days per
stage on `Partnership.stage_days`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from partnership.db import Base, UTCDateTime, utcnow

ISSUE_STATUSES = ("open", "in_progress", "resolved", "dropped")
ACTION_STATUSES = ("open", "in_progress", "done", "dropped")
#: Statuses of an issue or action that still asks for work.
ISSUE_ACTIVE = ("open", "in_progress")
ACTION_ACTIVE = ("open", "in_progress")
SEVERITIES = ("red", "amber")
#: The rule code of an issue raised by the "two or more amber signals in one dimension"
#: escalation (scoring.md section 6), which belongs to no single rule.
MULTIPLE_AMBER = "MULTIPLE_AMBER"


class Issue(Base):
    """Something the steering committee must handle.

    Raised from a signal (``source`` "signal"): each escalation and each red signal of a closed
    survey's snapshot, keyed by partnership, cycle, instrument lineage, rule and subject (the
    dimension or KPI), unique (``uq_issues_signal_key``). A re-score updates the issue in place
    (``partnership.governance.issues.sync_issues``); one that no longer fires keeps its row
    with ``is_firing`` false. Or raised by a coach (``source`` "manual"; no key).
    """

    __tablename__ = "issues"
    __table_args__ = (
        UniqueConstraint(
            "partnership_id", "cycle_id", "instrument_id", "rule", "subject",
            name="uq_issues_signal_key",
        ),
        CheckConstraint("source IN ('signal', 'manual')", name="source"),
        CheckConstraint(
            "source = 'manual' OR (instrument_id IS NOT NULL AND rule IS NOT NULL "
            "AND subject IS NOT NULL)",
            name="signal_key",
        ),
        CheckConstraint("severity IN ('red', 'amber')", name="severity"),
        CheckConstraint(
            "status IN ('open', 'in_progress', 'resolved', 'dropped')", name="status"
        ),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    #: "signal" (raised by scoring) or "manual" (raised by a coach).
    source: Mapped[str] = mapped_column(String(10), default="manual")
    #: The instrument lineage whose survey raised it (part of the key of a signal issue).
    instrument_id: Mapped[int | None] = mapped_column(
        ForeignKey("instruments.id", ondelete="RESTRICT"), index=True, nullable=True
    )
    #: The survey whose snapshot last raised or cleared it, and that snapshot's version.
    survey_id: Mapped[int | None] = mapped_column(
        ForeignKey("surveys.id", ondelete="SET NULL"), index=True, nullable=True
    )
    snapshot_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: The rule code of scoring.md section 6 ("GAP", "KPI", ...), or MULTIPLE_AMBER.
    rule: Mapped[str | None] = mapped_column(String(30), nullable=True)
    #: What it is about, as a key: "dimension:<key>", "kpi:<id>", or "" (partnership-wide:
    #: participation, early-warning signs).
    subject: Mapped[str | None] = mapped_column(String(60), nullable=True)
    dimension: Mapped[str | None] = mapped_column(String(40), nullable=True)
    kpi_id: Mapped[int | None] = mapped_column(
        ForeignKey("kpis.id", ondelete="SET NULL"), nullable=True
    )
    severity: Mapped[str] = mapped_column(String(5), default="red")
    #: Raised (also) by an escalation flag: red two surveys running, or several ambers.
    is_escalated: Mapped[bool] = mapped_column(default=False)
    #: Whether the newest snapshot of its survey still raises it (always true for manual ones).
    is_firing: Mapped[bool] = mapped_column(default=True)
    #: The plain-language name of the signal and its subject (a coach's title when manual).
    title: Mapped[str] = mapped_column(String(200))
    #: The signal's explanation with the numbers that triggered it (only reportable values).
    explanation: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="open")
    #: Why it was dropped (required) or how it was resolved.
    status_reason: Mapped[str] = mapped_column(Text, default="")
    owner_organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), nullable=True
    )
    owner_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, nullable=True
    )
    #: The committee's recorded decision on it (counts, like an action, for the move to
    #: communicate).
    decision: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Action(Base):
    """An adjustment agreed in a cycle: owned by an organization and a person, due on a day.
    Open actions carry into the next cycles until done or dropped.

    An action linked to a dimension keeps where the dimension stood when it was agreed (the
    baseline survey, read from its current snapshot so only reportable values show) and the
    GAP red threshold then in force; later closed surveys of the same instrument lineage say
    whether the gap closed (partnership.governance.progress)."""

    __tablename__ = "actions"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'in_progress', 'done', 'dropped')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    #: The cycle it was agreed in.
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    issue_id: Mapped[int | None] = mapped_column(
        ForeignKey("issues.id", ondelete="SET NULL"), index=True, nullable=True
    )
    dimension: Mapped[str | None] = mapped_column(String(40), nullable=True)
    #: The lineage that measures the dimension, the survey whose snapshot is the baseline,
    #: and the gap (|G|) below which the gap counts as closed.
    instrument_id: Mapped[int | None] = mapped_column(
        ForeignKey("instruments.id", ondelete="RESTRICT"), nullable=True
    )
    baseline_survey_id: Mapped[int | None] = mapped_column(
        ForeignKey("surveys.id", ondelete="SET NULL"), nullable=True
    )
    gap_threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), nullable=True
    )
    owner_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, nullable=True
    )
    due_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(12), default="open")
    #: Why it was dropped (required), or a closing remark.
    status_reason: Mapped[str] = mapped_column(Text, default="")
    #: The playbook suggestion it was made from, if any.
    playbook_key: Mapped[str | None] = mapped_column(String(60), nullable=True)
    #: The due date for which `flask governance flag-overdue` flagged it (and emailed the
    #: owner); a new due date can be flagged again.
    overdue_flagged_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Lesson(Base):
    """What a cycle taught: what happened, what worked, what failed; searchable across
    cycles and shown when the next cycle's surveys are planned."""

    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    what_happened: Mapped[str] = mapped_column(Text)
    what_worked: Mapped[str] = mapped_column(Text, default="")
    what_failed: Mapped[str] = mapped_column(Text, default="")
    dimension: Mapped[str | None] = mapped_column(String(40), nullable=True)
    #: Lower-case tags, e.g. ["roadmap", "escalation"].
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PlaybookEntry(Base):
    """A partnership's own version of a suggested intervention: an edit (or hiding) of a
    built-in suggestion (``builtin_key``), or one of its own (``builtin_key`` None). The
    built-in suggestions themselves live in code (partnership.governance.playbook)."""

    __tablename__ = "playbook_entries"
    __table_args__ = (UniqueConstraint("partnership_id", "builtin_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    builtin_key: Mapped[str | None] = mapped_column(String(60), nullable=True)
    #: The rules and dimensions it suits; empty lists mean any.
    rules: Mapped[list[str]] = mapped_column(JSON, default=list)
    dimensions: Mapped[list[str]] = mapped_column(JSON, default=list)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: Days from today to the due date of an action made from it.
    due_days: Mapped[int] = mapped_column(Integer, default=30)
    is_hidden: Mapped[bool] = mapped_column(default=False)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Playback(Base):
    """The Communicate stage's message to everyone invited to the cycle's surveys: "what we
    heard, what we will do", frozen when published (only reportable values) and emailed
    through the outbox; stakeholders read it from their own survey link."""

    __tablename__ = "playbacks"
    __table_args__ = (UniqueConstraint("cycle_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    #: The coach's own words at the top.
    message: Mapped[str] = mapped_column(Text, default="")
    #: What was published: headline dimensions and actions, as plain data.
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class GovernanceEvent(Base):
    """One entry in the record of a cycle, issue, action or lesson: who did what, when.

    ``kind``: "created", "changed" (``changes`` maps each field to [before, after] as shown),
    "stage" (a cycle's move; ``body`` holds the note or override reason), "comment" (on an
    issue), "note" (progress note on an action), "decision", "overdue", "fired" / "cleared"
    (a re-score raised or cleared the signal), "published" (the playback).
    """

    __tablename__ = "governance_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    cycle_id: Mapped[int | None] = mapped_column(
        ForeignKey("cycles.id", ondelete="CASCADE"), index=True, nullable=True
    )
    issue_id: Mapped[int | None] = mapped_column(
        ForeignKey("issues.id", ondelete="CASCADE"), index=True, nullable=True
    )
    action_id: Mapped[int | None] = mapped_column(
        ForeignKey("actions.id", ondelete="CASCADE"), index=True, nullable=True
    )
    lesson_id: Mapped[int | None] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), index=True, nullable=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    #: The actor's name when it happened ("Rita Conceição", "command line", "scoring"), so
    #: the record still reads after the account is gone.
    actor_name: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
