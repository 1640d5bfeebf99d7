"""`flask briefs build --cycle ID -o brief.pdf`: a cycle's steering-committee brief as a PDF
file, built from its snapshots and governance records (nothing is stored or issued)."""

from __future__ import annotations

import datetime as dt

import click

from partnership.clitools import CommandGroup
from partnership.errors import NotFound
from partnership.extensions import db
from partnership.surveys.models import Cycle

briefs_cli = CommandGroup("briefs", help="Build steering-committee briefs.")


def _when(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use ISO 8601, e.g. 2026-12-01T09:00", param_hint="--as-of")
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


@briefs_cli.command("build")
@click.option("--cycle", "cycle_id", type=int, required=True, help="The cycle's id.")
@click.option(
    "-o", "--output", "output", type=click.Path(dir_okay=False), required=True, help="PDF file."
)
@click.option(
    "--as-of",
    "as_of",
    help="The brief's date (ISO 8601; default: the cycle's latest close). Same records and "
    "same date give the same bytes.",
)
def build_command(cycle_id: int, output: str, as_of: str | None) -> None:
    """Write the cycle's brief to a PDF file."""
    from partnership.briefs.data import build_brief, default_as_of
    from partnership.briefs.render import render_pdf

    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFound(f"No cycle with id {cycle_id}.")
    brief = build_brief(cycle, as_of=_when(as_of) or default_as_of(cycle))
    pdf = render_pdf(brief)
    with open(output, "wb") as f:
        f.write(pdf)
    click.echo(f"Brief of {cycle.label} written to {output} ({len(pdf):,} bytes).")
