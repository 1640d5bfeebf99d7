"""`flask surveys open|close|remind --survey ID`: the coach's buttons from the command line,
calling the same services."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from partnership.extensions import db
from partnership.surveys import services
from partnership.surveys.models import Survey

surveys_cli = AppGroup("surveys", help="Open, close and remind surveys.")

survey_option = click.option("--survey", "survey_id", type=int, required=True, help="Survey id.")


def _survey(survey_id: int) -> Survey:
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        raise click.ClickException(f"No survey with id {survey_id}.")
    return survey


@surveys_cli.command("open")
@survey_option
def open_command(survey_id: int) -> None:
    """Open a survey and queue one invitation email per matching active stakeholder."""
    try:
        count = services.open_survey(_survey(survey_id), base_url=current_app.config["BASE_URL"])
    except services.SurveyError as exc:
        raise click.ClickException(str(exc))
    click.echo(
        f"Survey {survey_id} open: {count} invitations queued (send them with `flask outbox send`)."
    )


@surveys_cli.command("close")
@survey_option
def close_command(survey_id: int) -> None:
    """Close an open survey (final: it cannot be reopened)."""
    try:
        services.close_survey(_survey(survey_id))
    except services.SurveyError as exc:
        raise click.ClickException(str(exc))
    click.echo(f"Survey {survey_id} closed.")


@surveys_cli.command("remind")
@survey_option
def remind_command(survey_id: int) -> None:
    """Queue a reminder, with a fresh link, for everyone who has not answered or opted out."""
    try:
        count = services.send_reminders(_survey(survey_id), base_url=current_app.config["BASE_URL"])
    except services.SurveyError as exc:
        raise click.ClickException(str(exc))
    click.echo(f"Survey {survey_id}: {count} reminders queued.")
