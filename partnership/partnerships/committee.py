"""A partnership's members: its coaches and its steering committee, per organization.

A coach invites a steering member by name, email and organization. A new account gets an
email with a one-time link to choose a password (minted by the outbox sender at delivery,
stored hashed, like a password reset); an existing account is simply added and told so. A
coach re-invites (a fresh link) and removes members; a partnership always keeps a coach.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from partnership.accounts.models import PasswordResetToken, User
from partnership.accounts.services import create_invited_user, has_password, normalise_email
from partnership.db import new_uuid
from partnership.errors import NotFound, Refused
from partnership.extensions import db
from partnership.outbox import services as outbox
from partnership.outbox.models import OutboxMessage
from partnership.outbox.services import Email, renders
from partnership.partnerships.access import COACH, STEERING
from partnership.partnerships.models import Membership, Organization, Partnership
from partnership.tokens import hash_token, new_token

log = logging.getLogger(__name__)
STEERING_INVITATION = "partnership.steering_invitation"
#: How long the link of an invitation to choose a password stays valid after the invitation.
INVITE_DAYS = 7


class CommitteeError(Refused):
    """An invitation or removal refused, with a message fit for the coach."""


@dataclass(frozen=True)
class Member:
    user_id: int
    name: str
    email: str
    role: str
    organization_id: int | None
    last_login_at: dt.datetime | None
    #: Invited, and has not chosen a password yet.
    is_pending: bool


@dataclass(frozen=True)
class Committee:
    """The steering members of one organization."""

    organization: Organization
    members: list[Member]


def members(partnership: Partnership) -> list[Member]:
    """Every member of the partnership, coaches first, then by name."""
    rows = db.session.execute(
        select(User, Membership)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.partnership_id == partnership.id)
        .order_by(Membership.role, func.lower(User.name), User.id)
    ).all()
    return [
        Member(
            u.id,
            u.name,
            u.email,
            m.role,
            m.organization_id,
            u.last_login_at,
            not has_password(u),
        )
        for u, m in rows
    ]


def committees(partnership: Partnership) -> list[Committee]:
    """The steering committee per organization (A first); an empty list of members is the
    warning the coach sees."""
    everyone = members(partnership)
    return [
        Committee(org, [m for m in everyone if m.role == STEERING and m.organization_id == org.id])
        for org in partnership.organizations
    ]


def membership(partnership: Partnership, user_id: int) -> Membership:
    """The user's membership of the partnership, else ``NotFound``."""
    row = db.session.scalar(
        select(Membership).where(
            Membership.partnership_id == partnership.id, Membership.user_id == user_id
        )
    )
    if row is None:
        raise NotFound("There is nothing at this address, or you have no access to it.")
    return row


def _enqueue(partnership: Partnership, user: User, base_url: str) -> None:
    outbox.enqueue(
        STEERING_INVITATION,
        key=f"steering-invitation:{new_uuid()}",
        to=user.email,
        user_id=user.id,
        partnership_id=partnership.id,
        params={"base_url": base_url},
    )


@db.writes
def invite_steering(
    partnership: Partnership, *, name: str, email: str, organization: str | int, base_url: str
) -> tuple[User, bool]:
    """Make a person a steering member of the partnership for one organization ("A", "B" or
    its id) and email them. A new account gets a link to choose a password; an existing one is
    added and told. Returns (user, whether the account is new). Commits."""
    address = normalise_email(email)
    org = next(
        (
            o
            for o in partnership.organizations
            if str(organization).upper() in (o.letter, str(o.id))
        ),
        None,
    )
    if org is None:
        raise CommitteeError(
            "Choose organization A or B of this partnership.", field="organization"
        )
    if "@" not in address or len(address) > 254:
        raise CommitteeError("Enter the member's email address.", field="email")
    user = db.session.scalar(select(User).where(User.email == address))
    created = user is None
    if user is None:
        if not name.strip():
            raise CommitteeError("Enter the member's name.", field="name")
        user = create_invited_user(address, name)
    else:
        existing = db.session.scalar(
            select(Membership.role).where(
                Membership.partnership_id == partnership.id, Membership.user_id == user.id
            )
        )
        if existing is not None:
            what = "a coach" if existing == COACH else "a steering member"
            raise CommitteeError(f"{address} is already {what} of this partnership.", field="email")
        if not user.is_active:
            raise CommitteeError(f"The account {address} is deactivated.", field="email")
    db.session.add(
        Membership(
            partnership_id=partnership.id, user_id=user.id, role=STEERING, organization_id=org.id
        )
    )
    _enqueue(partnership, user, base_url)
    db.session.commit()
    log.info("steering member %s invited to partnership %s", user.id, partnership.id)
    return user, created


