"""Erasing a stakeholder on request (privacy): the person and their links go, the anonymous
answers stay. A use case of the surveys domain, since it reaches into invitations."""

from __future__ import annotations

import logging

from sqlalchemy import delete, select

from partnership.extensions import db
from partnership.partnerships.models import Stakeholder
from partnership.surveys.models import Invitation
from partnership.tokens import hash_token, new_token

log = logging.getLogger(__name__)


@db.writes
def erase_stakeholder(stakeholder: Stakeholder) -> str:
    """Erase a person (privacy request): the stakeholder row and their unused invitations go;
    the anonymous responses stay, since nothing links them to the person. An invitation they
    used stays as an anonymous count (no person, a fresh token nobody holds, no dates): the
    person was invited and answered, and participation (respondents over invitees, scoring.md
    section 5) must not exceed 100 % after the erasure. Commits."""
    name = stakeholder.name
    mine = Invitation.stakeholder_id == stakeholder.id
    db.session.execute(delete(Invitation).where(mine, Invitation.is_used.is_(False)))
    for invitation in db.session.scalars(select(Invitation).where(mine)):
        invitation.stakeholder_id = None
        invitation.token_hash = hash_token(new_token())
        invitation.used_on = None
        invitation.reminder_count = 0
        invitation.last_reminded_at = None
    db.session.flush()
    db.session.delete(stakeholder)
    db.session.commit()
    log.info("stakeholder %s erased", stakeholder.id)
    return name
