"""What the scheduler remembers between runs: each job's last run, and the heartbeat of the
process that holds the scheduler lock. Everything else it needs it reads from the domain's own
tables (surveys, outbox), so a restart loses nothing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from partnership.db import Base, UTCDateTime


class JobRun(Base):
    """The last run of one scheduled job (one row per job name, upserted)."""

    __tablename__ = "job_runs"
    __table_args__ = (
        CheckConstraint("last_outcome IN ('running', 'ok', 'error')", name="last_outcome"),
    )

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    #: When the last run began, by the scheduler's clock (`flask jobs tick --now` sets it).
    last_started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: running (begun, not finished: still running, or the process died), ok or error.
    last_outcome: Mapped[str] = mapped_column(String(10), default="running")
    #: What the last run did, in a few words ("opened 1 survey").
    last_summary: Mapped[str] = mapped_column(String(500), default="")
    #: The exception of the last failed run (type and message; no traceback, no data).
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_ok_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Failed runs in a row (0 after a run that worked).
    failures_in_row: Mapped[int] = mapped_column(Integer, default=0)


class SchedulerHeartbeat(Base):
    """The one row the scheduler holding the lock rewrites every half minute (and every
    `flask jobs tick`). Older than SCHEDULER_STALE_MINUTES means no scheduler is running:
    `flask jobs status` exits non-zero and coach pages say so."""

    __tablename__ = "scheduler_heartbeats"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("mode IN ('run', 'tick')", name="mode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, default=1)
    beat_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: When this process took the lock (for `tick`, when the pass began).
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    #: "run" (`flask jobs run`) or "tick" (one pass, e.g. from cron).
    mode: Mapped[str] = mapped_column(String(10))
