"""`flask jobs run`: the scheduler process. APScheduler 3's BlockingScheduler in its own
process, never inside a web worker or the development server (nothing in the web app starts
it). One thread runs the jobs, one at a time, each at its own interval (coalesced: a run
missed while another job ran happens once, late). Missed work after downtime is not
APScheduler's business: every job reads what is due from the project's own tables.

Only the process holding the scheduler lock (`partnership.jobs.lock`) runs jobs. Another one
started by mistake waits, checking the lock every SCHEDULER_LOCK_RETRY_SECONDS, and takes over
when the holder stops or dies. If the holder loses its lock (PostgreSQL restarted, say), it
stops at its next heartbeat with exit status 3, for its supervisor to restart it.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
from collections.abc import Callable
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from partnership.db import utcnow
from partnership.extensions import db
from partnership.jobs import services
from partnership.jobs.lock import SchedulerLock, holder_description
from partnership.jobs.registry import JOBS
from partnership.jobs.services import Job

log = logging.getLogger(__name__)

LOST_LOCK = 3


def _holder(app: Flask) -> str:
    with app.app_context():
        try:
            beat = services.heartbeat()
        finally:
            db.session.remove()
    if beat is None:
        return ""
    return f" (pid {beat.pid} on {beat.host}, last heartbeat {beat.beat_at:%Y-%m-%d %H:%M:%S} UTC)"


def _job_runner(app: Flask, job: Job) -> Callable[[], None]:
    def run() -> None:
        with app.app_context():
            try:
                outcome = services.run_job(job, utcnow, app.config)
            except Exception:  # recording the run failed (database down): keep the process
                log.exception("job %s could not run", job.name)
                return
            finally:
                db.session.remove()
        if not outcome.ok:
            log.error("job %s: %s", job.name, outcome.summary)
        else:
            log.debug("job %s: %s", job.name, outcome.summary)

    return run


def run_scheduler(app: Flask, echo: Callable[[str], Any] = print) -> int:
    """Wait for the scheduler lock, then run the jobs until stopped (SIGTERM, SIGINT) or the
    lock is lost. Returns the exit status."""
    lock = SchedulerLock(app.config["DATABASE_URL"])
    stop = threading.Event()
    scheduler: BlockingScheduler | None = None

    def on_signal(signum: int, _frame: Any) -> None:
        stop.set()
        if scheduler is not None and scheduler.running:
            # The running job finishes (at most one email batch); then the process ends.
            scheduler.shutdown(wait=True)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        retry = float(app.config["SCHEDULER_LOCK_RETRY_SECONDS"])
        waiting = False
        while not lock.try_acquire():
            if not waiting:
                echo(
                    f"Another scheduler holds the lock{_holder(app)}. This one ({holder_description()}) "
                    f"waits and takes over when it stops; it checks every {retry:g} s."
                )
                waiting = True
            if stop.wait(retry):
                return 0
        if stop.is_set():
            return 0
        started = utcnow()
        lost = threading.Event()
        # APScheduler narrates every job it adds and runs; job_runs and our own log say it.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        scheduler = BlockingScheduler(
            # Jobs run one at a time; the heartbeat has a thread of its own, so that a long
            # job (an email batch to a slow server) never makes a living scheduler look dead.
            executors={
                "default": ThreadPoolExecutor(max_workers=1),
                "heartbeat": ThreadPoolExecutor(max_workers=1),
            },
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=dt.UTC,
        )

        def heartbeat() -> None:
            if not lock.check():
                log.error("the scheduler lock was lost; stopping")
                lost.set()
                if scheduler is not None and scheduler.running:
                    scheduler.shutdown(wait=False)
                return
            with app.app_context():
                try:
                    services.beat(utcnow(), mode="run", started_at=started)
                except Exception:
                    log.exception("heartbeat not written")
                finally:
                    db.session.remove()

        heartbeat()  # at once: `jobs status` names the new holder before the first job runs
        first = utcnow()
        scheduler.add_job(
            heartbeat,
            IntervalTrigger(seconds=float(app.config["SCHEDULER_HEARTBEAT_SECONDS"])),
            id="heartbeat",
            executor="heartbeat",
            next_run_time=first,
        )
        for job in JOBS:
            scheduler.add_job(
                _job_runner(app, job),
                IntervalTrigger(seconds=job.interval(app.config)),
                id=job.name,
                name=job.title,
                next_run_time=first,
            )
        echo(
            f"Scheduler running ({holder_description()}): "
            + ", ".join(f"{j.name} every {j.interval(app.config):g} s" for j in JOBS)
            + ". Stop it with Ctrl+C or SIGTERM."
        )
        scheduler.start()
        return LOST_LOCK if lost.is_set() else 0
    finally:
        lock.release()
        for s, handler in previous.items():
            signal.signal(s, handler)
