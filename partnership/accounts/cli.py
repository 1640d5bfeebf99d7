import click
from flask import current_app

from partnership.accounts import services
from partnership.clitools import CommandGroup
from partnership.errors import NotFound
from partnership.extensions import db
from partnership.partnerships import committee
from partnership.partnerships.models import Partnership

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


@accounts_cli.command("invite-steering")
@click.option("--partnership", "partnership_id", type=int, required=True, help="Partnership id.")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--organization",
    type=click.Choice(["A", "B"], case_sensitive=False),
    required=True,
    help="The organization the member represents.",
)
def invite_steering(partnership_id: int, email: str, name: str, organization: str) -> None:
    """Invite a steering member of a partnership: a new account gets an emailed link to choose
    a password (sent by the scheduler or `flask outbox send`); an existing one is added."""
    partnership = db.session.get(Partnership, partnership_id)
    if partnership is None:
        raise NotFound(f"No partnership with id {partnership_id}.")
    user, created = committee.invite_steering(
        partnership,
        name=name,
        email=email,
        organization=organization.upper(),
        base_url=current_app.config["BASE_URL"],
    )
    click.echo(
        f"{'Invited' if created else 'Added'} {user.email} as a steering member of "
        f"“{partnership.name}” for organization {organization.upper()}; the email is queued."
    )
