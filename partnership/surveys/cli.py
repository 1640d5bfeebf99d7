"""`flask surveys open|close|remind|rescore --survey ID`: the coach's buttons from the command
line, calling the same services (closing and re-scoring are use cases of
`partnership.results.services`)."""

from __future__ import annotations

import click
from flask import current_app

from partnership.clitools import CommandGroup
from partnership.errors import NotFound
from partnership.extensions import db
from partnership.results import services as results_services
from partnership.surveys import services
from partnership.surveys.models import Survey

surveys_cli = CommandGroup("surveys", help="Open, close, remind and re-score surveys.")

survey_option = click.option("--survey", "survey_id", type=int, required=True, help="Survey id.")


def _survey(survey_id: int) -> Survey:
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        raise NotFound(f"No survey with id {survey_id}.")
    return survey


@surveys_cli.command("open")
@survey_option
def open_command(survey_id: int) -> None:
    """Open a survey and queue one invitation email per matching active stakeholder."""
    count = services.open_survey(_survey(survey_id), base_url=current_app.config["BASE_URL"])
    click.echo(
        f"Survey {survey_id} open: {count} invitations queued (the scheduler, `flask jobs run`, sends them)."
    )


@surveys_cli.command("close")
@survey_option
def close_command(survey_id: int) -> None:
    """Close an open survey and freeze its results (final: it cannot be reopened)."""
    results_services.close_survey(_survey(survey_id))
    click.echo(f"Survey {survey_id} closed.")


@surveys_cli.command("remind")
@survey_option
def remind_command(survey_id: int) -> None:
    """Queue a reminder, with a fresh link, for everyone who has not answered or opted out."""
    count = services.send_reminders(_survey(survey_id), base_url=current_app.config["BASE_URL"])
    click.echo(f"Survey {survey_id}: {count} reminders queued.")


@surveys_cli.command("rescore")
@survey_option
def rescore_command(survey_id: int) -> None:
    """Re-score a closed survey: a new snapshot version with today's thresholds."""
    snapshot = results_services.rescore(_survey(survey_id), None)
    click.echo(f"Survey {survey_id} re-scored: snapshot version {snapshot.version}.")
