"""Running jobs and remembering it: each run's start and outcome in `job_runs`, the
scheduler's heartbeat in `scheduler_heartbeats`, and reading both back for `flask jobs status`
and the coach's pages.

A job is a plain function of a `JobContext` (the scheduler's clock, when the job last ran,
the app's configuration) that calls services and returns a few words on what it did. It runs
in its own application context and database session; an exception is recorded as the run's
outcome and never stops the other jobs.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from partnership.db import utcnow
from partnership.extensions import db
from partnership.jobs.models import JobRun, SchedulerHeartbeat

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class JobContext:
    """What a job gets."""

    #: When this run began, by the scheduler's clock.
    now: dt.datetime
    #: The scheduler's clock: the real one under `flask jobs run`, fixed under `tick --now`.
    clock: Clock
    #: When this job last began before this run (None: never). A planned time between the two
    #: passed while nothing ran, which is how a job tells "late because the scheduler was not
    #: running" from "late because it could not be done".
    previous_run: dt.datetime | None
    config: Mapping[str, Any]

    @property
    def base_url(self) -> str:
        return str(self.config["BASE_URL"])


@dataclass(frozen=True)
class Job:
    """One entry of the job list (`partnership.jobs.registry.JOBS`)."""

    name: str
    #: What it does, for `flask jobs status` and the coach's schedule page.
    title: str
    run: Callable[[JobContext], str]
    #: Seconds between runs under `flask jobs run` (JOBS_EVERY overrides by name).
    every: int

    def interval(self, config: Mapping[str, Any]) -> float:
        return float((config.get("JOBS_EVERY") or {}).get(self.name, self.every))


@dataclass(frozen=True)
class Outcome:
    name: str
    ok: bool
    summary: str


def _upsert(model: type, key: str, values: dict[str, Any]) -> None:
    """INSERT ... ON CONFLICT (key) DO UPDATE, on SQLite and PostgreSQL."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(model).values(**values)
    update = {k: v for k, v in values.items() if k != key}
    db.session.execute(stmt.on_conflict_do_update(index_elements=[key], set_=update))


def run_job(job: Job, clock: Clock, config: Mapping[str, Any]) -> Outcome:
    """Run one job now: record its start, run it, record how it ended (each record in a
    transaction of its own; the job's services commit their own work)."""
    now = clock()
    previous = _record_start(job.name, now)
    context = JobContext(now=now, clock=clock, previous_run=previous, config=config)
    try:
        summary = str(job.run(context) or "")
    except Exception as exc:
        db.session.rollback()
        log.exception("job %s failed", job.name)
        error = f"{type(exc).__name__}: {exc}"
        _record_end(job.name, clock(), summary="failed", error=error)
        return Outcome(job.name, False, error)
    _record_end(job.name, clock(), summary=summary)
    return Outcome(job.name, True, summary)


@db.writes
def _record_start(name: str, now: dt.datetime) -> dt.datetime | None:
    """The job's row says it is running; returns when it began the time before."""
    row = db.session.execute(
        select(JobRun.last_started_at, JobRun.failures_in_row).where(JobRun.name == name)
    ).first()
    _upsert(
        JobRun,
        "name",
        {
            "name": name,
            "last_started_at": now,
            "last_finished_at": None,
            "last_outcome": "running",
            "last_summary": "",
            "last_error": None,
            "failures_in_row": row[1] if row is not None else 0,
        },
    )
    return row[0] if row is not None else None


@db.writes
def _record_end(name: str, when: dt.datetime, *, summary: str, error: str | None = None) -> None:
    values: dict[str, Any] = {
        "last_finished_at": when,
        "last_outcome": "ok" if error is None else "error",
        "last_summary": summary[:500],
    }
    if error is None:
        values.update(last_ok_at=when, failures_in_row=0)
    else:
        values.update(last_error=error[:2000], failures_in_row=JobRun.failures_in_row + 1)
    db.session.execute(update(JobRun).where(JobRun.name == name).values(**values))


def run_pass(jobs: tuple[Job, ...], clock: Clock, config: Mapping[str, Any]) -> list[Outcome]:
    """Every job once, in the list's order (`flask jobs tick`)."""
    return [run_job(job, clock, config) for job in jobs]


# --- the heartbeat -------------------------------------------------------------------------


@db.writes
def beat(now: dt.datetime, *, mode: str, started_at: dt.datetime) -> None:
    """The scheduler holding the lock is alive at `now`. Commits."""
    _upsert(
        SchedulerHeartbeat,
        "id",
        {
            "id": 1,
            "beat_at": now,
            "started_at": started_at,
            "host": socket.gethostname()[:255],
            "pid": os.getpid(),
            "mode": mode,
        },
    )


def heartbeat() -> SchedulerHeartbeat | None:
    return db.session.get(SchedulerHeartbeat, 1)


def stale_after(config: Mapping[str, Any]) -> dt.timedelta:
    return dt.timedelta(minutes=float(config.get("SCHEDULER_STALE_MINUTES") or 10))


@dataclass(frozen=True)
class Health:
    """Whether a scheduler is running, as the heartbeat tells."""

    beat: SchedulerHeartbeat | None
    now: dt.datetime
    stale_after: dt.timedelta

    @property
    def age(self) -> dt.timedelta | None:
        return None if self.beat is None else self.now - self.beat.beat_at

    @property
    def is_stale(self) -> bool:
        age = self.age
        return age is None or age > self.stale_after

    def outcome(self, run: JobRun) -> str:
        """The run's outcome as it stands: ok, error, running, or "interrupted" for a run
        that never finished because its scheduler stopped (killed, machine down)."""
        if run.last_outcome == "running" and self.is_stale:
            return "interrupted"
        return run.last_outcome


def health(config: Mapping[str, Any], now: dt.datetime | None = None) -> Health:
    return Health(heartbeat(), now or utcnow(), stale_after(config))


def last_runs() -> dict[str, JobRun]:
    return {run.name: run for run in db.session.scalars(select(JobRun))}
