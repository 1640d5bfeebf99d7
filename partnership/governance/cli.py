"""`flask governance advance|flag-overdue|escalate-overdue`: what the scheduler runs, and a coach's stage move
from the command line. Both call the governance services; ``--now`` sets the clock (ISO 8601,
UTC when no offset is given), as scheduled jobs do in tests."""

from __future__ import annotations

import datetime as dt

import click

from partnership.clitools import CommandGroup
from partnership.errors import NotFound
from partnership.extensions import db
from partnership.governance import services, stages
from partnership.surveys.models import CYCLE_STAGES, Cycle

governance_cli = CommandGroup(
    "governance", help="Move cycles through their stages; flag overdue work."
)


def _when(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use ISO 8601, e.g. 2026-12-01T09:00", param_hint="--now")
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


now_option = click.option("--now", "now", help="The clock (ISO 8601; default: now).")


@governance_cli.command("advance")
@click.option("--cycle", "cycle_id", type=int, help="Move this cycle (default: every ready cycle).")
@click.option("--to", "to", type=click.Choice(CYCLE_STAGES[1:]), help="The next stage.")
@click.option("--note", default="", help="Note or override reason (learn, done).")
@now_option
def advance_command(cycle_id: int | None, to: str | None, note: str, now: str | None) -> None:
    """Without --cycle: move every cycle in assess whose surveys are all closed and scored to
    adapt (the scheduler's job). With --cycle: move that cycle to its next stage, if its guard
    allows; refused naming what is missing."""
    when = _when(now)
    if cycle_id is None:
        moved = services.advance_ready(now=when)
        for cycle in moved:
            click.echo(f"Cycle {cycle.id} ({cycle.label}) moved to Adapt.")
        click.echo(f"{len(moved)} cycles moved.")
        return
    found = db.session.get(Cycle, cycle_id)
    if found is None:
        raise NotFound(f"No cycle with id {cycle_id}.")
    cycle = found
    target = to or stages.next_stage(cycle.stage) or cycle.stage
    services.move_stage(cycle, target, None, note=note, now=when)
    click.echo(f"Cycle {cycle.id} ({cycle.label}) moved to {stages.STAGE_LABELS[target]}.")


@governance_cli.command("flag-overdue")
@now_option
def flag_overdue_command(now: str | None) -> None:
    """Flag stages past their target days and actions past their due date (once each), and
    email each overdue action's owner."""
    flagged = services.flag_overdue(now=_when(now))
    click.echo(
        f"{flagged.stages} stages and {flagged.actions} actions flagged overdue; "
        f"{flagged.emails} emails queued."
    )


@governance_cli.command("escalate-overdue")
@now_option
def escalate_overdue_command(now: str | None) -> None:
    """Move each open issue whose days at its escalation level ran out up one level (once),
    and email the people of the level it reached."""
    from partnership.steering.escalation import escalate_overdue

    done = escalate_overdue(now=_when(now))
    click.echo(f"{done.moved} issues escalated; {done.emails} emails queued.")
