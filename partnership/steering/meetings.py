"""Meetings of the joint steering committee and their agenda.

The agenda is generated when the meeting is created and frozen with it: exceptions first, so
the committee decides instead of hearing status. Its groups, in this order:

1. escalations past their deadline (an issue whose days at an escalation level ran out),
2. red issues,
3. overdue actions,
4. amber issues,
5. decisions requested,

each open or in progress (an issue appears once, in the first group it fits), and inside each
group by the partnership's trade-off priorities (the best-ranked trade-off an item touches;
untagged last), then severity (red before amber), then the order they came (an action: its
due date). An action and a decision take the severity and trade-offs of their issues when
they have none of their own. Coaches add items (at the end) and reorder afterwards; nothing
regenerates a frozen agenda.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from partnership.db import utcnow
from partnership.errors import Refused
from partnership.extensions import db
from partnership.governance.models import ISSUE_ACTIVE, Action, Issue
from partnership.governance.records import actor_id, actor_name
from partnership.governance.services import list_actions, owners
from partnership.partnerships.models import Partnership
from partnership.steering import decisions as register
from partnership.steering import escalation, tradeoffs
from partnership.steering.models import AGENDA_GROUPS, AgendaComment, AgendaItem, Decision, Meeting

TITLE_MAX = 200
TEXT_MAX = 8000
GROUP_LABELS = {
    "escalation": "Escalation past its deadline",
    "red": "Red issue",
    "overdue_action": "Overdue action",
    "amber": "Amber issue",
    "decision": "Decision requested",
    "added": "Added by a coach",
}
_SEVERITY_RANK = {"red": 0, "amber": 1}


@dataclass(frozen=True)
class Candidate:
    """An item of a generated agenda, before it is frozen."""

    kind: str
    title: str
    detail: str
    trade_off: str
    severity: str | None
    sort: tuple[Any, ...]
    issue_id: int | None = None
    action_id: int | None = None
    decision_id: int | None = None


def generate_agenda(partnership: Partnership, now: dt.datetime | None = None) -> list[Candidate]:
    """The agenda the partnership's records call for now, in the documented order."""
    now = now or utcnow()
    ranked = tradeoffs.priorities(partnership)
    issues = list(
        db.session.scalars(
            select(Issue).where(
                Issue.partnership_id == partnership.id, Issue.status.in_(ISSUE_ACTIVE)
            )
        )
    )
    by_id = {i.id: i for i in issues}
    tags = tradeoffs.tags_of_issues(by_id)
    where = escalation.standings(partnership, now, issues=issues)
    out: list[Candidate] = []

    def order(keys: Sequence[str], severity: str | None, *tail: Any) -> tuple[Any, ...]:
        return (tradeoffs.rank_of(keys, ranked), _SEVERITY_RANK.get(severity or "", 2), *tail)

    def shown(keys: Sequence[str]) -> str:
        return ", ".join(tradeoffs.names_of(keys, ranked))

    for issue in issues:
        standing = where.get(issue.id)
        if standing is not None and standing.is_overdue:
            kind = "escalation"
            detail = (
                f"At {standing.level.name} (level {standing.level.position} of "
                f"{standing.top}); its deadline there: {standing.deadline.date().isoformat()}."
            )
        else:
            kind = issue.severity if issue.severity in ("red", "amber") else "amber"
            detail = issue.explanation[:500]
        out.append(
            Candidate(
                kind,
                issue.title,
                detail,
                shown(tags[issue.id]),
                issue.severity,
                order(tags[issue.id], issue.severity, issue.created_at, issue.id),
                issue_id=issue.id,
            )
        )
    for action in list_actions(partnership, overdue=True, now=now):
        of_issue = by_id.get(action.issue_id) if action.issue_id else None
        keys = tags[of_issue.id] if of_issue is not None else []
        worst = of_issue.severity if of_issue is not None else None
        out.append(
            Candidate(
                "overdue_action",
                action.title,
                f"Due {action.due_on.isoformat() if action.due_on else ''}."
                + (f" For the issue “{of_issue.title}”." if of_issue is not None else ""),
                shown(keys),
                worst,
                order(keys, worst, action.due_on or dt.date.max, action.id),
                action_id=action.id,
            )
        )
    requested = register.list_decisions(partnership, status="requested")
    decision_tags = tradeoffs.tags_of_decisions([d.id for d in requested])
    linked = register.linked_issue_ids([d.id for d in requested])
    for decision in requested:
        of_issues = [by_id[i] for i in linked[decision.id] if i in by_id]
        keys = decision_tags[decision.id] or [k for i in of_issues for k in tags[i.id]]
        worst = min(
            (i.severity for i in of_issues), key=lambda s: _SEVERITY_RANK.get(s, 2), default=None
        )
        out.append(
            Candidate(
                "decision",
                decision.title,
                " / ".join(decision.options),
                shown(keys),
                worst,
                order(keys, worst, decision.created_at, decision.id),
                decision_id=decision.id,
            )
        )
    group = {kind: n for n, kind in enumerate(AGENDA_GROUPS)}
    return sorted(out, key=lambda c: (group[c.kind], *c.sort))


