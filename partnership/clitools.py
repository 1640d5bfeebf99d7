"""What every `flask <group> ...` command group shares."""

from __future__ import annotations

from typing import Any

import click
from flask.cli import AppGroup

from partnership.errors import DomainError


class CommandGroup(AppGroup):
    """A Flask command group whose commands let domain errors through: each becomes a clear
    message on stderr and exit status 1 (`click.ClickException`), as the same error becomes an
    error page in a view (see `partnership.errors`)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DomainError as exc:
            raise click.ClickException(str(exc)) from exc
