"""The playback: the Communicate stage's message to everyone invited (decisions.md).

"What we heard, what we will do": the coach's own words, the headline dimensions of the
cycle's pulse (joint score, each organization's score and the gap, only where the snapshot
reports them) and participation, and the actions agreed (title, owner organization, due date,
status). It is frozen when published, so what stakeholders read is what was sent.

Publishing writes one "governance.playback" outbox row per invited stakeholder (still in the
directory and active), in the same transaction. The row holds no link: at delivery the renderer
(partnership.governance.emails) mints a fresh link of the stakeholder's own invitation (one
more `InvitationToken`, as a reminder does) to ``/s/<token>/playback``. Every link a
stakeholder received for the cycle's closed surveys opens the playback too, and their
"already answered" and "closed" pages point to it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from partnership.db import utcnow
from partnership.errors import Conflict, Refused
from partnership.extensions import db
from partnership.governance.models import ACTION_STATUSES, Action, Playback
from partnership.governance.records import actor_id, record
from partnership.outbox.services import enqueue
from partnership.partnerships.models import Partnership, Stakeholder
from partnership.results.services import current_snapshot, cycle_surveys
from partnership.surveys.models import Cycle, Invitation, Survey

log = logging.getLogger(__name__)

PLAYBACK = "governance.playback"
MESSAGE_MAX = 2000
PULSE = "quarterly-pulse"
#: Stages in which the playback may be published: from communicate on.
PUBLISH_STAGES = ("communicate", "learn", "done")


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _heard(cycle: Cycle) -> dict[str, Any]:
    """What the cycle's pulse (else its first scored survey with dimensions) reported: the
    headline dimensions and participation, reportable values only (the snapshot withholds the
    rest as null)."""
    surveys = {k: s for k, s in cycle_surveys(cycle).items() if s.state == "closed"}
    ordered = sorted(surveys.items(), key=lambda kv: (kv[0] != PULSE, kv[1].id))
    for _key, survey in ordered:
        snapshot = current_snapshot(survey)
        data = snapshot.data if snapshot is not None and isinstance(snapshot.data, Mapping) else {}
        dims = [d for d in data.get("dimensions") or [] if isinstance(d, Mapping)]
        if not dims:
            continue
        headline = [d for d in dims if d.get("headline")] or dims[:3]
        orgs = data.get("organizations") or {}
        return {
            "survey_id": survey.id,
            "min_group": (data.get("settings") or {}).get("min_group"),
            "organizations": {
                letter: {
                    "name": str((orgs.get(letter) or {}).get("name") or letter),
                    "invited": int((orgs.get(letter) or {}).get("invited") or 0),
                    "responded": _number((orgs.get(letter) or {}).get("responded")),
                    "R": _number((orgs.get(letter) or {}).get("R")),
                }
                for letter in ("A", "B")
            },
            "dimensions": [
                {
                    "key": str(d.get("dimension")),
                    "label": str(d.get("label") or d.get("dimension")),
                    "J": _number(d.get("J")),
                    "G": _number(d.get("G")),
                    "S": {
                        letter: _number(((d.get("organizations") or {}).get(letter) or {}).get("S"))
                        for letter in ("A", "B")
                    },
                }
                for d in headline
            ],
        }
    return {"survey_id": None, "organizations": {}, "dimensions": []}


def _will_do(cycle: Cycle, partnership: Partnership) -> list[dict[str, Any]]:
    orgs: dict[int | None, str] = {o.id: o.name for o in partnership.organizations}
    rows = db.session.scalars(
        select(Action)
        .where(Action.cycle_id == cycle.id, Action.status != "dropped")
        .order_by(Action.due_on.is_(None), Action.due_on, Action.id)
    )
    return [
        {
            "title": a.title,
            "organization": orgs.get(a.owner_organization_id),
            "due_on": a.due_on.isoformat() if a.due_on else None,
            "status": a.status if a.status in ACTION_STATUSES else "open",
        }
        for a in rows
    ]


def playback_data(cycle: Cycle, message: str = "") -> dict[str, Any]:
    """The playback as it would be published now (plain data, reportable values only)."""
    partnership = db.session.get(Partnership, cycle.partnership_id)
    assert partnership is not None
    return {
        "partnership": partnership.name,
        "cycle": cycle.label,
        "message": message,
        "heard": _heard(cycle),
        "actions": _will_do(cycle, partnership),
    }


def recipients(cycle: Cycle) -> list[tuple[Stakeholder, int]]:
    """Everyone invited to the cycle's closed surveys who is still an active stakeholder, with
    the invitation whose link the playback email carries (their first in the cycle)."""
    rows = db.session.execute(
        select(Stakeholder, Invitation.id)
        .join(Invitation, Invitation.stakeholder_id == Stakeholder.id)
        .join(Survey, Survey.id == Invitation.survey_id)
        .where(
            Survey.cycle_id == cycle.id, Survey.state == "closed", Stakeholder.is_active.is_(True)
        )
        .order_by(Stakeholder.id, Invitation.id)
    ).all()
    seen: dict[int, tuple[Stakeholder, int]] = {}
    for stakeholder, invitation_id in rows:
        seen.setdefault(stakeholder.id, (stakeholder, invitation_id))
    return list(seen.values())


@db.writes
def publish_playback(
    cycle: Cycle, message: str, by: Any, *, base_url: str, now: dt.datetime | None = None
) -> Playback:
    """Publish the cycle's playback and email it to everyone invited (outbox, same
    transaction). Refused before the cycle reaches communicate, without a closed survey, and
    when it was published already. Commits."""
    now = now or utcnow()
    if cycle.stage not in PUBLISH_STAGES:
        raise Refused(
            "Move the cycle to Communicate first: the playback tells everyone what will be done, "
            "so the actions come first."
        )
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX:
        raise Refused(f"The message may have at most {MESSAGE_MAX} characters.", field="message")
    if db.session.scalar(select(Playback.id).where(Playback.cycle_id == cycle.id)) is not None:
        raise Refused("The playback of this cycle was published already.")
    people = recipients(cycle)
    if not people:
        raise Refused(
            "Nobody was invited to a closed survey of this cycle: there is nobody to tell."
        )
    playback = Playback(
        partnership_id=cycle.partnership_id,
        cycle_id=cycle.id,
        message=message,
        data=playback_data(cycle, message),
        recipients=len(people),
        published_by_id=actor_id(by),
        published_at=now,
    )
    db.session.add(playback)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("The playback of this cycle was published a moment ago.")
    for stakeholder, invitation_id in people:
        enqueue(
            PLAYBACK,
            key=f"playback:{cycle.id}:{stakeholder.id}",
            to=stakeholder.email,
            stakeholder_id=stakeholder.id,
            params={
                "playback_id": playback.id,
                "invitation_id": invitation_id,
                "base_url": base_url,
            },
        )
    record(
        cycle.partnership_id,
        "published",
        by,
        cycle_id=cycle.id,
        body=f"Playback published to {len(people)} invited people.",
        at=now,
    )
    db.session.commit()
    log.info("cycle %s: playback published to %s people", cycle.id, len(people))
    return playback


def playback_for_survey(survey_id: int) -> Playback | None:
    """The published playback of a closed survey's cycle, or None."""
    return db.session.scalar(
        select(Playback)
        .join(Survey, Survey.cycle_id == Playback.cycle_id)
        .where(Survey.id == survey_id, Survey.state == "closed")
    )
