"""Governance use cases: a cycle's stage moves, issues, actions, lessons, and the jobs the
scheduler runs (advance, flag overdue).

Every public function that changes data is one use case and commits once, recording the
change (who, what, when) in the same transaction (partnership.governance.records). ``by`` is
the acting User, or None for the command line / scheduler. Who may call which use case is
decided by the views through the partnership's one access function; the services check the
data (what belongs to which partnership, what a status needs) and refuse with a message.

Issues raised by signals come from partnership.governance.issues, inside the close and
re-score use cases.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, or_, select, update

from partnership.accounts.models import User
from partnership.db import affected_rows, utcnow
from partnership.errors import Conflict, NotFound, Refused
from partnership.extensions import db
from partnership.governance import stages
from partnership.governance.models import (
    ACTION_ACTIVE,
    ACTION_STATUSES,
    ISSUE_ACTIVE,
    ISSUE_STATUSES,
    SEVERITIES,
    Action,
    GovernanceEvent,
    Issue,
    Lesson,
    Playback,
)
from partnership.governance.playbook import suggestion
from partnership.governance.progress import baseline_for
from partnership.governance.records import diff, record
from partnership.partnerships.models import Membership, Partnership
from partnership.surveys.models import CYCLE_ORDER, CYCLE_STAGES, Cycle

log = logging.getLogger(__name__)

TITLE_MAX = 200
TEXT_MAX = 4000
TAG_MAX = 40
TAGS_MAX = 12
ISSUE_STATUS_LABELS = {
    "open": "Open",
    "in_progress": "In progress",
    "resolved": "Resolved",
    "dropped": "Dropped",
}
ACTION_STATUS_LABELS = {
    "open": "Open",
    "in_progress": "In progress",
    "done": "Done",
    "dropped": "Dropped",
}


def _clean(text: str | None, limit: int, what: str, field_name: str) -> str:
    value = (text or "").strip()
    if len(value) > limit:
        raise Refused(f"{what} may have at most {limit} characters.", field=field_name)
    return value


def _title(text: str | None) -> str:
    title = " ".join((text or "").split())
    if not title:
        raise Refused("Give it a title.", field="title")
    if len(title) > TITLE_MAX:
        raise Refused(f"A title may have at most {TITLE_MAX} characters.", field="title")
    return title


# --- people and organizations --------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """A member of the partnership who can own issues and actions."""

    user_id: int
    name: str
    email: str
    role: str
    organization_id: int | None


def owners(partnership: Partnership) -> list[Person]:
    """The partnership's members (coaches and steering members), by name."""
    rows = db.session.execute(
        select(User, Membership)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.partnership_id == partnership.id, User.is_active.is_(True))
        .order_by(func.lower(User.name), User.id)
    ).all()
    return [Person(u.id, u.name, u.email, m.role, m.organization_id) for u, m in rows]


def _owner(
    partnership: Partnership, organization_id: int | None, user_id: int | None
) -> tuple[int | None, int | None]:
    """Checked (organization, person) of an owner: the organization one of the partnership's
    two, the person one of its members; a steering member's organization is the default."""
    if organization_id is not None and organization_id not in {
        o.id for o in partnership.organizations
    }:
        raise Refused(
            "Choose one of the partnership's two organizations.", field="owner_organization_id"
        )
    if user_id is not None:
        person = next((p for p in owners(partnership) if p.user_id == user_id), None)
        if person is None:
            raise Refused(
                "The owner must be a member of this partnership (a coach or a steering member).",
                field="owner_user_id",
            )
        if organization_id is None:
            organization_id = person.organization_id
    return organization_id, user_id


def _names(partnership: Partnership) -> tuple[dict[int | None, str], dict[int | None, str]]:
    """Names of the partnership's organizations and members by id (None: nobody)."""
    orgs: dict[int | None, str] = {o.id: o.name for o in partnership.organizations}
    people: dict[int | None, str] = {p.user_id: p.name for p in owners(partnership)}
    return orgs, people


def _partnership(row: Any) -> Partnership:
    partnership = db.session.get(Partnership, row.partnership_id)
    assert partnership is not None
    return partnership


# --- cycles: dates and stages ---------------------------------------------------------------