@dataclass
class MeetingData:
    title: str
    held_on: dt.date
    #: (user id, organization id) of each attendee.
    attendees: list[tuple[int, int | None]]


def _attendees(
    partnership: Partnership, people: Sequence[tuple[int, int | None]]
) -> list[dict[str, Any]]:
    members = {p.user_id: p.name for p in owners(partnership)}
    orgs = {o.id for o in partnership.organizations}
    out: list[dict[str, Any]] = []
    for user_id, org_id in people:
        if user_id not in members or org_id not in orgs:
            raise Refused(
                "Attendees are members of this partnership, each for one of its organizations.",
                field="people_a",
            )
        if all(a["user_id"] != user_id for a in out):
            out.append({"user_id": user_id, "organization_id": org_id, "name": members[user_id]})
    return out


def _title(text: str) -> str:
    title = " ".join((text or "").split())
    if not title:
        raise Refused("Give it a title.", field="title")
    if len(title) > TITLE_MAX:
        raise Refused(f"At most {TITLE_MAX} characters.", field="title")
    return title


@db.writes
def create_meeting(
    partnership: Partnership, data: MeetingData, by: Any, *, now: dt.datetime | None = None
) -> Meeting:
    """Plan a meeting: its agenda is generated now and frozen with it. Commits."""
    now = now or utcnow()
    meeting = Meeting(
        partnership_id=partnership.id,
        title=_title(data.title),
        held_on=data.held_on,
        attendees=_attendees(partnership, data.attendees),
        minutes="",
        created_by_id=actor_id(by),
        created_at=now,
        updated_at=now,
    )
    db.session.add(meeting)
    db.session.flush()
    db.session.add_all(
        AgendaItem(
            partnership_id=partnership.id,
            meeting_id=meeting.id,
            position=n,
            kind=c.kind,
            issue_id=c.issue_id,
            action_id=c.action_id,
            decision_id=c.decision_id,
            title=c.title[:300],
            detail=c.detail,
            trade_off=c.trade_off[:100],
            severity=c.severity,
            created_at=now,
        )
        for n, c in enumerate(generate_agenda(partnership, now), 1)
    )
    db.session.flush()
    return meeting


@db.writes
def record_meeting(
    meeting: Meeting, attendees: Sequence[tuple[int, int | None]], minutes: str, by: Any
) -> None:
    """Who attended and the minutes. Commits."""
    partnership = db.session.get(Partnership, meeting.partnership_id)
    assert partnership is not None
    text = (minutes or "").strip()
    if len(text) > TEXT_MAX:
        raise Refused(f"The minutes may have at most {TEXT_MAX} characters.", field="minutes")
    meeting.attendees = _attendees(partnership, attendees)
    meeting.minutes = text
    meeting.updated_at = utcnow()


def items(meeting: Meeting) -> list[AgendaItem]:
    return list(
        db.session.scalars(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting.id)
            .order_by(AgendaItem.position, AgendaItem.id)
        )
    )


@db.writes
def add_item(meeting: Meeting, title: str, detail: str, by: Any) -> AgendaItem:
    """A coach's own item, at the end of the agenda. Commits."""
    detail = (detail or "").strip()
    if len(detail) > TEXT_MAX:
        raise Refused(f"At most {TEXT_MAX} characters.", field="detail")
    last = db.session.scalar(
        select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id)
    )
    item = AgendaItem(
        partnership_id=meeting.partnership_id,
        meeting_id=meeting.id,
        position=(last or 0) + 1,
        kind="added",
        title=_title(title),
        detail=detail,
        trade_off="",
        added_by_id=actor_id(by),
        created_at=utcnow(),
    )
    db.session.add(item)
    db.session.flush()
    return item


