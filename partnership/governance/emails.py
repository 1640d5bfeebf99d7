"""The emails of governance, rendered by the outbox sender at delivery:

- "governance.playback": the cycle's playback to one invited stakeholder. The renderer mints a
  fresh link of the stakeholder's own invitation (its hash stored as one more
  `InvitationToken`, like a reminder's) leading to ``/s/<token>/playback``; nothing once the
  person was erased, deactivated, or is no longer the invitation's.
- "governance.action_overdue": to the owner of an action past its due date (flagged by
  `flask governance flag-overdue`), with a link to the action's page (sign-in needed, no
  token); nothing once the action is done, dropped, re-dated, or the owner changed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, render_template

from partnership.accounts.models import User
from partnership.extensions import db
from partnership.governance.models import ACTION_ACTIVE, Action, Playback
from partnership.governance.playback import PLAYBACK
from partnership.outbox.models import OutboxMessage
from partnership.outbox.services import Email, enqueue, renders
from partnership.partnerships.models import Partnership, Stakeholder
from partnership.scoring.format import fmt_pct, fmt_score
from partnership.surveys.models import Invitation, Survey

ACTION_OVERDUE = "governance.action_overdue"
SUBJECT_MAX = 300


def _base_url(msg: OutboxMessage) -> str:
    return str(msg.params.get("base_url") or current_app.config["BASE_URL"]).rstrip("/")


def playback_view(data: dict[str, Any]) -> dict[str, Any]:
    """The frozen playback with its numbers formatted (the one display formatter), for the
    page and the email alike. A value the snapshot withheld stays out."""
    heard = data.get("heard") or {}
    orgs = heard.get("organizations") or {}
    dimensions = []
    for d in heard.get("dimensions") or []:
        S = d.get("S") or {}
        dimensions.append(
            {
                "label": d.get("label") or d.get("key"),
                "J": fmt_score(d.get("J")) if d.get("J") is not None else None,
                "G": fmt_score(abs(d["G"])) if d.get("G") is not None else None,
                "S": {
                    letter: fmt_score(S.get(letter))
                    for letter in ("A", "B")
                    if S.get(letter) is not None
                },
            }
        )
    participation = [
        {
            "name": org.get("name"),
            "rate": fmt_pct(org.get("R")) if org.get("R") is not None else None,
        }
        for letter, org in sorted(orgs.items())
    ]
    return {
        "partnership": data.get("partnership") or "",
        "cycle": data.get("cycle") or "",
        "message": data.get("message") or "",
        "org_names": {letter: org.get("name") for letter, org in orgs.items()},
        "dimensions": dimensions,
        "participation": participation,
        "actions": list(data.get("actions") or []),
        "min_group": heard.get("min_group"),
    }


@renders(PLAYBACK)
def render_playback(msg: OutboxMessage, now: dt.datetime) -> Email | None:
    from partnership.surveys.emails import mint_link

    playback = db.session.get(Playback, msg.params.get("playback_id"))
    invitation = db.session.get(Invitation, msg.params.get("invitation_id"))
    stakeholder = db.session.get(Stakeholder, msg.stakeholder_id) if msg.stakeholder_id else None
    if playback is None or invitation is None or stakeholder is None or not stakeholder.is_active:
        return None
    survey = db.session.get(Survey, invitation.survey_id)
    if (
        invitation.stakeholder_id != stakeholder.id
        or survey is None
        or survey.cycle_id != playback.cycle_id
        or survey.state != "closed"
    ):
        return None
    link = f"{_base_url(msg)}/s/{mint_link(invitation.id)}/playback"
    view = playback_view(playback.data)
    context = {"view": view, "name": stakeholder.name, "link": link}
    subject = f"{view['partnership']}: what we heard and what we will do ({view['cycle']})"
    return Email(
        to=stakeholder.email,
        subject=" ".join(subject.split())[:SUBJECT_MAX],
        text=render_template("emails/playback.txt", **context),
        html=render_template("emails/playback.html", **context),
    )


def queue_overdue_email(action: Action) -> int:
    """Write the overdue email of an action to its owner's outbox (flush only), once per due
    date; 0 when the action has no owner with an account."""
    if action.owner_user_id is None or action.due_on is None:
        return 0
    user = db.session.get(User, action.owner_user_id)
    if user is None or not user.is_active:
        return 0
    written = enqueue(
        ACTION_OVERDUE,
        key=f"action-overdue:{action.id}:{action.due_on.isoformat()}",
        to=user.email,
        user_id=user.id,
        params={"action_id": action.id, "due_on": action.due_on.isoformat()},
    )
    return int(written)


@renders(ACTION_OVERDUE)
def render_action_overdue(msg: OutboxMessage, now: dt.datetime) -> Email | None:
    action = db.session.get(Action, msg.params.get("action_id"))
    user = db.session.get(User, msg.user_id) if msg.user_id is not None else None
    if (
        action is None
        or user is None
        or not user.is_active
        or action.owner_user_id != user.id
        or action.status not in ACTION_ACTIVE
        or action.due_on is None
        or action.due_on.isoformat() != msg.params.get("due_on")
    ):
        return None
    partnership = db.session.get(Partnership, action.partnership_id)
    assert partnership is not None
    link = f"{_base_url(msg)}/partnerships/{partnership.id}/actions/{action.id}"
    context = {"action": action, "partnership": partnership, "name": user.name, "link": link}
    subject = f"{partnership.name}: action past its due date: {action.title}"
    return Email(
        to=user.email,
        subject=" ".join(subject.split())[:SUBJECT_MAX],
        text=render_template("emails/action_overdue.txt", **context),
        html=render_template("emails/action_overdue.html", **context),
    )