@db.writes
def set_cycle_dates(cycle: Cycle, starts_on: dt.date, ends_on: dt.date, by: Any) -> None:
    """Change a cycle's first and last day (its order among cycles follows them). Commits."""
    if ends_on < starts_on:
        raise Refused("The cycle must end on or after its first day.", field="ends_on")
    if (ends_on - starts_on).days > 366:
        raise Refused("A cycle may last at most a year.", field="ends_on")
    changes = diff(
        {"starts_on": cycle.starts_on, "ends_on": cycle.ends_on},
        {"starts_on": starts_on, "ends_on": ends_on},
    )
    if not changes:
        return
    cycle.starts_on, cycle.ends_on = starts_on, ends_on
    record(cycle.partnership_id, "changed", by, cycle_id=cycle.id, changes=changes)
    db.session.commit()


@db.writes
def move_stage(
    cycle: Cycle, to: str, by: Any, *, note: str = "", now: dt.datetime | None = None
) -> None:
    """Move the cycle to its next stage when the guard allows (a note stands in for what the
    learn and done guards miss: a coach's note or override, a "no lessons" note). Refused,
    naming everything missing, otherwise. Race-safe: a move that another one beat is refused.
    Records who, when and the note. Commits."""
    now = now or utcnow()
    if to not in CYCLE_STAGES:
        raise Refused("Unknown stage.")
    expected = stages.next_stage(cycle.stage)
    if expected is None:
        raise Refused("This cycle is done.")
    if to != expected:
        raise Refused(
            f"The cycle is in {stages.STAGE_LABELS[cycle.stage]}: it can move to "
            f"{stages.STAGE_LABELS[expected]} only."
        )
    note = _clean(note, TEXT_MAX, "A note", "note")
    check = stages.guard(cycle, to)
    if not check.allows(note):
        raise Refused(
            f"Cannot move to {stages.STAGE_LABELS[to]} yet. "
            + " ".join(check.missing)
            + (f" Or give the note: {check.note}" if check.note_required else "")
        )
    before = cycle.stage
    won = affected_rows(
        db.session.execute(
            update(Cycle)
            .where(Cycle.id == cycle.id, Cycle.stage == before)
            .values(stage=to, stage_changed_at=now, stage_overdue_at=None)
            .execution_options(synchronize_session=False)
        )
    )
    if not won:
        db.session.rollback()
        raise Conflict("The cycle moved in the meantime; reload the page.")
    body = note
    if check.missing and note:
        body = f"{note}\n(in place of: {' '.join(check.missing)})"
    record(
        cycle.partnership_id,
        "stage",
        by,
        cycle_id=cycle.id,
        body=body,
        changes={"stage": [stages.STAGE_LABELS[before], stages.STAGE_LABELS[to]]},
        at=now,
    )
    db.session.commit()
    db.session.refresh(cycle)
    log.info("cycle %s moved from %s to %s", cycle.id, before, to)


@db.writes
def set_stage_days(partnership: Partnership, days: dict[str, int | None], by: Any) -> None:
    """The partnership's target days per stage (1..365; empty means the default). Commits."""
    stored: dict[str, int] = {}
    for stage, default in stages.DEFAULT_STAGE_DAYS.items():
        value = days.get(stage)
        if value is None:
            continue
        if not 1 <= int(value) <= stages.MAX_STAGE_DAYS:
            raise Refused(
                f"{stages.STAGE_LABELS[stage]}: enter between 1 and {stages.MAX_STAGE_DAYS} days.",
                field=stage,
            )
        if int(value) != default:
            stored[stage] = int(value)
    partnership.stage_days = stored
    db.session.commit()
    log.info(
        "partnership %s: stage days %s (by %s)", partnership.id, stored, getattr(by, "id", None)
    )


def list_cycles(partnership: Partnership) -> list[Cycle]:
    """The partnership's cycles, latest first."""
    from partnership.surveys.services import list_cycles as cycles

    return cycles(partnership)


def open_cycles(partnership: Partnership) -> list[Cycle]:
    """The partnership's cycles that are not done yet, oldest first."""
    return list(
        db.session.scalars(
            select(Cycle)
            .where(Cycle.partnership_id == partnership.id, Cycle.stage != "done")
            .order_by(*CYCLE_ORDER)
        )
    )


def current_cycle(partnership: Partnership, now: dt.datetime | None = None) -> Cycle | None:
    """The cycle the partnership is in: the latest (by start date) that has started, else the
    earliest planned one."""
    today = stages.local_today(partnership, now or utcnow())
    started = db.session.scalar(
        select(Cycle)
        .where(Cycle.partnership_id == partnership.id, Cycle.starts_on <= today)
        .order_by(*(c.desc() for c in CYCLE_ORDER))
        .limit(1)
    )
    if started is not None:
        return started
    return db.session.scalar(
        select(Cycle).where(Cycle.partnership_id == partnership.id).order_by(*CYCLE_ORDER).limit(1)
    )