@db.writes
def reinvite(partnership: Partnership, user_id: int, base_url: str) -> User:
    """Email a steering member again: a fresh link when they have not chosen a password yet.
    Commits."""
    row = membership(partnership, user_id)
    if row.role != STEERING:
        raise CommitteeError("Only steering members are invited.")
    user = db.session.get(User, user_id)
    assert user is not None
    _enqueue(partnership, user, base_url)
    db.session.commit()
    return user


@db.writes
def remove_member(partnership: Partnership, user_id: int) -> User:
    """Take a member off the partnership (the account stays). The last coach stays. Commits."""
    row = membership(partnership, user_id)
    if row.role == COACH:
        coaches = db.session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.partnership_id == partnership.id, Membership.role == COACH)
        )
        if (coaches or 0) <= 1:
            raise CommitteeError("A partnership always keeps at least one coach.")
    user = db.session.get(User, user_id)
    assert user is not None
    db.session.delete(row)
    db.session.commit()
    log.info("member %s removed from partnership %s", user_id, partnership.id)
    return user


@renders(STEERING_INVITATION, label="Steering committee invitation")
def render_steering_invitation(msg: OutboxMessage, now: dt.datetime) -> Email | None:
    """The invitation as it is sent: a one-time link to choose a password (valid INVITE_DAYS
    after the invitation) for an account without one; a note with the login page for an
    account that has one. Nothing when the person is no longer a member."""
    user = db.session.get(User, msg.user_id) if msg.user_id is not None else None
    partnership = db.session.get(Partnership, msg.partnership_id) if msg.partnership_id else None
    if user is None or partnership is None or not user.is_active:
        return None
    membership = db.session.scalar(
        select(Membership).where(
            Membership.partnership_id == partnership.id, Membership.user_id == user.id
        )
    )
    if membership is None or membership.role != STEERING:
        return None
    org = next((o for o in partnership.organizations if o.id == membership.organization_id), None)
    base_url = str(msg.params.get("base_url") or current_app.config["BASE_URL"]).rstrip("/")
    intro = (
        f"Hello {user.name},\n\nyou are a member of the steering committee of the partnership "
        f"“{partnership.name}”"
        + (f", for {org.name}" if org is not None else "")
        + ". In Partnership Pulse you can read its survey results, trends and KPIs, and take "
        "part in its issues, decisions and actions.\n\n"
    )
    if has_password(user):
        text = intro + f"Log in with your email and your password at:\n\n{base_url}/login\n"
    else:
        expires_at = msg.created_at + dt.timedelta(days=INVITE_DAYS)
        if expires_at <= now:
            return None
        token = new_token()
        db.session.add(
            PasswordResetToken(user_id=user.id, token_hash=hash_token(token), expires_at=expires_at)
        )
        db.session.flush()
        text = intro + (
            f"To choose your password, open this link within {INVITE_DAYS} days:\n\n"
            f"{base_url}/welcome/{token}\n\nThe link works once. Then log in with your email "
            f"at {base_url}/login\n"
        )
    return Email(
        to=user.email,
        subject=f"Steering committee of {partnership.name}: your Partnership Pulse access",
        text=text,
    )
