from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, TypeVar

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
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnership.db import Base, UTCDateTime, utcnow
from partnership.partnerships.levels import LEVELS  # noqa: F401 - re-exported

DEFAULT_FUNCTIONS = [
    "sales",
    "operations",
    "procurement",
    "finance",
    "product",
    "leadership",
    "other",
]
_Org = TypeVar("_Org", bound=Any)


def other_organization(organizations: Sequence[_Org], organization_id: int | None) -> _Org | None:
    """Of a partnership's two organizations (rows or plain records with an id), the one that is
    not `organization_id`."""
    return next((o for o in organizations if o.id != organization_id), None)


class Partnership(Base):
    """A strategic partnership between two organizations, run by one or more coaches."""

    __tablename__ = "partnerships"
    __table_args__ = (
        CheckConstraint("min_group >= 3 AND min_group <= 50", name="min_group"),
        CheckConstraint("cycle_cadence IN ('off', 'quarterly')", name="cycle_cadence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    #: IANA time zone name; survey dates are shown to stakeholders in it.
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    #: The stakeholder functions offered for this partnership (ordered keys).
    functions: Mapped[list[str]] = mapped_column(JSON, default=lambda: list(DEFAULT_FUNCTIONS))
    #: Privacy threshold: the fewest persons behind any reported value (scoring.md section 5).
    min_group: Mapped[int] = mapped_column(Integer, default=5)
    #: Overrides of the early-warning thresholds (scoring.md section 6); empty means defaults.
    thresholds: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    #: Target days per cycle stage ("assess", "adapt", ...), overrides of the defaults in
    #: partnership.governance.stages; a stage past its target is flagged overdue.
    stage_days: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    #: The reminder plan: days before a survey's closing time at which the scheduler reminds
    #: those who have not answered (at most two; empty: no planned reminders).
    reminder_days: Mapped[list[int]] = mapped_column(
        JSON, default=lambda: [7, 2], server_default="[7, 2]"
    )
    #: "quarterly": the scheduler creates next quarter's cycle, with the surveys of the latest
    #: cycle planned again three months later, a month before the quarter starts. "off" (the
    #: default): coaches create cycles.
    cycle_cadence: Mapped[str] = mapped_column(String(12), default="off", server_default="off")
    is_archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    organizations: Mapped[list[Organization]] = relationship(
        back_populates="partnership", order_by="Organization.position", lazy="selectin"
    )

    @property
    def org_a(self) -> Organization:
        return self.organizations[0]

    @property
    def org_b(self) -> Organization:
        return self.organizations[1]

    def partner_of(self, organization_id: int | None) -> Organization | None:
        """The other organization: the one whose name a respondent's items show."""
        return other_organization(self.organizations, organization_id)


class Organization(Base):
    """One of the two partner organizations; position 1 is "A", the reference side of gaps."""

    __tablename__ = "organizations"
    __table_args__ = (
        UniqueConstraint("partnership_id", "position"),
        CheckConstraint("position IN (1, 2)", name="position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    short_code: Mapped[str] = mapped_column(String(12))

    partnership: Mapped[Partnership] = relationship(back_populates="organizations")

    @property
    def letter(self) -> str:
        return "A" if self.position == 1 else "B"


class Membership(Base):
    """A user's role on one partnership: coach (configures, holds the raw data) or steering
    member (reads results, takes part in governance) for one of the two organizations.
    What each role may do is decided in ``partnership.partnerships.access``."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("partnership_id", "user_id"),
        CheckConstraint("role IN ('coach', 'steering')", name="role"),
        CheckConstraint(
            "(role = 'steering') = (organization_id IS NOT NULL)", name="steering_organization"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="coach")
    #: The organization a steering member represents; None for a coach.
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), nullable=True, index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Stakeholder(Base):
    """A person in either organization who answers pulse surveys through a personal link."""

    __tablename__ = "stakeholders"
    __table_args__ = (
        UniqueConstraint("partnership_id", "email"),
        CheckConstraint("level IN ('executive', 'manager', 'individual')", name="level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    #: Stored lower-cased, so uniqueness ignores case.
    email: Mapped[str] = mapped_column(String(254))
    function: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(20))
    is_active: Mapped[bool] = mapped_column(default=True)
    #: The stakeholder asked (through the link in an email) not to receive reminders.
    is_reminder_opt_out: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship(lazy="joined")