def previous_cycle(cycle: Cycle) -> Cycle | None:
    """The cycle before this one in cycle order (decisions.md)."""
    from partnership.kpis.services import previous_cycle as previous

    return previous(cycle)


# --- issues -------------------------------------------------------------------------------


@dataclass
class IssueData:
    """A manual issue as a coach raises it."""

    title: str
    explanation: str = ""
    severity: str = "red"
    dimension: str | None = None
    owner_organization_id: int | None = None
    owner_user_id: int | None = None


@db.writes
def raise_issue(cycle: Cycle, data: IssueData, by: Any) -> Issue:
    """A coach raises an issue by hand in a cycle. Commits."""
    partnership = _partnership(cycle)
    if data.severity not in SEVERITIES:
        raise Refused("Choose red or amber.", field="severity")
    org_id, user_id = _owner(partnership, data.owner_organization_id, data.owner_user_id)
    now = utcnow()
    issue = Issue(
        partnership_id=partnership.id,
        cycle_id=cycle.id,
        source="manual",
        title=_title(data.title),
        explanation=_clean(data.explanation, TEXT_MAX, "The description", "explanation"),
        severity=data.severity,
        dimension=(data.dimension or None),
        subject=None,
        owner_organization_id=org_id,
        owner_user_id=user_id,
        created_by_id=getattr(by, "id", None),
        created_at=now,
        updated_at=now,
    )
    db.session.add(issue)
    db.session.flush()
    record(
        partnership.id, "created", by, cycle_id=cycle.id, issue_id=issue.id, body="Raised by hand."
    )
    db.session.commit()
    return issue


@db.writes
def assign_issue(issue: Issue, organization_id: int | None, user_id: int | None, by: Any) -> None:
    """Set the issue's owner organization and person. Commits."""
    partnership = _partnership(issue)
    org_id, person_id = _owner(partnership, organization_id, user_id)
    orgs, people = _names(partnership)
    changes = diff(
        {
            "owner organization": orgs.get(issue.owner_organization_id),
            "owner": people.get(issue.owner_user_id),
        },
        {"owner organization": orgs.get(org_id), "owner": people.get(person_id)},
    )
    if not changes:
        return
    issue.owner_organization_id, issue.owner_user_id = org_id, person_id
    issue.updated_at = utcnow()
    record(
        issue.partnership_id,
        "changed",
        by,
        cycle_id=issue.cycle_id,
        issue_id=issue.id,
        changes=changes,
    )
    db.session.commit()


@db.writes
def _set_status(
    row: Issue | Action,
    status: str,
    reason: str,
    by: Any,
    labels: dict[str, str],
    what: str,
    now: dt.datetime | None = None,
) -> None:
    """The status change of an issue or action: dropping needs a reason; the reason of a
    closing status (resolved, done, dropped) is kept; recorded. Commits."""
    if status not in labels:
        raise Refused("Unknown status.", field="status")
    reason = _clean(reason, TEXT_MAX, "The reason", "reason")
    if status == "dropped" and not reason:
        raise Refused(f"Say why the {what} is dropped.", field="reason")
    closing = status not in ISSUE_ACTIVE
    if status == row.status and (not closing or reason == row.status_reason):
        return
    changes = diff({"status": labels[row.status]}, {"status": labels[status]})
    row.status, row.status_reason = status, reason if closing else ""
    row.updated_at = now or utcnow()
    record(
        row.partnership_id,
        "changed",
        by,
        cycle_id=row.cycle_id,
        body=reason,
        changes=changes,
        at=row.updated_at,
        **_subject(row),
    )
    db.session.commit()


def _subject(row: Issue | Action) -> dict[str, Any]:
    return {"issue_id": row.id} if isinstance(row, Issue) else {"action_id": row.id}


@db.writes
def _append(
    row: Issue | Action, kind: str, body: str, by: Any, what: str, now: dt.datetime | None = None
) -> GovernanceEvent:
    """A comment on an issue or a progress note on an action, in its record. Commits."""
    text = _clean(body, TEXT_MAX, what, "body")
    if not text:
        raise Refused(f"Write the {what.lower()} first.", field="body")
    event = record(
        row.partnership_id, kind, by, cycle_id=row.cycle_id, body=text, at=now, **_subject(row)
    )
    db.session.commit()
    return event


