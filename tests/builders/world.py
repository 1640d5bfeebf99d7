"""Builds one of every kind of child row for a partnership, so route-walking tests can fill in
every id argument with a real id that belongs to that partnership. When a feature adds a route
with a new id argument, add a row of that kind here."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from partnership.db import utcnow
from partnership.extensions import db
from partnership.governance.models import Action, Issue, Lesson
from partnership.instruments.models import Instrument, InstrumentVersion, Item
from partnership.kpis.models import Kpi, KpiValue
from partnership.partnerships.models import Stakeholder
from partnership.results.models import ApiToken, Snapshot
from partnership.steering.models import AgendaItem, Decision, Meeting
from partnership.surveys.models import (
    Answer,
    Comment,
    Cycle,
    Response,
    Survey,
    hash_token,
    new_token,
)


def build_children(partnership) -> dict[str, object]:
    ids: dict[str, object] = {"partnership_id": partnership.id}
    stakeholder = db.session.scalar(
        select(Stakeholder).where(Stakeholder.partnership_id == partnership.id)
    )
    if stakeholder is None:
        from tests.builders.basics import make_stakeholders

        stakeholder = make_stakeholders(partnership, 1, 0)[0]
    ids["stakeholder_id"] = stakeholder.id

    instrument = Instrument(partnership_id=partnership.id, name="World instrument")
    db.session.add(instrument)
    db.session.flush()
    version = InstrumentVersion(instrument_id=instrument.id, number=1, dimensions=["cultural"])
    db.session.add(version)
    db.session.flush()
    item = Item(
        version_id=version.id,
        key="w-1",
        position=1,
        kind="agreement",
        text="W",
        dimension="cultural",
    )
    comment_item = Item(version_id=version.id, key="w-c", position=2, kind="comment", text="C")
    db.session.add_all([item, comment_item])
    cycle = Cycle(partnership_id=partnership.id, label="2026-Q1")
    db.session.add(cycle)
    db.session.flush()
    survey = Survey(
        partnership_id=partnership.id,
        cycle_id=cycle.id,
        instrument_id=instrument.id,
        instrument_version_id=version.id,
        state="closed",
        opened_at=utcnow() - dt.timedelta(days=10),
        closed_at=utcnow() - dt.timedelta(days=1),
    )
    db.session.add(survey)
    db.session.flush()
    response = Response(
        survey_id=survey.id,
        organization_id=partnership.org_a.id,
        function="operations",
        level="individual",
        submitted_on=dt.date.today(),
    )
    db.session.add(response)
    db.session.flush()
    db.session.add(Answer(response_id=response.id, item_id=item.id, value=4))
    comment = Comment(response_id=response.id, item_id=comment_item.id, body="World comment")
    db.session.add(comment)
    kpi = Kpi(partnership_id=partnership.id, name="World KPI", scope="shared", target=90)
    db.session.add(kpi)
    db.session.flush()
    db.session.add(KpiValue(kpi_id=kpi.id, cycle_id=cycle.id, value=92, target=90))
    snapshot = Snapshot(survey_id=survey.id, version=1, data={})
    token = ApiToken(
        partnership_id=partnership.id, name="w", token_hash=hash_token(new_token()), prefix="w"
    )
    db.session.add_all([snapshot, token])
    db.session.flush()
    issue = Issue(
        partnership_id=partnership.id,
        cycle_id=cycle.id,
        source="manual",
        title="World issue",
        severity="red",
    )
    lesson = Lesson(partnership_id=partnership.id, cycle_id=cycle.id, what_happened="World lesson")
    db.session.add_all([issue, lesson])
    db.session.flush()
    action = Action(partnership_id=partnership.id, cycle_id=cycle.id, issue_id=issue.id, title="W")
    meeting = Meeting(partnership_id=partnership.id, title="World meeting", held_on=dt.date.today())
    db.session.add_all([action, meeting])
    db.session.flush()
    agenda_item = AgendaItem(
        partnership_id=partnership.id, meeting_id=meeting.id, position=1, kind="added", title="W"
    )
    decision = Decision(partnership_id=partnership.id, title="World decision", status="requested")
    db.session.add_all([agenda_item, decision])
    db.session.commit()
    ids.update(
        issue_id=issue.id,
        action_id=action.id,
        lesson_id=lesson.id,
        instrument_id=instrument.id,
        version_id=version.id,
        item_id=item.id,
        cycle_id=cycle.id,
        survey_id=survey.id,
        comment_id=comment.id,
        snapshot_id=snapshot.id,
        token_id=token.id,
        kpi_id=kpi.id,
        level=1,  # a level of the escalation path (its position)
        meeting_id=meeting.id,
        agenda_item_id=agenda_item.id,
        decision_id=decision.id,
    )
    from tests.builders.basics import make_user, steering_membership

    member = make_user(name="World steering member")
    db.session.add(steering_membership(partnership, member))
    db.session.commit()
    ids["member_id"] = member.id
    return ids
