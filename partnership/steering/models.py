"""Tables of the steering committee: escalation paths and where each issue stands on its
path, trade-off priorities and their tags, decisions, meetings with their frozen agenda.

A partnership that never saved its own escalation path or trade-off priorities uses the
defaults in code (``partnership.steering.escalation.DEFAULT_LEVELS``,
``partnership.steering.tradeoffs.DEFAULT_TRADE_OFFS``); pages never write to show them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from partnership.db import Base, UTCDateTime, utcnow

DECISION_STATUSES = ("requested", "made")
#: The agenda's groups, in the order the agenda lists them; "added" is a coach's own item.
AGENDA_GROUPS = ("escalation", "red", "overdue_action", "amber", "decision", "added")


class EscalationLevel(Base):
    """One level of a partnership's escalation path (1 is the first): its name, the people of
    either organization it reaches, and the days an issue may stay at it before it moves up."""

    __tablename__ = "escalation_levels"
    __table_args__ = (
        UniqueConstraint("partnership_id", "position"),
        CheckConstraint("days_allowed >= 1", name="days_allowed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    days_allowed: Mapped[int] = mapped_column(Integer, default=7)
    #: The people it reaches: [{"user_id": 3, "organization_id": 1}], members of the
    #: partnership, each for one of its two organizations.
    people: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class IssueEscalation(Base):
    """Where an issue stands on its partnership's escalation path, once it has moved. An
    active issue without a row is at level 1 since it was raised."""

    __tablename__ = "issue_escalations"
    __table_args__ = (UniqueConstraint("issue_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"))
    #: The position of its current level on the path.
    level: Mapped[int] = mapped_column(Integer, default=1)
    #: When it reached its current level; its days there count from this moment.
    entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: A level's days ran out while it waited (it moved up by the clock, or waits at the top).
    is_overdue: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class TradeOff(Base):
    """One entry of a partnership's ordered trade-off priorities (position 1 first)."""

    __tablename__ = "trade_offs"
    __table_args__ = (
        UniqueConstraint("partnership_id", "key"),
        UniqueConstraint("partnership_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    #: A stable slug of the name ("critical-service"); tags refer to it.
    key: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(100))


class TradeOffTag(Base):
    """An issue or a decision tagged with what it trades off (a trade-off's key)."""

    __tablename__ = "trade_off_tags"
    __table_args__ = (
        UniqueConstraint("issue_id", "key"),
        UniqueConstraint("decision_id", "key"),
        CheckConstraint("(issue_id IS NULL) <> (decision_id IS NULL)", name="one_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    issue_id: Mapped[int | None] = mapped_column(
        ForeignKey("issues.id", ondelete="CASCADE"), index=True, nullable=True
    )
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("decisions.id", ondelete="CASCADE"), index=True, nullable=True
    )
    key: Mapped[str] = mapped_column(String(60))


class Meeting(Base):
    """A meeting of the joint steering committee: its date, who attended from each
    organization, its agenda (generated and frozen at creation) and minutes."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[dt.date] = mapped_column(Date)
    #: [{"user_id": 3, "organization_id": 1, "name": "Ana"}]; the name as it was then.
    attendees: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    minutes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AgendaItem(Base):
    """One item of a meeting's agenda, frozen when the meeting was created (its title and
    detail as they stood then); coaches add items and reorder."""

    __tablename__ = "agenda_items"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('escalation', 'red', 'overdue_action', 'amber', 'decision', 'added')",
            name="kind",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    #: Which group of the agenda it came from (AGENDA_GROUPS).
    kind: Mapped[str] = mapped_column(String(20))
    issue_id: Mapped[int | None] = mapped_column(
        ForeignKey("issues.id", ondelete="SET NULL"), nullable=True
    )
    action_id: Mapped[int | None] = mapped_column(
        ForeignKey("actions.id", ondelete="SET NULL"), nullable=True
    )
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("decisions.id", ondelete="SET NULL"), nullable=True
    )
    title: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str] = mapped_column(Text, default="")
    #: The trade-off it touches and its severity, as they were when the agenda was made.
    trade_off: Mapped[str] = mapped_column(String(100), default="")
    severity: Mapped[str | None] = mapped_column(String(5), nullable=True)
    is_discussed: Mapped[bool] = mapped_column(default=False)
    added_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AgendaComment(Base):
    """A comment on an agenda item (steering members and coaches)."""

    __tablename__ = "agenda_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    author_name: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Decision(Base):
    """An entry of the decisions register: requested (a question the committee must decide)
    or made (what was decided, why, the options weighed, who decided from each organization,
    when). Linked to issues and actions; a decision may resolve the issues it names."""

    __tablename__ = "decisions"
    __table_args__ = (CheckConstraint("status IN ('requested', 'made')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    cycle_id: Mapped[int | None] = mapped_column(
        ForeignKey("cycles.id", ondelete="SET NULL"), index=True, nullable=True
    )
    #: The meeting it was made in, if any.
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), index=True, nullable=True
    )
    status: Mapped[str] = mapped_column(String(10), default="made")
    #: The decision (or, while requested, the question).
    title: Mapped[str] = mapped_column(String(200))
    rationale: Mapped[str] = mapped_column(Text, default="")
    #: The options considered, in the order given.
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: [{"user_id": 3, "organization_id": 1, "name": "Ana"}]; the name as it was then.
    deciders: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    decided_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class DecisionLink(Base):
    """A decision's link to an issue or an action; ``resolves`` when the decision resolved
    the issue."""

    __tablename__ = "decision_links"
    __table_args__ = (
        UniqueConstraint("decision_id", "issue_id"),
        UniqueConstraint("decision_id", "action_id"),
        CheckConstraint("(issue_id IS NULL) <> (action_id IS NULL)", name="one_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("decisions.id", ondelete="CASCADE"), index=True
    )
    issue_id: Mapped[int | None] = mapped_column(
        ForeignKey("issues.id", ondelete="CASCADE"), index=True, nullable=True
    )
    action_id: Mapped[int | None] = mapped_column(
        ForeignKey("actions.id", ondelete="CASCADE"), index=True, nullable=True
    )
    resolves: Mapped[bool] = mapped_column(default=False)