def set_issue_status(
    issue: Issue, status: str, reason: str, by: Any, *, now: dt.datetime | None = None
) -> None:
    """Open, in progress, resolved or dropped (a reason is required to drop). Commits."""
    _set_status(issue, status, reason, by, ISSUE_STATUS_LABELS, "issue", now)


def comment_on_issue(
    issue: Issue, body: str, by: Any, *, now: dt.datetime | None = None
) -> GovernanceEvent:
    """Add a comment to the issue's record. Commits."""
    return _append(issue, "comment", body, by, "Comment", now)


@db.writes
def record_decision(
    issue: Issue, decision: str, by: Any, *, now: dt.datetime | None = None
) -> None:
    """Record the committee's decision on the issue (it counts, like an action, for the move
    to communicate). Commits."""
    text = _clean(decision, TEXT_MAX, "A decision", "decision")
    if not text:
        raise Refused("Write the decision first.", field="decision")
    issue.decision, issue.decided_by_id = text, getattr(by, "id", None)
    issue.decided_at = issue.updated_at = now or utcnow()
    record(
        issue.partnership_id,
        "decision",
        by,
        cycle_id=issue.cycle_id,
        issue_id=issue.id,
        body=text,
        at=issue.decided_at,
    )
    db.session.commit()


_SEVERITY_ORDER = {"red": 0, "amber": 1}


def issue_order(issue: Issue) -> tuple[Any, ...]:
    """Firing first, red first, escalated first, then the order raised."""
    return (
        not issue.is_firing,
        issue.status not in ISSUE_ACTIVE,
        _SEVERITY_ORDER.get(issue.severity, 2),
        not issue.is_escalated,
        issue.id,
    )


def list_issues(
    partnership: Partnership,
    *,
    cycle: Cycle | None = None,
    status: str | None = None,
    owner_user_id: int | None = None,
) -> list[Issue]:
    """The partnership's issues (of one cycle, status, owner), most pressing first."""
    stmt = select(Issue).where(Issue.partnership_id == partnership.id)
    if cycle is not None:
        stmt = stmt.where(Issue.cycle_id == cycle.id)
    if status in ISSUE_STATUSES:
        stmt = stmt.where(Issue.status == status)
    elif status == "active":
        stmt = stmt.where(Issue.status.in_(ISSUE_ACTIVE))
    if owner_user_id is not None:
        stmt = stmt.where(Issue.owner_user_id == owner_user_id)
    return sorted(db.session.scalars(stmt), key=issue_order)


def issue_actions(issue: Issue) -> list[Action]:
    return list(
        db.session.scalars(select(Action).where(Action.issue_id == issue.id).order_by(Action.id))
    )


# --- actions ------------------------------------------------------------------------------


@dataclass
class ActionData:
    title: str
    description: str = ""
    dimension: str | None = None
    owner_organization_id: int | None = None
    owner_user_id: int | None = None
    due_on: dt.date | None = None


def _check_due(due_on: dt.date | None, cycle: Cycle) -> dt.date | None:
    if due_on is not None and due_on < cycle.starts_on - dt.timedelta(days=366):
        raise Refused("That due date is long before the cycle.", field="due_on")
    return due_on


@db.writes
def create_action(
    cycle: Cycle,
    data: ActionData,
    by: Any,
    *,
    issue: Issue | None = None,
    playbook_key: str | None = None,
    now: dt.datetime | None = None,
) -> Action:
    """Agree an action in a cycle, optionally for an issue of the partnership; an action on a
    dimension keeps its baseline (partnership.governance.progress). Commits."""
    partnership = _partnership(cycle)
    if issue is not None and issue.partnership_id != partnership.id:
        raise NotFound("There is no such issue in this partnership.")
    dimension = data.dimension or (issue.dimension if issue is not None else None)
    org_id, user_id = _owner(partnership, data.owner_organization_id, data.owner_user_id)
    now = now or utcnow()
    action = Action(
        partnership_id=partnership.id,
        cycle_id=cycle.id,
        issue_id=issue.id if issue is not None else None,
        dimension=dimension,
        title=_title(data.title),
        description=_clean(data.description, TEXT_MAX, "The description", "description"),
        owner_organization_id=org_id,
        owner_user_id=user_id,
        due_on=_check_due(data.due_on, cycle),
        status="open",
        playbook_key=playbook_key,
        created_by_id=getattr(by, "id", None),
        created_at=now,
        updated_at=now,
    )
    baseline = baseline_for(cycle, dimension, issue)
    if baseline is not None:
        action.instrument_id, action.baseline_survey_id, action.gap_threshold = baseline
    db.session.add(action)
    db.session.flush()
    body = "Agreed."
    if issue is not None:
        body = f"Agreed for the issue “{issue.title}”."
        record(
            partnership.id,
            "changed",
            by,
            cycle_id=issue.cycle_id,
            issue_id=issue.id,
            body=f"Action “{action.title}” agreed.",
            at=now,
        )
    record(partnership.id, "created", by, cycle_id=cycle.id, action_id=action.id, body=body, at=now)
    db.session.commit()
    log.info("action %s agreed in cycle %s", action.id, cycle.id)
    return action


