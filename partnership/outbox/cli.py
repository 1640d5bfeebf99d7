import time

import click
from flask import current_app

from partnership.clitools import CommandGroup
from partnership.outbox.services import purge, send_pending

outbox_cli = CommandGroup("outbox", help="Deliver queued emails; purge delivered ones.")


def _retention_days() -> int:
    return int(current_app.config["OUTBOX_RETENTION_DAYS"])


@outbox_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep sending every few seconds until stopped.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes.")
def send_command(loop: bool, interval: float) -> None:
    """Send every due email in the outbox (SMTP settings from PARTNERSHIP_SMTP_*). With --loop
    it also purges finished rows older than the retention period once an hour."""
    last_purge = 0.0
    while True:
        counts = send_pending(current_app.config)
        if counts["sent"] or counts["failed"] or counts["retry"] or not loop:
            click.echo(
                f"sent {counts['sent']}, retrying {counts['retry']}, failed {counts['failed']}, "
                f"cancelled {counts['cancelled']}"
            )
        if not loop:
            return
        if time.monotonic() - last_purge > 3600:
            purge(retention_days=_retention_days())
            last_purge = time.monotonic()
        time.sleep(interval)


@outbox_cli.command("purge")
def purge_command() -> None:
    """Delete delivered, failed and cancelled emails older than OUTBOX_RETENTION_DAYS (30)."""
    days = _retention_days()
    click.echo(f"purged {purge(retention_days=days)} outbox rows older than {days} days")
