"""`flask jobs run|tick|status`: the scheduler, one pass of it, and whether it is running."""

from __future__ import annotations

import datetime as dt
import sys

import click
from flask import current_app

from partnership.clitools import CommandGroup
from partnership.db import utcnow
from partnership.jobs import services
from partnership.jobs.lock import SchedulerLock
from partnership.jobs.registry import JOBS
from partnership.timefmt import duration

jobs_cli = CommandGroup(
    "jobs", help="The scheduler: run it (`run`), run one pass (`tick`), check it (`status`)."
)


def _parse_now(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO time such as 2026-12-01T09:00 or 2026-12-01T09:00+01:00.",
            param_hint="--now",
        )
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


now_option = click.option(
    "--now",
    "now_text",
    metavar="ISO-TIME",
    help="Act as if it were this time (UTC unless it carries an offset): for tests and rehearsals.",
)


@jobs_cli.command("run")
def run_command() -> None:
    """Run the scheduler until stopped: opens, reminds and closes surveys on time and
    delivers email. Run exactly one per installation, beside gunicorn (a second one waits and
    takes over if the first stops)."""
    from partnership.jobs.process import run_scheduler

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    sys.exit(run_scheduler(app, echo=click.echo))


@jobs_cli.command("tick")
@now_option
def tick_command(now_text: str | None) -> None:
    """Run every job once, now (or at --now), then exit: for cron-minded operators and tests.
    Exits 1 when another scheduler holds the lock (nothing is done) or a job failed."""
    fixed = _parse_now(now_text)
    clock = (lambda: fixed) if fixed is not None else utcnow
    lock = SchedulerLock(current_app.config["DATABASE_URL"])
    if not lock.try_acquire():
        beat = services.heartbeat()
        holder = f" (pid {beat.pid} on {beat.host})" if beat is not None else ""
        raise click.ClickException(f"Another scheduler holds the lock{holder}: nothing was done.")
    try:
        services.beat(clock(), mode="tick", started_at=clock())
        outcomes = services.run_pass(JOBS, clock, current_app.config)
    finally:
        lock.release()
    for outcome in outcomes:
        click.echo(
            f"{outcome.name}: {outcome.summary if outcome.ok else 'FAILED ' + outcome.summary}"
        )
    failed = [o.name for o in outcomes if not o.ok]
    if failed:
        raise click.ClickException("failed: " + ", ".join(failed))


def _when(value: dt.datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M:%S}" if value is not None else "never"


@jobs_cli.command("status")
@now_option
def status_command(now_text: str | None) -> None:
    """Each job's last run and outcome, and the heartbeat. Exit status: 0 running; 1 no
    heartbeat for SCHEDULER_STALE_MINUTES (10) or never: no scheduler is running; 2 running,
    but a job's last run failed."""
    health = services.health(current_app.config, _parse_now(now_text))
    beat = health.beat
    if beat is None:
        click.echo("Scheduler: NOT RUNNING: no heartbeat was ever written. Start `flask jobs run`.")
    else:
        age = duration(health.age or dt.timedelta())
        where = f"pid {beat.pid} on {beat.host}, `flask jobs {beat.mode}`"
        if health.is_stale:
            click.echo(
                f"Scheduler: NOT RUNNING: last heartbeat {_when(beat.beat_at)} UTC, {age} ago "
                f"({where}). Start `flask jobs run`."
            )
        else:
            click.echo(
                f"Scheduler: running: last heartbeat {_when(beat.beat_at)} UTC, {age} ago "
                f"({where}, since {_when(beat.started_at)} UTC)."
            )
    runs = services.last_runs()
    click.echo(f"{'job':20} {'every':>7}  {'last run (UTC)':19}  {'outcome':11} what it did")
    failed = False
    for job in JOBS:
        run = runs.get(job.name)
        every = f"{job.interval(current_app.config):g} s"
        if run is None:
            click.echo(f"{job.name:20} {every:>7}  {'never':19}  {'-':11}")
            continue
        outcome = health.outcome(run)
        failed = failed or outcome == "error"
        said = {
            "error": run.last_error,
            "interrupted": "began, never finished: its scheduler stopped",
        }.get(outcome, run.last_summary)
        click.echo(
            f"{job.name:20} {every:>7}  {_when(run.last_started_at):19}  {outcome:11} {said or ''}"
        )
    if health.is_stale:
        sys.exit(1)
    if failed:
        sys.exit(2)