@db.writes
def action_from_suggestion(
    issue: Issue, key: str, by: Any, *, now: dt.datetime | None = None
) -> Action:
    """Turn a playbook suggestion into an action for the issue, pre-filled: the suggestion's
    title and description, the issue's dimension and owner, due after the suggestion's days.
    The action is agreed in the cycle the partnership is in now, or the issue's. Commits."""
    partnership = _partnership(issue)
    chosen = suggestion(partnership, key)
    if chosen.is_hidden:
        raise Refused("This suggestion is hidden from the playbook.")
    now = now or utcnow()
    cycle = db.session.get(Cycle, issue.cycle_id)
    assert cycle is not None
    today = stages.local_today(partnership, now)
    return create_action(
        cycle,
        ActionData(
            title=chosen.title,
            description=chosen.description,
            dimension=issue.dimension,
            owner_organization_id=issue.owner_organization_id,
            owner_user_id=issue.owner_user_id,
            due_on=today + dt.timedelta(days=chosen.due_days),
        ),
        by,
        issue=issue,
        playbook_key=chosen.key,
        now=now,
    )


@db.writes
def update_action(action: Action, data: ActionData, by: Any) -> None:
    """Change an action's title, description, dimension, owner and due date. Commits."""
    partnership = _partnership(action)
    cycle = db.session.get(Cycle, action.cycle_id)
    assert cycle is not None
    org_id, user_id = _owner(partnership, data.owner_organization_id, data.owner_user_id)
    orgs, people = _names(partnership)
    title = _title(data.title)
    description = _clean(data.description, TEXT_MAX, "The description", "description")
    due_on = _check_due(data.due_on, cycle)
    dimension = data.dimension or None
    changes = diff(
        {
            "title": action.title,
            "description": action.description,
            "dimension": action.dimension,
            "owner organization": orgs.get(action.owner_organization_id),
            "owner": people.get(action.owner_user_id),
            "due": action.due_on,
        },
        {
            "title": title,
            "description": description,
            "dimension": dimension,
            "owner organization": orgs.get(org_id),
            "owner": people.get(user_id),
            "due": due_on,
        },
    )
    if not changes:
        return
    if dimension != action.dimension:
        issue = db.session.get(Issue, action.issue_id) if action.issue_id else None
        baseline = baseline_for(cycle, dimension, issue)
        action.instrument_id, action.baseline_survey_id, action.gap_threshold = (
            baseline if baseline is not None else (None, None, None)
        )
    action.title, action.description, action.dimension = title, description, dimension
    action.owner_organization_id, action.owner_user_id = org_id, user_id
    action.due_on = due_on
    action.updated_at = utcnow()
    record(
        action.partnership_id,
        "changed",
        by,
        cycle_id=action.cycle_id,
        action_id=action.id,
        changes=changes,
    )
    db.session.commit()


def set_action_status(
    action: Action, status: str, reason: str, by: Any, *, now: dt.datetime | None = None
) -> None:
    """Open, in progress, done or dropped (a reason is required to drop). Commits."""
    _set_status(action, status, reason, by, ACTION_STATUS_LABELS, "action", now)


def add_progress_note(
    action: Action, body: str, by: Any, *, now: dt.datetime | None = None
) -> GovernanceEvent:
    """A progress note on the action's record. Commits."""
    return _append(action, "note", body, by, "Note", now)


