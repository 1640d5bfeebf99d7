"""`flask outbox send|purge`: one pass by hand. The scheduler (`flask jobs run`) delivers and
purges continuously; these commands are for an operator who wants it now."""

import click
from flask import current_app

from partnership.clitools import CommandGroup
from partnership.outbox.services import purge, send_pending

outbox_cli = CommandGroup("outbox", help="Deliver queued emails now; purge delivered ones.")


def _retention_days() -> int:
    return int(current_app.config["OUTBOX_RETENTION_DAYS"])


@outbox_cli.command("send")
def send_command() -> None:
    """Send every due email in the outbox once (SMTP settings from PARTNERSHIP_SMTP_*). The
    scheduler (`flask jobs run`) does this every few seconds; running both at once is safe."""
    counts = send_pending(current_app.config)
    click.echo(
        f"sent {counts['sent']}, retrying {counts['retry']}, failed {counts['failed']}, "
        f"cancelled {counts['cancelled']}"
    )


@outbox_cli.command("purge")
def purge_command() -> None:
    """Delete delivered, failed and cancelled emails older than OUTBOX_RETENTION_DAYS (30)."""
    days = _retention_days()
    click.echo(f"purged {purge(retention_days=days)} outbox rows older than {days} days")
