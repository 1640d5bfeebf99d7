import click

from partnership.accounts import services
from partnership.clitools import CommandGroup

accounts_cli = CommandGroup("accounts", help="Manage user accounts.")


def _create(email: str, name: str, password: str, is_admin: bool) -> None:
    user = services.create_user(email, name, password, is_admin=is_admin)
    click.echo(f"Created {'admin' if is_admin else 'coach'} {user.email} (id {user.id}).")


@accounts_cli.command("create-coach")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.password_option()
@click.option("--admin", is_flag=True, help="Make the account an admin (may add coaches).")
def create_coach(email: str, name: str, password: str, admin: bool) -> None:
    """Create a coach account (or an admin with --admin)."""
    _create(email, name, password, admin)


@accounts_cli.command("reset-password")
@click.option("--email", required=True)
@click.password_option()
def reset_password(email: str, password: str) -> None:
    """Set a new password for an account; its sessions are logged out."""
    user = services.set_password(email, password)
    click.echo(f"Password of {user.email} was reset.")