def is_action_overdue(action: Action, partnership: Partnership, now: dt.datetime) -> bool:
    """Open or in progress, with its due date passed (in the partnership's time zone)."""
    return (
        action.status in ACTION_ACTIVE
        and action.due_on is not None
        and action.due_on < stages.local_today(partnership, now)
    )


def list_actions(
    partnership: Partnership,
    *,
    cycle: Cycle | None = None,
    status: str | None = None,
    owner_user_id: int | None = None,
    owner_organization_id: int | None = None,
    overdue: bool = False,
    now: dt.datetime | None = None,
) -> list[Action]:
    """The partnership's actions, filtered; with ``cycle``, the cycle's own and the open ones
    carried over from earlier cycles. Soonest due first."""
    now = now or utcnow()
    stmt = select(Action).where(Action.partnership_id == partnership.id)
    if cycle is not None:
        earlier = (
            select(Cycle.id)
            .where(
                Cycle.partnership_id == partnership.id,
                or_(
                    Cycle.starts_on < cycle.starts_on,
                    and_(Cycle.starts_on == cycle.starts_on, Cycle.id < cycle.id),
                ),
            )
            .scalar_subquery()
        )
        stmt = stmt.where(
            or_(
                Action.cycle_id == cycle.id,
                and_(Action.cycle_id.in_(earlier), Action.status.in_(ACTION_ACTIVE)),
            )
        )
    if status in ACTION_STATUSES:
        stmt = stmt.where(Action.status == status)
    elif status == "active":
        stmt = stmt.where(Action.status.in_(ACTION_ACTIVE))
    if owner_user_id is not None:
        stmt = stmt.where(Action.owner_user_id == owner_user_id)
    if owner_organization_id is not None:
        stmt = stmt.where(Action.owner_organization_id == owner_organization_id)
    if overdue:
        stmt = stmt.where(
            Action.status.in_(ACTION_ACTIVE),
            Action.due_on.is_not(None),
            Action.due_on < stages.local_today(partnership, now),
        )
    rows = list(db.session.scalars(stmt))
    rows.sort(
        key=lambda a: (
            a.status not in ACTION_ACTIVE,
            a.due_on is None,
            a.due_on or dt.date.max,
            a.id,
        )
    )
    return rows


# --- lessons ------------------------------------------------------------------------------


@dataclass
class LessonData:
    what_happened: str
    what_worked: str = ""
    what_failed: str = ""
    dimension: str | None = None
    tags: list[str] = field(default_factory=list)


def parse_tags(text: str | Iterable[str]) -> list[str]:
    """Tags from "roadmap, Escalation; planning" (commas, semicolons): lower-case, unique."""
    raw = text if not isinstance(text, str) else text.replace(";", ",").split(",")
    tags = []
    for tag in raw:
        tag = " ".join(str(tag).split()).lower()
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def _check_lesson(data: LessonData) -> LessonData:
    happened = _clean(data.what_happened, TEXT_MAX, "What happened", "what_happened")
    if not happened:
        raise Refused("Say what happened.", field="what_happened")
    tags = parse_tags(data.tags)
    if len(tags) > TAGS_MAX or any(len(t) > TAG_MAX for t in tags):
        raise Refused(
            f"At most {TAGS_MAX} tags of at most {TAG_MAX} characters each.", field="tags"
        )
    return LessonData(
        happened,
        _clean(data.what_worked, TEXT_MAX, "What worked", "what_worked"),
        _clean(data.what_failed, TEXT_MAX, "What failed", "what_failed"),
        data.dimension or None,
        tags,
    )


@db.writes
def add_lesson(
    cycle: Cycle, data: LessonData, by: Any, *, now: dt.datetime | None = None
) -> Lesson:
    """Write down a lesson of the cycle. Commits."""
    data = _check_lesson(data)
    now = now or utcnow()
    lesson = Lesson(
        partnership_id=cycle.partnership_id,
        cycle_id=cycle.id,
        what_happened=data.what_happened,
        what_worked=data.what_worked,
        what_failed=data.what_failed,
        dimension=data.dimension,
        tags=data.tags,
        author_id=getattr(by, "id", None),
        created_at=now,
        updated_at=now,
    )
    db.session.add(lesson)
    db.session.flush()
    record(cycle.partnership_id, "created", by, cycle_id=cycle.id, lesson_id=lesson.id, at=now)
    db.session.commit()
    return lesson


