"""Admin commands: `flask db ...` and `flask demo`."""

from __future__ import annotations

import logging
import os
import sqlite3
from typing import TYPE_CHECKING

import click
from flask import current_app
from sqlalchemy.engine import make_url

from partnership.clitools import CommandGroup
from partnership.config import resource_dir
from partnership.db import normalise_url

if TYPE_CHECKING:
    from alembic.config import Config

db_cli = CommandGroup("db", help="Database schema and backups.")


def alembic_config(url: str | None = None) -> Config:
    # Alembic (with Mako and Pygments behind it) is imported by the commands that use it, not
    # by every web worker at start-up.
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", resource_dir("migrations"))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["database_url"] = normalise_url(url or current_app.config["DATABASE_URL"])
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    # Alembic narrates every step at INFO; a person upgrading wants the outcome only.
    from alembic import command

    logging.getLogger("alembic").setLevel(logging.WARNING)
    command.upgrade(alembic_config(url), revision)


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Upgrade the database to the latest schema (or REVISION)."""
    upgrade(revision=revision)
    click.echo(f"Database upgraded to {revision}.")
    if revision == "head":
        from partnership.instruments.services import ensure_builtins

        ensure_builtins()


@db_cli.command("downgrade")
@click.argument("revision")
def downgrade_command(revision: str) -> None:
    """Downgrade the database to REVISION (e.g. base)."""
    from alembic import command

    command.downgrade(alembic_config(), revision)
    click.echo(f"Database downgraded to {revision}.")


@db_cli.command("current")
def current_command() -> None:
    """Show the database's schema revision."""
    from alembic import command

    command.current(alembic_config())


@db_cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
def backup_command(path: str) -> None:
    """Copy the SQLite database to PATH while the app keeps running (online backup API)."""
    url = make_url(normalise_url(current_app.config["DATABASE_URL"]))
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(
            "On PostgreSQL use pg_dump, e.g. `pg_dump -Fc DBNAME > backup.dump` (see README)."
        )
    if os.path.exists(path):
        raise click.ClickException(f"{path} exists; choose a new file name.")
    source = sqlite3.connect(url.database or "")
    target = sqlite3.connect(path)
    try:
        with target:
            source.backup(target)
    finally:
        target.close()
        source.close()
    click.echo(f"Backup written to {path}.")


@click.command("demo")
@click.option("--password", default="pulse-demo-2026", show_default=True)
def demo_command(password: str) -> None:
    """Load the demo partnership (idempotent) and print the coach login."""
    from partnership.demo import load_demo

    info = load_demo(password=password, base_url=current_app.config["BASE_URL"])
    click.echo(info)
