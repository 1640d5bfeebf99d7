"""Erasing a stakeholder on request (privacy): the person and their links go, the anonymous
answers stay. A use case of the surveys domain, since it reaches into invitations."""

from __future__ import annotations

import logging

from sqlalchemy import delete, select, update

from partnership.extensions import db
from partnership.outbox.models import OutboxMessage
from partnership.partnerships.models import Stakeholder
from partnership.surveys.models import Invitation, InvitationToken

log = logging.getLogger(__name__)


@db.writes
def erase_stakeholder(stakeholder: Stakeholder) -> str:
    """Erase a person (privacy request): the stakeholder row and their unused invitations go;
    the anonymous responses stay, since nothing links them to the person. An invitation they
    used stays as an anonymous count (no person, no link): the person was invited and
    answered, and participation (respondents over invitees, scoring.md section 5) must not
    exceed 100 % after the erasure. Their emails in the outbox go too, pending and delivered.
    Commits."""
    name = stakeholder.name
    mine = Invitation.stakeholder_id == stakeholder.id
    db.session.execute(
        delete(InvitationToken).where(
            InvitationToken.invitation_id.in_(select(Invitation.id).where(mine))
        )
    )
    db.session.execute(delete(Invitation).where(mine, Invitation.is_used.is_(False)))
    db.session.execute(update(Invitation).where(mine).values(stakeholder_id=None))
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.stakeholder_id == stakeholder.id))
    db.session.expire_all()
    db.session.delete(stakeholder)
    db.session.commit()
    log.info("stakeholder %s erased", stakeholder.id)
    return name
