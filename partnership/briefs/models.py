"""Issued briefs: each version of a cycle's steering-committee brief, kept with its PDF, and
the steering members' acknowledgements of it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from partnership.db import Base, UTCDateTime, utcnow


class BriefVersion(Base):
    """One issued version of a cycle's brief (1, 2, ... per cycle). The PDF is stored as it
    was sent, so an earlier version stays downloadable byte for byte; ``as_of`` is the date
    printed on it and the start of "since the last brief" for the next one."""

    __tablename__ = "brief_versions"
    __table_args__ = (UniqueConstraint("cycle_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    #: The brief's own "now": its cover date, its overdue verdicts.
    as_of: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: SHA-256 of the PDF (hex), printed on the brief's page so a reader can check a copy.
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    #: The PDF bytes (loaded only when downloaded or emailed).
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    #: The web page's display data as issued (``briefs.frozen``), so the page of a version
    #: says what its PDF says whatever changes later; None for versions issued before it.
    page: Mapped[str | None] = mapped_column(Text, nullable=True, deferred=True)
    issued_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    #: Who issued it, as named then (the record still reads after the account is gone).
    issued_by_name: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class BriefAcknowledgement(Base):
    """A steering member's "I have read it" on one version, for the organization they
    represented when they acknowledged."""

    __tablename__ = "brief_acknowledgements"
    __table_args__ = (UniqueConstraint("version_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("brief_versions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    user_name: Mapped[str] = mapped_column(String(200))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), nullable=True
    )
    acknowledged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