@db.writes
def move_item(item: AgendaItem, direction: str) -> None:
    """Swap the item with its neighbour above ("up") or below ("down"). Commits."""
    if direction not in ("up", "down"):
        raise Refused("Move it up or down.")
    meeting = db.session.get(Meeting, item.meeting_id)
    assert meeting is not None
    rows = items(meeting)
    at = next(n for n, row in enumerate(rows) if row.id == item.id)
    other = at - 1 if direction == "up" else at + 1
    if not 0 <= other < len(rows):
        return
    rows[at], rows[other] = rows[other], rows[at]
    for n, row in enumerate(rows, 1):
        row.position = n


@db.writes
def set_discussed(item: AgendaItem, discussed: bool) -> None:
    """Mark an item discussed (or not). Commits."""
    item.is_discussed = discussed


@db.writes
def comment_on_item(item: AgendaItem, body: str, by: Any) -> AgendaComment:
    """A comment on an agenda item. Commits."""
    text = (body or "").strip()
    if not text:
        raise Refused("Write the comment first.", field="body")
    if len(text) > TEXT_MAX:
        raise Refused(f"At most {TEXT_MAX} characters.", field="body")
    comment = AgendaComment(
        partnership_id=item.partnership_id,
        item_id=item.id,
        author_id=actor_id(by),
        author_name=actor_name(by),
        body=text,
        created_at=utcnow(),
    )
    db.session.add(comment)
    db.session.flush()
    return comment


def comments_of(meeting: Meeting) -> dict[int, list[AgendaComment]]:
    out: dict[int, list[AgendaComment]] = {}
    for comment in db.session.scalars(
        select(AgendaComment)
        .join(AgendaItem, AgendaItem.id == AgendaComment.item_id)
        .where(AgendaItem.meeting_id == meeting.id)
        .order_by(AgendaComment.created_at, AgendaComment.id)
    ):
        out.setdefault(comment.item_id, []).append(comment)
    return out


def list_meetings(partnership: Partnership) -> list[Meeting]:
    """The partnership's meetings, latest first."""
    return list(
        db.session.scalars(
            select(Meeting)
            .where(Meeting.partnership_id == partnership.id)
            .order_by(Meeting.held_on.desc(), Meeting.id.desc())
        )
    )


@dataclass(frozen=True)
class Outcome:
    """What a meeting achieved: the decisions made in it against the items it discussed."""

    meeting: Meeting
    decisions_made: int
    items_discussed: int
    items: int


def _count_by_meeting(stmt: Any) -> dict[int, int]:
    return {meeting_id: int(n) for meeting_id, n in db.session.execute(stmt).all()}


def outcomes(partnership: Partnership) -> list[Outcome]:
    """Per meeting, latest first: decisions made vs items discussed (the trend of whether
    meetings decide or only hear status)."""
    meetings = list_meetings(partnership)
    ids = [m.id for m in meetings]
    made = _count_by_meeting(
        select(Decision.meeting_id, func.count(Decision.id))
        .where(Decision.meeting_id.in_(ids), Decision.status == "made")
        .group_by(Decision.meeting_id)
    )
    per_item = select(AgendaItem.meeting_id, func.count(AgendaItem.id)).group_by(
        AgendaItem.meeting_id
    )
    total = _count_by_meeting(per_item.where(AgendaItem.meeting_id.in_(ids)))
    discussed = _count_by_meeting(
        per_item.where(AgendaItem.meeting_id.in_(ids), AgendaItem.is_discussed.is_(True))
    )
    return [
        Outcome(m, made.get(m.id, 0), discussed.get(m.id, 0), total.get(m.id, 0)) for m in meetings
    ]


def decisions_of_meeting(meeting: Meeting) -> list[Decision]:
    return list(
        db.session.scalars(
            select(Decision).where(Decision.meeting_id == meeting.id).order_by(Decision.id)
        )
    )


def actions_by_id(ids: Sequence[int]) -> dict[int, Action]:
    return {a.id: a for a in db.session.scalars(select(Action).where(Action.id.in_(list(ids))))}
