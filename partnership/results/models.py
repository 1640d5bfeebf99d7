from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from partnership.db import Base, UTCDateTime, utcnow


class Snapshot(Base):
    """The frozen scores, signals and health of a closed survey (scoring.md section 7).

    Written when the survey closes (version 1) and by every explicit re-score (version 2, 3,
    ...). Briefs and exports read the newest version, so they stay the same after later edits
    to the instrument or thresholds.
    """

    __tablename__ = "snapshots"
    __table_args__ = (UniqueConstraint("survey_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    #: The scoring result as JSON (full precision), the public export's "result" object.
    data: Mapped[dict] = mapped_column(JSON)
    #: "close" or "rescore".
    reason: Mapped[str] = mapped_column(String(20), default="close")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiToken(Base):
    """A per-partnership token for the results API, created and revoked by a coach. Only its
    SHA-256 is stored; the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: First characters of the token, so a coach can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(12))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AccessLog(Base):
    """Who exported or downloaded what, and when (visible to coaches)."""

    __tablename__ = "access_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    api_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="SET NULL"), nullable=True
    )
    #: e.g. "export.json", "export.csv", "export.xlsx", "comment.hide", "brief.download".
    action: Mapped[str] = mapped_column(String(40))
    #: What was concerned, e.g. "survey 12" or "cycle 3".
    subject: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
