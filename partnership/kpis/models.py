from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnership.db import Base, UTCDateTime, utcnow
from partnership.partnerships.models import Organization
from partnership.scoring import KPI_DIRECTION_LABELS

SCOPES = {
    "shared": "Shared (system-level, both partners own it)",
    "local": "Local (one organization's own target)",
}
DIRECTIONS = KPI_DIRECTION_LABELS


class Kpi(Base):
    """A key performance indicator the partnership tracks each cycle.

    A shared KPI is a system-level result both partners own (on-time joint deliveries). A local
    KPI is one organization's own target (sales volume, unit cost), optionally of one function,
    and may be linked to the shared KPI it is meant to serve: when the shared KPI misses while
    every local KPI linked to it hits, the partnership optimizes locally (scoring.md, KPI rule).
    """

    __tablename__ = "kpis"
    __table_args__ = (
        UniqueConstraint("partnership_id", "name"),
        CheckConstraint("scope IN ('shared', 'local')", name="scope"),
        CheckConstraint("direction IN ('higher', 'lower')", name="direction"),
        # A shared KPI belongs to no organization and links to nothing; a local one has an owner.
        CheckConstraint(
            "(scope = 'shared' AND organization_id IS NULL AND function IS NULL "
            "AND linked_to_id IS NULL) OR (scope = 'local' AND organization_id IS NOT NULL)",
            name="scope_fields",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    #: Shown after each value, e.g. "%", "EUR", "days"; empty for a plain number.
    unit: Mapped[str] = mapped_column(String(40), default="")
    scope: Mapped[str] = mapped_column(String(10))
    #: The organization whose own target a local KPI is (None for a shared KPI).
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True, nullable=True
    )
    #: Optionally, the function of that organization that owns the local KPI.
    function: Mapped[str | None] = mapped_column(String(40), nullable=True)
    #: "higher" or "lower" is better: on target means value >= target, or value <= target.
    direction: Mapped[str] = mapped_column(String(10), default="higher")
    #: The current target; each recorded value keeps the target that stood when it was recorded.
    target: Mapped[float] = mapped_column(Float)
    #: A local KPI's shared KPI of the same partnership (the one it is meant to serve).
    linked_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("kpis.id", ondelete="SET NULL"), index=True, nullable=True
    )
    #: A deactivated KPI is no longer tracked: no new values, no signals; its history stays.
    is_active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization | None] = relationship(lazy="joined")

    @property
    def is_shared(self) -> bool:
        return self.scope == "shared"


class KpiValue(Base):
    """A KPI's value in one cycle, with the target as it stood when the value was recorded, so
    a later change of the KPI's target does not rewrite history. No row: not recorded."""

    __tablename__ = "kpi_values"
    __table_args__ = (UniqueConstraint("kpi_id", "cycle_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpis.id", ondelete="CASCADE"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    value: Mapped[float] = mapped_column(Float)
    target: Mapped[float] = mapped_column(Float)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