@db.writes
def update_lesson(lesson: Lesson, data: LessonData, by: Any) -> None:
    """Change a lesson. Commits."""
    data = _check_lesson(data)
    changes = diff(
        {
            "what happened": lesson.what_happened,
            "what worked": lesson.what_worked,
            "what failed": lesson.what_failed,
            "dimension": lesson.dimension,
            "tags": ", ".join(lesson.tags or []),
        },
        {
            "what happened": data.what_happened,
            "what worked": data.what_worked,
            "what failed": data.what_failed,
            "dimension": data.dimension,
            "tags": ", ".join(data.tags),
        },
    )
    if not changes:
        return
    lesson.what_happened, lesson.what_worked = data.what_happened, data.what_worked
    lesson.what_failed, lesson.dimension, lesson.tags = data.what_failed, data.dimension, data.tags
    lesson.updated_at = utcnow()
    record(
        lesson.partnership_id,
        "changed",
        by,
        cycle_id=lesson.cycle_id,
        lesson_id=lesson.id,
        changes=changes,
    )
    db.session.commit()


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_lessons(
    partnership: Partnership,
    *,
    text: str = "",
    tag: str = "",
    dimension: str = "",
    cycle: Cycle | None = None,
) -> list[Lesson]:
    """Lessons across cycles: words anywhere in the three texts (case-insensitive), a tag, a
    dimension, a cycle. Latest cycle first."""
    stmt = (
        select(Lesson)
        .join(Cycle, Cycle.id == Lesson.cycle_id)
        .where(Lesson.partnership_id == partnership.id)
    )
    for word in (text or "").split()[:8]:
        pattern = _like(word)
        stmt = stmt.where(
            or_(
                func.lower(Lesson.what_happened).like(pattern, escape="\\"),
                func.lower(Lesson.what_worked).like(pattern, escape="\\"),
                func.lower(Lesson.what_failed).like(pattern, escape="\\"),
            )
        )
    if dimension:
        stmt = stmt.where(Lesson.dimension == dimension)
    if cycle is not None:
        stmt = stmt.where(Lesson.cycle_id == cycle.id)
    rows = list(db.session.scalars(stmt.order_by(*(c.desc() for c in CYCLE_ORDER), Lesson.id)))
    wanted = (tag or "").strip().lower()
    return [lesson for lesson in rows if not wanted or wanted in (lesson.tags or [])]


def lesson_tags(partnership: Partnership) -> list[str]:
    tags: set[str] = set()
    for row in db.session.scalars(
        select(Lesson.tags).where(Lesson.partnership_id == partnership.id)
    ):
        tags.update(row or [])
    return sorted(tags)


def previous_lessons(cycle: Cycle) -> tuple[Cycle | None, list[Lesson]]:
    """The lessons of the cycle before this one (shown when its surveys are planned)."""
    before = previous_cycle(cycle)
    if before is None:
        return None, []
    return before, search_lessons(_partnership(cycle), cycle=before)


# --- the record ---------------------------------------------------------------------------


def events_of(
    *,
    cycle: Cycle | None = None,
    issue: Issue | None = None,
    action: Action | None = None,
    lesson: Lesson | None = None,
    kinds: Iterable[str] | None = None,
) -> list[GovernanceEvent]:
    """The record of one cycle (its stage moves and date changes), issue, action or lesson,
    oldest first."""
    stmt = select(GovernanceEvent)
    if issue is not None:
        stmt = stmt.where(GovernanceEvent.issue_id == issue.id)
    elif action is not None:
        stmt = stmt.where(GovernanceEvent.action_id == action.id)
    elif lesson is not None:
        stmt = stmt.where(GovernanceEvent.lesson_id == lesson.id)
    elif cycle is not None:
        stmt = stmt.where(
            GovernanceEvent.cycle_id == cycle.id,
            GovernanceEvent.issue_id.is_(None),
            GovernanceEvent.action_id.is_(None),
            GovernanceEvent.lesson_id.is_(None),
        )
    else:
        raise ValueError("events_of needs a record")
    if kinds is not None:
        stmt = stmt.where(GovernanceEvent.kind.in_(list(kinds)))
    return list(db.session.scalars(stmt.order_by(GovernanceEvent.created_at, GovernanceEvent.id)))


def playback_of(cycle: Cycle) -> Playback | None:
    return db.session.scalar(select(Playback).where(Playback.cycle_id == cycle.id))


# --- what the scheduler runs ----------------------------------------------------------------


@dataclass(frozen=True)
class Flagged:
    stages: int
    actions: int
    emails: int


