"""The decisions register: what the steering committee decided, why, among which options,
who decided for each organization, when, what it trades off, and which issues and actions it
concerns. A decision may be requested first (the question, for the next meeting's agenda) and
made later. A made decision linked to an issue counts as that issue's decision (the guard of
the move to Communicate reads it), and may resolve it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select

from partnership.db import utcnow
from partnership.errors import Refused
from partnership.extensions import db
from partnership.governance import stages
from partnership.governance.models import ISSUE_ACTIVE, Action, Issue
from partnership.governance.records import record
from partnership.governance.services import owners
from partnership.partnerships.models import Partnership
from partnership.steering import tradeoffs
from partnership.steering.models import DECISION_STATUSES, Decision, DecisionLink, Meeting

TITLE_MAX = 200
TEXT_MAX = 4000
OPTION_MAX = 300
OPTIONS_MAX = 12


@dataclass
class DecisionData:
    title: str
    status: str = "made"
    rationale: str = ""
    options: list[str] = field(default_factory=list)
    #: (user id, organization id) of each person who decided.
    deciders: list[tuple[int, int | None]] = field(default_factory=list)
    decided_on: dt.date | None = None
    issue_ids: list[int] = field(default_factory=list)
    action_ids: list[int] = field(default_factory=list)
    #: The linked issues this decision resolves.
    resolves: list[int] = field(default_factory=list)
    trade_offs: list[str] = field(default_factory=list)
    meeting_id: int | None = None
    cycle_id: int | None = None


def _text(value: str | None, limit: int, what: str, field_name: str) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise Refused(f"{what} may have at most {limit} characters.", field=field_name)
    return text


def _deciders(partnership: Partnership, data: DecisionData) -> list[dict[str, Any]]:
    members = {p.user_id: p.name for p in owners(partnership)}
    orgs = {o.id for o in partnership.organizations}
    out: list[dict[str, Any]] = []
    for user_id, org_id in data.deciders:
        if user_id not in members:
            raise Refused(
                "Those who decided must be members of this partnership.", field="people_a"
            )
        if org_id not in orgs:
            raise Refused("Choose one of the partnership's two organizations.", field="people_a")
        if all(d["user_id"] != user_id for d in out):
            out.append({"user_id": user_id, "organization_id": org_id, "name": members[user_id]})
    if data.status == "made" and {d["organization_id"] for d in out} != orgs:
        raise Refused(
            "A decision of the steering committee names who decided for each organization: "
            "choose at least one person of both.",
            field="people_a",
        )
    return out


def _check(partnership: Partnership, data: DecisionData) -> dict[str, Any]:
    if data.status not in DECISION_STATUSES:
        raise Refused("Unknown status.", field="status")
    title = " ".join((data.title or "").split())
    if not title:
        raise Refused("Write the decision (or, for a request, the question).", field="title")
    if len(title) > TITLE_MAX:
        raise Refused(f"At most {TITLE_MAX} characters.", field="title")
    options = [" ".join(o.split()) for o in data.options if o and o.strip()]
    if len(options) > OPTIONS_MAX or any(len(o) > OPTION_MAX for o in options):
        raise Refused(
            f"At most {OPTIONS_MAX} options of at most {OPTION_MAX} characters each.",
            field="options",
        )
    issues = {
        i.id: i
        for i in db.session.scalars(
            select(Issue).where(
                Issue.partnership_id == partnership.id, Issue.id.in_(list(data.issue_ids))
            )
        )
    }
    if len(issues) != len(set(data.issue_ids)):
        raise Refused("Choose issues of this partnership.", field="issue_ids")
    actions = set(
        db.session.scalars(
            select(Action.id).where(
                Action.partnership_id == partnership.id, Action.id.in_(list(data.action_ids))
            )
        )
    )
    if len(actions) != len(set(data.action_ids)):
        raise Refused("Choose actions of this partnership.", field="action_ids")
    resolves = set(data.resolves)
    if not resolves <= set(issues):
        raise Refused("A decision resolves only issues it is linked to.", field="resolves")
    if resolves and data.status != "made":
        raise Refused("Only a decision that was made resolves issues.", field="resolves")
    meeting_id = data.meeting_id
    if meeting_id is not None:
        meeting = db.session.get(Meeting, meeting_id)
        if meeting is None or meeting.partnership_id != partnership.id:
            raise Refused("Choose a meeting of this partnership.", field="meeting_id")
    return {
        "title": title,
        "rationale": _text(data.rationale, TEXT_MAX, "The rationale", "rationale"),
        "options": options,
        "deciders": _deciders(partnership, data),
        "issues": issues,
        "actions": sorted(actions),
        "resolves": resolves,
        "trade_offs": tradeoffs.check_keys(partnership, data.trade_offs),
    }


def _apply_to_issues(
    decision: Decision, issues: dict[int, Issue], resolves: set[int], by: Any, now: dt.datetime
) -> None:
    """A made decision is the decision of each linked issue without one; it resolves those
    it names. Recorded on each issue (flush)."""
    for issue in issues.values():
        note = f"Decision in the register: “{decision.title}”."
        changes: dict[str, list[str]] = {}
        if not issue.decision:
            issue.decision, issue.decided_at = decision.title, now
            issue.decided_by_id = getattr(by, "id", None)
        if issue.id in resolves and issue.status in ISSUE_ACTIVE:
            changes["status"] = [issue.status.replace("_", " ").capitalize(), "Resolved"]
            issue.status, issue.status_reason = "resolved", note
        issue.updated_at = now
        record(
            issue.partnership_id,
            "decision",
            by,
            cycle_id=issue.cycle_id,
            issue_id=issue.id,
            body=note,
            changes=changes,
            at=now,
        )


@db.writes
def save_decision(
    partnership: Partnership,
    data: DecisionData,
    by: Any,
    *,
    decision: Decision | None = None,
    now: dt.datetime | None = None,
) -> Decision:
    """Record a decision (made or requested), or change one: a requested decision becomes
    made when its status says so. Made, it needs who decided for both organizations and a
    date (today by default); it becomes the decision of its linked issues and resolves those
    it names. Commits."""
    now = now or utcnow()
    checked = _check(partnership, data)
    was = decision.status if decision is not None else None
    if decision is None:
        decision = Decision(partnership_id=partnership.id, created_by_id=getattr(by, "id", None))
        decision.created_at = now
        db.session.add(decision)
    decision.status, decision.title = data.status, checked["title"]
    decision.rationale, decision.options = checked["rationale"], checked["options"]
    decision.deciders = checked["deciders"]
    decision.decided_on = (
        (data.decided_on or stages.local_today(partnership, now)) if data.status == "made" else None
    )
    decision.meeting_id = data.meeting_id
    decision.cycle_id = data.cycle_id or decision.cycle_id
    if decision.cycle_id is None:
        from partnership.governance.services import current_cycle

        cycle = current_cycle(partnership, now)
        decision.cycle_id = cycle.id if cycle is not None else None
    decision.updated_at = now
    db.session.flush()
    db.session.execute(delete(DecisionLink).where(DecisionLink.decision_id == decision.id))
    db.session.add_all(
        DecisionLink(decision_id=decision.id, issue_id=i, resolves=i in checked["resolves"])
        for i in sorted(checked["issues"])
    )
    db.session.add_all(
        DecisionLink(decision_id=decision.id, action_id=a) for a in checked["actions"]
    )
    tradeoffs.replace_tags(partnership, checked["trade_offs"], decision_id=decision.id)
    if decision.status == "made":
        _apply_to_issues(decision, checked["issues"], checked["resolves"], by, now)
    if was != decision.status or was is None:
        record(
            partnership.id,
            "decision",
            by,
            cycle_id=decision.cycle_id,
            body=("Decision made: " if decision.status == "made" else "Decision requested: ")
            + decision.title,
            at=now,
        )
    db.session.flush()
    return decision


def list_decisions(partnership: Partnership, *, status: str | None = None) -> list[Decision]:
    """The register, newest first: requested ones first, then made ones by date."""
    stmt = select(Decision).where(Decision.partnership_id == partnership.id)
    if status in DECISION_STATUSES:
        stmt = stmt.where(Decision.status == status)
    rows = list(db.session.scalars(stmt))
    rows.sort(
        key=lambda d: (d.status != "requested", -(d.decided_on or dt.date.max).toordinal(), -d.id)
    )
    return rows


@dataclass(frozen=True)
class Links:
    issues: list[tuple[Issue, bool]]
    actions: list[Action]


def links_of(decision: Decision) -> Links:
    rows = list(
        db.session.scalars(
            select(DecisionLink)
            .where(DecisionLink.decision_id == decision.id)
            .order_by(DecisionLink.id)
        )
    )
    issues = []
    actions = []
    for row in rows:
        if row.issue_id is not None and (issue := db.session.get(Issue, row.issue_id)) is not None:
            issues.append((issue, row.resolves))
        elif (
            row.action_id is not None
            and (action := db.session.get(Action, row.action_id)) is not None
        ):
            actions.append(action)
    return Links(issues, actions)


def decisions_of_issue(issue: Issue) -> list[Decision]:
    """The register's decisions linked to the issue, oldest first."""
    return list(
        db.session.scalars(
            select(Decision)
            .join(DecisionLink, DecisionLink.decision_id == Decision.id)
            .where(DecisionLink.issue_id == issue.id)
            .order_by(Decision.id)
        )
    )


def linked_issue_ids(decision_ids: Sequence[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {d: [] for d in decision_ids}
    if not decision_ids:
        return out
    for decision_id, issue_id in db.session.execute(
        select(DecisionLink.decision_id, DecisionLink.issue_id).where(
            DecisionLink.decision_id.in_(list(decision_ids)), DecisionLink.issue_id.is_not(None)
        )
    ):
        if issue_id is not None:
            out[decision_id].append(issue_id)
    return out
