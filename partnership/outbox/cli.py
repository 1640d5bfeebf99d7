import time

import click
from flask import current_app

from partnership.clitools import CommandGroup
from partnership.outbox.services import send_pending

outbox_cli = CommandGroup("outbox", help="Deliver queued emails.")


@outbox_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep sending every few seconds until stopped.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes.")
def send_command(loop: bool, interval: float) -> None:
    """Send every due email in the outbox (SMTP settings from PARTNERSHIP_SMTP_*)."""
    while True:
        counts = send_pending(current_app.config)
        if counts["sent"] or counts["failed"] or counts["retry"] or not loop:
            click.echo(
                f"sent {counts['sent']}, retrying {counts['retry']}, failed {counts['failed']}"
            )
        if not loop:
            return
        time.sleep(interval)