@db.writes
def flag_overdue(*, now: dt.datetime | None = None) -> Flagged:
    """Flag what became overdue, once: a cycle stage past its target days (recorded on the
    cycle), an open or in-progress action past its due date (recorded on the action; its
    owner, when they have an account, gets one email per due date). Archived partnerships
    are left alone. Idempotent: what is flagged is not flagged again. Commits."""
    from partnership.governance.emails import queue_overdue_email

    now = now or utcnow()
    n_stages = n_actions = n_emails = 0
    partnerships = list(
        db.session.scalars(select(Partnership).where(Partnership.is_archived.is_(False)))
    )
    for partnership in partnerships:
        for cycle in db.session.scalars(
            select(Cycle).where(
                Cycle.partnership_id == partnership.id,
                Cycle.stage != "done",
                Cycle.stage_overdue_at.is_(None),
            )
        ):
            if not stages.is_stage_overdue(cycle, partnership, now):
                continue
            cycle.stage_overdue_at = now
            deadline = stages.stage_deadline(cycle, partnership)
            record(
                partnership.id,
                "overdue",
                None,
                cycle_id=cycle.id,
                body=f"{stages.STAGE_LABELS[cycle.stage]} passed its target date, {deadline}.",
                at=now,
            )
            n_stages += 1
        today = stages.local_today(partnership, now)
        for action in db.session.scalars(
            select(Action).where(
                Action.partnership_id == partnership.id,
                Action.status.in_(ACTION_ACTIVE),
                Action.due_on.is_not(None),
                Action.due_on < today,
                or_(
                    Action.overdue_flagged_on.is_(None), Action.overdue_flagged_on != Action.due_on
                ),
            )
        ):
            action.overdue_flagged_on = action.due_on
            record(
                partnership.id,
                "overdue",
                None,
                cycle_id=action.cycle_id,
                action_id=action.id,
                body=f"Past its due date, {action.due_on}.",
                at=now,
            )
            n_actions += 1
            n_emails += queue_overdue_email(action)
    db.session.commit()
    if n_stages or n_actions:
        log.info("flagged overdue: %s stages, %s actions", n_stages, n_actions)
    return Flagged(n_stages, n_actions, n_emails)


def advance_ready(*, now: dt.datetime | None = None, by: Any = "scheduler") -> list[Cycle]:
    """Move every cycle in assess whose surveys are all closed and scored to adapt: the one
    move that follows from the data alone (every later move is a person's decision).
    Archived partnerships are left alone. Commits once per move; returns the cycles moved."""
    now = now or utcnow()
    moved = []
    candidates = list(
        db.session.scalars(
            select(Cycle)
            .join(Partnership, Partnership.id == Cycle.partnership_id)
            .where(Cycle.stage == "assess", Partnership.is_archived.is_(False))
            .order_by(Cycle.id)
        )
    )
    for cycle in candidates:
        if not stages.guard(cycle, "adapt").ok:
            continue
        try:
            move_stage(cycle, "adapt", by, now=now)
        except Refused:
            db.session.rollback()
            continue
        moved.append(cycle)
    return moved


# --- what pages show ------------------------------------------------------------------------


def instrument_names(partnership: Partnership) -> dict[int | None, str]:
    """Names of the instruments the partnership can run (built-in and its own), by id."""
    from partnership.instruments.models import Instrument

    rows = db.session.execute(
        select(Instrument.id, Instrument.name).where(
            or_(Instrument.partnership_id.is_(None), Instrument.partnership_id == partnership.id)
        )
    ).all()
    return {instrument_id: name for instrument_id, name in rows}


def dimension_choices(partnership: Partnership) -> list[tuple[str, str]]:
    """(key, label) of the dimensions the partnership's instruments measure: the built-in
    instruments' in catalog order (the pulse's first), then those of its own instruments."""
    from partnership.instruments import catalog
    from partnership.instruments.services import dimension_label, latest_version, usable_instruments

    found: dict[str, str] = {}
    for spec in catalog.BUILTIN:
        for key in spec.dimensions:
            found.setdefault(key, dimension_label(key))
    for instrument in usable_instruments(partnership):
        if instrument.partnership_id != partnership.id:
            continue
        try:
            version = latest_version(instrument)
        except LookupError:
            continue
        for key in version.dimensions or []:
            found.setdefault(key, dimension_label(key, version))
    return list(found.items())
