"""`flask surveys rescore --survey ID`: write a new snapshot version of a closed survey with the
current thresholds (the coach's re-score, from the command line). The command joins the
surveys command group; `partnership.results.api` imports this module so it is attached before
the app registers its commands."""

from __future__ import annotations

import click

from partnership.extensions import db
from partnership.results import services
from partnership.surveys.cli import survey_option, surveys_cli
from partnership.surveys.models import Survey


@surveys_cli.command("rescore")
@survey_option
def rescore_command(survey_id: int) -> None:
    """Re-score a closed survey: a new snapshot version with today's thresholds."""
    survey = db.session.get(Survey, survey_id)
    if survey is None:
        raise click.ClickException(f"No survey with id {survey_id}.")
    try:
        snapshot = services.rescore(survey, None)
    except services.ResultsError as exc:
        raise click.ClickException(str(exc))
    click.echo(f"Survey {survey_id} re-scored: snapshot version {snapshot.version}.")
