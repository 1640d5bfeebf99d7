from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnership.db import Base, UTCDateTime, new_uuid, utcnow
from partnership.timefmt import zone
from partnership.tokens import hash_token, new_token  # noqa: F401 - survey link tokens

SURVEY_STATES = ("draft", "scheduled", "open", "closed")
#: The stages of a cycle, one turn of the Continuous Alignment Model (domain.md): assess the
#: quarter's signals, adapt (owned actions), communicate (playback, brief), learn (lessons),
#: done. Moves and their guards: partnership.governance.stages.
CYCLE_STAGES = ("assess", "adapt", "communicate", "learn", "done")


class Cycle(Base):
    """One quarter of the Continuous Alignment Model for one partnership. It holds the
    quarter's surveys (usually the pulse and the plan-and-execution check; an audit too).

    Cycles are ordered by their start date, then id (``CYCLE_ORDER``); "the previous cycle"
    means the previous one in that order (decisions.md), for the KPI rule and trend pages
    alike. (The TREND and DIVERGENCE signals follow close times instead: scoring.md.)"""

    __tablename__ = "cycles"
    __table_args__ = (
        UniqueConstraint("partnership_id", "label"),
        CheckConstraint("ends_on >= starts_on", name="dates"),
        CheckConstraint(
            "stage IN ('assess', 'adapt', 'communicate', 'learn', 'done')", name="stage"
        ),
        Index("ix_cycles_partnership_id_starts_on", "partnership_id", "starts_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    #: "2026-Q4" by default; custom labels allowed.
    label: Mapped[str] = mapped_column(String(40))
    #: First and last day of the cycle, in the partnership's time zone (by default the
    #: quarter of the label, else of the day it was created).
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    #: Where the cycle stands in the Continuous Alignment Model (CYCLE_STAGES); each move is
    #: recorded as a governance event (who, when, the note or override given).
    stage: Mapped[str] = mapped_column(String(12), default="assess")
    #: When the current stage began; a stage is overdue once its target days have passed.
    stage_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When `flask governance flag-overdue` found the current stage overdue (None: not
    #: flagged); cleared by the next move.
    stage_overdue_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    surveys: Mapped[list[Survey]] = relationship(
        back_populates="cycle", order_by="Survey.id", cascade="all, delete-orphan"
    )


#: ORDER BY of cycles, oldest first (see Cycle).
CYCLE_ORDER = (Cycle.starts_on, Cycle.id)

_QUARTER_LABEL = re.compile(r"^(\d{4})-Q([1-4])$")


def quarter_dates(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    """First and last day of a calendar quarter."""
    first = dt.date(year, 3 * quarter - 2, 1)
    following = dt.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    return first, following - dt.timedelta(days=1)


def default_cycle_dates(
    label: str, timezone: str, now: dt.datetime | None = None
) -> tuple[dt.date, dt.date]:
    """A cycle's default dates: the quarter its label names ("2026-Q4"), else the quarter of
    ``now`` (default: the current time) in the partnership's time zone."""
    match = _QUARTER_LABEL.match(label or "")
    if match:
        return quarter_dates(int(match.group(1)), int(match.group(2)))
    local = (now or utcnow()).astimezone(zone(timezone))
    return quarter_dates(local.year, (local.month - 1) // 3 + 1)


@event.listens_for(Cycle, "before_insert")
def _default_dates(_mapper: Any, connection: Any, cycle: Cycle) -> None:
    """A cycle created without dates gets its quarter's (`default_cycle_dates`), in the
    partnership's time zone: every way of creating a cycle gets the same rule."""
    if cycle.starts_on is not None and cycle.ends_on is not None:
        return
    timezone = connection.execute(
        text("SELECT timezone FROM partnerships WHERE id = :id"), {"id": cycle.partnership_id}
    ).scalar()
    starts, ends = default_cycle_dates(cycle.label, timezone or "UTC", cycle.created_at)
    cycle.starts_on = cycle.starts_on or starts
    cycle.ends_on = cycle.ends_on or ends


class Survey(Base):
    """One instrument run inside a cycle: who is invited, when it is open, what was answered."""

    __tablename__ = "surveys"
    __table_args__ = (
        CheckConstraint("state IN ('draft', 'scheduled', 'open', 'closed')", name="state"),
        # At most one open survey per partnership and instrument lineage.
        Index(
            "uq_surveys_one_open_per_lineage",
            "partnership_id",
            "instrument_id",
            unique=True,
            sqlite_where=text("state = 'open'"),
            postgresql_where=text("state = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    #: The lineage (denormalised from the version) for the one-open rule and trends.
    instrument_id: Mapped[int] = mapped_column(
        ForeignKey("instruments.id", ondelete="RESTRICT"), index=True
    )
    instrument_version_id: Mapped[int] = mapped_column(
        ForeignKey("instrument_versions.id", ondelete="RESTRICT"), index=True
    )
    state: Mapped[str] = mapped_column(String(10), default="draft")
    #: Planned window (UTC); shown in the partnership's time zone.
    opens_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closes_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: When it actually opened and closed.
    opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Targeting: invite only these functions / levels (empty = everyone active).
    target_functions: Mapped[list[str]] = mapped_column(JSON, default=list)
    target_levels: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Reminder rounds sent so far (a round reminds everyone who has not answered); the outbox
    #: key of a reminder carries its round. Kept here, not on the invitation: an invitation
    #: keeps nothing that could date or order its use.
    reminder_rounds: Mapped[int] = mapped_column(Integer, default=0)
    #: Reminder emails written over all rounds, for the coach's page.
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    last_reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: The latest planned reminder time (the partnership's plan: days before closing) the
    #: scheduler has dealt with. Planned times missed during downtime are caught up with one
    #: reminder, never several in a row.
    planned_reminded_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Written by the scheduler when it opened or closed the survey late, e.g. "2 h late: the
    #: scheduler was not running"; shown beside the opening and closing times.
    open_note: Mapped[str | None] = mapped_column(String(300), nullable=True)
    close_note: Mapped[str | None] = mapped_column(String(300), nullable=True)
    #: Why the scheduler could not open, remind or close it at its last try (cleared when it
    #: succeeds); shown to the coach on the survey, cycle and schedule pages.
    schedule_problem: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    cycle: Mapped[Cycle] = relationship(back_populates="surveys")


class Invitation(Base):
    """A stakeholder's invitation to one survey. The segment is copied at invite time so
    participation never counts more respondents than invitees. Once used it keeps only the
    used flag: no time, no day, no reminder state, nothing that could date or order the use,
    so nothing links it to the response (decisions.md, "Anonymity"). Its links are the
    `InvitationToken` rows."""

    __tablename__ = "invitations"
    __table_args__ = (
        UniqueConstraint("survey_id", "stakeholder_id"),
        # Covers participation counts per segment; without it SQLite's planner may walk the
        # organization index across every survey's invitations.
        Index("ix_invitations_survey_segment", "survey_id", "organization_id", "function", "level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    #: Erasing a stakeholder deletes their unused invitations and detaches the used ones
    #: (NULL here, a fresh token nobody holds): the survey still counts one invitee who
    #: answered, so participation never shows more respondents than invitees, and nothing
    #: points to the person any more. The anonymous answers always stay.
    stakeholder_id: Mapped[int | None] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="CASCADE"), index=True, nullable=True
    )
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    function: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(20))
    #: Set, with nothing else, by the one conditional UPDATE of a submission: every link of
    #: the invitation then answers "already answered".
    is_used: Mapped[bool] = mapped_column(default=False)


class InvitationToken(Base):
    """The SHA-256 of one link emailed for an invitation (the invitation email and each
    reminder mint their own when the outbox delivers them). Every link a stakeholder received
    opens the survey until they answer or it closes; the rows stay after that (a stakeholder's
    own link shows the results playback after close).

    The hash is the key, and there is no timestamp or sequence; on SQLite the table has no
    rowid, so rows carry no insertion order either. Closing a survey evens out the number of
    rows per invitation (`surveys.services.mark_closed`), so after close the count does not
    tell how many reminders someone received before answering.
    """

    __tablename__ = "invitation_tokens"
    __table_args__ = {"sqlite_with_rowid": False}

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), index=True
    )


class Response(Base):
    """One submitted answer sheet. Random id, the respondent's segment and the day only: no
    link to the invitation or the stakeholder."""

    __tablename__ = "responses"
    __table_args__ = (
        Index("ix_responses_survey_segment", "survey_id", "organization_id", "function", "level"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_uuid)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    function: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(20))
    submitted_on: Mapped[dt.date] = mapped_column(Date)


class Answer(Base):
    """One closed answer: the raw option value 1..A (0..10 for likelihood); NULL means
    "not applicable". Unanswered items have no row. Both are missing, never zero.

    An answer is the answer of its response (a random uuid4) to one item: that pair is the
    key, so a row carries no id of its own and nothing that follows insertion order (on
    SQLite the table has no rowid either). Storing a pulse of 21 answers thus writes each row
    into two B-trees (the key, and the item index that guards deleting an item) instead of
    five (rowid, a uuid key, the unique pair, and two single-column indexes), and reading a
    response's answers walks one stretch of the key."""

    __tablename__ = "answers"
    __table_args__ = {"sqlite_with_rowid": False}

    response_id: Mapped[str] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    value: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)


class Comment(Base):
    """An open-text answer. A coach may hide a comment that names a person: it is kept,
    marked hidden, and the hiding is logged."""

    __tablename__ = "comments"
    __table_args__ = (
        # The few hidden comments, found without reading the others: a results page checks
        # them on every view (its kept comment list depends on them).
        Index(
            "ix_comments_hidden",
            "response_id",
            sqlite_where=text("is_hidden IS 1"),
            postgresql_where=text("is_hidden IS true"),
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_uuid)
    response_id: Mapped[str] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="RESTRICT"), index=True)
    body: Mapped[str] = mapped_column(Text)
    is_hidden: Mapped[bool] = mapped_column(default=False)
    hidden_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    hidden_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
