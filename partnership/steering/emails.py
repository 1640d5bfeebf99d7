"""The emails of the steering committee, rendered by the outbox sender at delivery:

- "steering.escalated": to each person of the level an issue reached, with a link to the
  issue (sign-in needed, no token); nothing once the issue is resolved, dropped or has moved
  on from that level, or the person left the level.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app, render_template

from partnership.accounts.models import User
from partnership.extensions import db
from partnership.governance.models import Issue
from partnership.outbox.models import OutboxMessage
from partnership.outbox.services import Email, enqueue, renders
from partnership.partnerships.models import Partnership
from partnership.steering.escalation import Level, standing_of
from partnership.timefmt import short_when

ESCALATED = "steering.escalated"
SUBJECT_MAX = 300


def queue_escalation_emails(issue: Issue, level: Level, event_id: int, now: dt.datetime) -> int:
    """One email per person of the level the issue reached (flush only), keyed by the move's
    record entry and the person, so a move is emailed once. Returns the emails written."""
    written = 0
    for person in level.people:
        user = db.session.get(User, person.user_id)
        if user is None or not user.is_active:
            continue
        written += int(
            enqueue(
                ESCALATED,
                key=f"escalated:{event_id}:{user.id}",
                to=user.email,
                user_id=user.id,
                partnership_id=issue.partnership_id,
                params={"issue_id": issue.id, "level": level.position},
                now=now,
            )
        )
    return written


@renders(ESCALATED)
def render_escalated(msg: OutboxMessage, now: dt.datetime) -> Email | None:
    issue = db.session.get(Issue, msg.params.get("issue_id"))
    user = db.session.get(User, msg.user_id) if msg.user_id is not None else None
    if issue is None or user is None or not user.is_active:
        return None
    standing = standing_of(issue, now)
    if (
        standing is None
        or standing.level.position != msg.params.get("level")
        or user.id not in standing.level.user_ids
    ):
        return None
    partnership = db.session.get(Partnership, issue.partnership_id)
    assert partnership is not None
    base = str(msg.params.get("base_url") or current_app.config["BASE_URL"]).rstrip("/")
    context = {
        "issue": issue,
        "partnership": partnership,
        "level": standing.level,
        "deadline": short_when(standing.deadline, partnership.timezone),
        "name": user.name,
        "link": f"{base}/partnerships/{partnership.id}/issues/{issue.id}",
    }
    subject = f"{partnership.name}: escalated to {standing.level.name}: {issue.title}"
    return Email(
        to=user.email,
        subject=" ".join(subject.split())[:SUBJECT_MAX],
        text=render_template("emails/escalated.txt", **context),
        html=render_template("emails/escalated.html", **context),
    )
