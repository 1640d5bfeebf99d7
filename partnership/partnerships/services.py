"""Partnerships, their two organizations, memberships and stakeholders. Who may do what on a
partnership is decided in ``partnership.partnerships.access``."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import TypeVar
from zoneinfo import available_timezones

from sqlalchemy import select

from partnership.accounts.models import User
from partnership.errors import NotFound, Refused
from partnership.extensions import db
from partnership.partnerships.models import (
    DEFAULT_FUNCTIONS,
    Membership,
    Organization,
    Partnership,
    Stakeholder,
)

log = logging.getLogger(__name__)
CSV_COLUMNS = ("name", "email", "organization", "function", "level", "active")
MAX_IMPORT_ROWS = 5000


class PartnershipError(Refused):
    """A use case refused, with a message fit for the user."""


@dataclass
class PartnershipData:
    name: str
    description: str
    start_date: dt.date | None
    timezone: str
    org_a_name: str
    org_a_code: str
    org_b_name: str
    org_b_code: str
    functions: list[str] = field(default_factory=lambda: list(DEFAULT_FUNCTIONS))
    min_group: int = 5


def timezones() -> list[str]:
    return sorted(available_timezones())


# --- access -------------------------------------------------------------------------------


def visible_partnerships(
    user: User, *, archived: bool = False, role: str | None = None
) -> list[Partnership]:
    """The partnerships the user is a member of (with `role`: only as that role; an admin:
    all of them), by name."""
    stmt = (
        select(Partnership).where(Partnership.is_archived.is_(archived)).order_by(Partnership.name)
    )
    if not user.is_admin:
        stmt = stmt.join(Membership, Membership.partnership_id == Partnership.id).where(
            Membership.user_id == user.id, *([Membership.role == role] if role else [])
        )
    return list(db.session.scalars(stmt))


_Row = TypeVar("_Row")


def get_child_or_404(model: type[_Row], child_id: object, partnership: Partnership) -> _Row:
    """A row of `model` that belongs to the partnership, else `NotFound`."""
    row = db.session.get(model, child_id)
    if row is None or getattr(row, "partnership_id", None) != partnership.id:
        raise NotFound("There is nothing at this address, or you have no access to it.")
    return row


# --- partnerships -------------------------------------------------------------------------


def _check(data: PartnershipData) -> None:
    if data.timezone not in available_timezones():
        raise PartnershipError(f"Unknown time zone {data.timezone!r}.")
    if data.org_a_code.strip().lower() == data.org_b_code.strip().lower():
        raise PartnershipError("The two organizations need different short codes.")
    if data.org_a_name.strip().lower() == data.org_b_name.strip().lower():
        raise PartnershipError("The two organizations need different names.")
    if not 3 <= data.min_group <= 50:
        raise PartnershipError("The privacy threshold must be between 3 and 50.")


@db.writes
def create_partnership(user: User, data: PartnershipData) -> Partnership:
    """Create a partnership with its two organizations; the creator becomes a member. Commits."""
    _check(data)
    partnership = Partnership(
        name=data.name.strip(),
        description=data.description.strip(),
        start_date=data.start_date,
        timezone=data.timezone,
        functions=list(data.functions),
        min_group=data.min_group,
    )
    db.session.add(partnership)
    db.session.flush()
    for position, (name, code) in enumerate(
        ((data.org_a_name, data.org_a_code), (data.org_b_name, data.org_b_code)), start=1
    ):
        db.session.add(
            Organization(
                partnership_id=partnership.id,
                position=position,
                name=name.strip(),
                short_code=code.strip(),
            )
        )
    db.session.add(Membership(partnership_id=partnership.id, user_id=user.id, role="coach"))
    db.session.commit()
    db.session.refresh(partnership)
    log.info("partnership %s created by user %s", partnership.id, user.id)
    return partnership


@db.writes
def update_partnership(partnership: Partnership, data: PartnershipData) -> None:
    """Edit a partnership and its organizations' names and codes. Commits."""
    _check(data)
    in_use = set(
        db.session.scalars(
            select(Stakeholder.function)
            .where(Stakeholder.partnership_id == partnership.id)
            .distinct()
        )
    )
    missing = sorted(in_use - set(data.functions))
    if missing:
        raise PartnershipError(
            "These functions are still used by stakeholders: " + ", ".join(missing) + "."
        )
    partnership.name = data.name.strip()
    partnership.description = data.description.strip()
    partnership.start_date = data.start_date
    partnership.timezone = data.timezone
    partnership.functions = list(data.functions)
    partnership.min_group = data.min_group
    org_a, org_b = partnership.organizations
    org_a.name, org_a.short_code = data.org_a_name.strip(), data.org_a_code.strip()
    org_b.name, org_b.short_code = data.org_b_name.strip(), data.org_b_code.strip()
    db.session.commit()


@db.writes
def set_archived(partnership: Partnership, archived: bool) -> None:
    """Archive (read-only, hidden from lists) or restore a partnership. Commits."""
    partnership.is_archived = archived
    db.session.commit()


@db.writes
def add_coach(partnership: Partnership, email: str) -> User:
    """Give an existing coach account access to the partnership (admins only). Commits."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise PartnershipError(f"No account with the email {email.strip().lower()}.")
    exists = db.session.scalar(
        select(Membership.id).where(
            Membership.partnership_id == partnership.id, Membership.user_id == user.id
        )
    )
    if exists is not None:
        raise PartnershipError(f"{user.email} is already a member of this partnership.")
    db.session.add(
        Membership(
            partnership_id=partnership.id,
            user_id=user.id,
            role="coach",
        )
    )
    db.session.commit()
    return user
