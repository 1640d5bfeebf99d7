"""`flask instruments ...`: seed the built-in instruments and list what is installed."""

from __future__ import annotations

import click
from sqlalchemy import select

from partnership.clitools import CommandGroup
from partnership.extensions import db
from partnership.instruments.models import Instrument
from partnership.instruments.services import ensure_builtins, latest_version

instruments_cli = CommandGroup("instruments", help="The instrument library.")


@instruments_cli.command("seed")
def seed_command() -> None:
    """Create or refresh the built-in instruments from the catalog (idempotent)."""
    ensure_builtins()
    for instrument in db.session.scalars(
        select(Instrument).where(Instrument.builtin_key.is_not(None)).order_by(Instrument.id)
    ):
        version = latest_version(instrument)
        click.echo(
            f"{instrument.builtin_key}: version {version.number}, {len(version.items)} items"
        )


@instruments_cli.command("list")
def list_command() -> None:
    """List every instrument lineage with its latest version."""
    for instrument in db.session.scalars(select(Instrument).order_by(Instrument.id)):
        version = latest_version(instrument)
        owner = "built-in" if instrument.is_builtin else f"partnership {instrument.partnership_id}"
        click.echo(
            f"{instrument.id}\t{owner}\tv{version.number}\t{len(version.items)} items\t"
            f"{instrument.name}"
        )
