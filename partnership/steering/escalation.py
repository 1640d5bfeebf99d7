"""Escalation paths: the ordered levels an issue climbs when it is not handled in time.

Each partnership has a path (the defaults below until it saves its own): levels with a name,
the people of either organization they reach, and the days an issue may stay at each. Every
active issue (open or in progress) stands on its partnership's path: at level 1 since it was
raised, or where an ``IssueEscalation`` row puts it. It moves up one level when a coach (or a
steering member at its level) escalates it by hand, or when its days at its level run out
(``escalate_overdue``: the scheduler's job and `flask governance escalate-overdue`). At the
top level its days can still run out: it is then past its deadline and stays there.

An escalation "past its deadline" (the agenda's first group): an issue whose days at a level
ran out, whether it moved up by the clock since or still waits at the top.

Each move is recorded on the issue (a "escalated" entry with the levels) and emailed once, to
each person of the new level, through the outbox (the key names the move and the person).
A move is a compare-and-set on the issue's row, so two runs at once move it once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from partnership.db import affected_rows, utcnow
from partnership.errors import Conflict, Refused
from partnership.extensions import db
from partnership.governance.models import ISSUE_ACTIVE, Issue
from partnership.governance.records import record
from partnership.governance.services import owners
from partnership.partnerships.models import Partnership
from partnership.steering.models import EscalationLevel, IssueEscalation

log = logging.getLogger(__name__)

#: The default path: (name, days allowed at the level).
DEFAULT_LEVELS: tuple[tuple[str, int], ...] = (
    ("Working team", 7),
    ("Alliance managers", 7),
    ("Steering committee", 14),
    ("Executive sponsors", 14),
)
NAME_MAX = 100
MAX_LEVELS = 8
MAX_DAYS = 365
NOTE_MAX = 4000


@dataclass(frozen=True)
class LevelPerson:
    user_id: int
    organization_id: int | None
    name: str
    email: str


@dataclass(frozen=True)
class Level:
    position: int
    name: str
    days_allowed: int
    people: tuple[LevelPerson, ...]

    @property
    def user_ids(self) -> set[int]:
        return {p.user_id for p in self.people}


@dataclass(frozen=True)
class Standing:
    """Where an active issue stands on its path at a moment."""

    issue_id: int
    level: Level
    #: The number of levels on the path (the top is ``level.position == top``).
    top: int
    entered_at: dt.datetime
    deadline: dt.datetime
    #: A level's days ran out before: it moved up by the clock (or waits at the top).
    was_overdue: bool
    #: Its days at the current level have run out.
    is_past_deadline: bool

    @property
    def is_escalated(self) -> bool:
        """Above the first level."""
        return self.level.position > 1

    @property
    def is_overdue(self) -> bool:
        """An escalation past its deadline: the agenda's first group."""
        return self.was_overdue or self.is_past_deadline

    @property
    def at_top(self) -> bool:
        return self.level.position >= self.top


def path(partnership: Partnership) -> list[Level]:
    """The partnership's escalation path, level 1 first, with its people's names (members who
    left the partnership drop out)."""
    members = {p.user_id: p for p in owners(partnership)}
    rows = list(
        db.session.scalars(
            select(EscalationLevel)
            .where(EscalationLevel.partnership_id == partnership.id)
            .order_by(EscalationLevel.position)
        )
    )
    if not rows:
        return [Level(i, name, days, ()) for i, (name, days) in enumerate(DEFAULT_LEVELS, 1)]
    levels = []
    for row in rows:
        people = tuple(
            LevelPerson(m.user_id, p.get("organization_id"), m.name, m.email)
            for p in row.people or []
            if (m := members.get(int(p.get("user_id") or 0))) is not None
        )
        levels.append(Level(row.position, row.name, row.days_allowed, people))
    return levels


def _stored_levels(partnership: Partnership) -> list[EscalationLevel]:
    """The partnership's level rows, the defaults written out first if it has none (flush)."""
    rows = list(
        db.session.scalars(
            select(EscalationLevel)
            .where(EscalationLevel.partnership_id == partnership.id)
            .order_by(EscalationLevel.position)
        )
    )
    if rows:
        return rows
    rows = [
        EscalationLevel(
            partnership_id=partnership.id, position=i, name=name, days_allowed=days, people=[]
        )
        for i, (name, days) in enumerate(DEFAULT_LEVELS, 1)
    ]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def _check_people(
    partnership: Partnership, people: Sequence[tuple[int, int | None]]
) -> list[dict[str, Any]]:
    members = {p.user_id for p in owners(partnership)}
    orgs = {o.id for o in partnership.organizations}
    out: list[dict[str, Any]] = []
    for user_id, org_id in people:
        if user_id not in members:
            raise Refused(
                "Each person must be a member of this partnership (a coach or a steering member).",
                field="people",
            )
        if org_id is not None and org_id not in orgs:
            raise Refused("Choose one of the partnership's two organizations.", field="people")
        if all(p["user_id"] != user_id for p in out):
            out.append({"user_id": user_id, "organization_id": org_id})
    return out


@dataclass
class LevelData:
    name: str
    days_allowed: int
    #: (user id, organization id) of each person the level reaches.
    people: list[tuple[int, int | None]]


def _level_text(level: Level | EscalationLevel, names: dict[int, str]) -> str:
    people = level.people or []
    who = ", ".join(
        names.get(p.user_id if isinstance(p, LevelPerson) else int(p["user_id"]), "?")
        for p in people
    )
    return f"{level.name}, {level.days_allowed} days" + (f" ({who})" if who else "")


@db.writes
def save_level(partnership: Partnership, position: int, data: LevelData, by: Any) -> None:
    """Change one level of the path (name, days allowed, people), or add one after the last
    (``position`` = levels + 1). Recorded. Commits."""
    name = " ".join((data.name or "").split())
    if not name:
        raise Refused("Name the level.", field="name")
    if len(name) > NAME_MAX:
        raise Refused(f"A name may have at most {NAME_MAX} characters.", field="name")
    if not 1 <= int(data.days_allowed) <= MAX_DAYS:
        raise Refused(f"Allow between 1 and {MAX_DAYS} days.", field="days_allowed")
    people = _check_people(partnership, data.people)
    rows = _stored_levels(partnership)
    names = {p.user_id: p.name for p in owners(partnership)}
    if position == len(rows) + 1:
        if len(rows) >= MAX_LEVELS:
            raise Refused(f"A path has at most {MAX_LEVELS} levels.")
        row = EscalationLevel(partnership_id=partnership.id, position=position)
        db.session.add(row)
        before = "–"
    elif 1 <= position <= len(rows):
        row = rows[position - 1]
        before = _level_text(row, names)
    else:
        raise Refused("There is no such level.")
    row.name, row.days_allowed, row.people = name, int(data.days_allowed), people
    db.session.flush()
    after = _level_text(row, names)
    if before != after:
        record(
            partnership.id,
            "changed",
            by,
            body="Escalation path changed.",
            changes={f"escalation level {position}": [before, after]},
        )


@db.writes
def remove_last_level(partnership: Partnership, by: Any) -> None:
    """Remove the path's last level; issues standing at it stay at the new top. Commits."""
    rows = _stored_levels(partnership)
    if len(rows) <= 1:
        raise Refused("A path keeps at least one level.")
    last = rows[-1]
    names = {p.user_id: p.name for p in owners(partnership)}
    text = _level_text(last, names)
    db.session.execute(delete(EscalationLevel).where(EscalationLevel.id == last.id))
    db.session.execute(
        update(IssueEscalation)
        .where(
            IssueEscalation.partnership_id == partnership.id,
            IssueEscalation.level > len(rows) - 1,
        )
        .values(level=len(rows) - 1)
        .execution_options(synchronize_session=False)
    )
    record(
        partnership.id,
        "changed",
        by,
        body="Escalation path changed.",
        changes={f"escalation level {last.position}": [text, "–"]},
    )


# --- where issues stand ---------------------------------------------------------------------


def _standing(
    issue: Issue, row: IssueEscalation | None, levels: Sequence[Level], now: dt.datetime
) -> Standing:
    position = min(row.level if row is not None else 1, len(levels))
    level = levels[position - 1]
    entered = row.entered_at if row is not None else issue.created_at
    deadline = entered + dt.timedelta(days=level.days_allowed)
    return Standing(
        issue_id=issue.id,
        level=level,
        top=len(levels),
        entered_at=entered,
        deadline=deadline,
        was_overdue=bool(row is not None and row.is_overdue),
        is_past_deadline=now >= deadline,
    )


def standings(
    partnership: Partnership,
    now: dt.datetime | None = None,
    *,
    issues: Sequence[Issue] | None = None,
) -> dict[int, Standing]:
    """Where each active issue of the partnership stands on its path (issue id -> standing)."""
    now = now or utcnow()
    if issues is None:
        issues = list(
            db.session.scalars(
                select(Issue).where(
                    Issue.partnership_id == partnership.id, Issue.status.in_(ISSUE_ACTIVE)
                )
            )
        )
    active = [i for i in issues if i.status in ISSUE_ACTIVE]
    if not active:
        return {}
    levels = path(partnership)
    rows = {
        r.issue_id: r
        for r in db.session.scalars(
            select(IssueEscalation).where(IssueEscalation.issue_id.in_([i.id for i in active]))
        )
    }
    return {i.id: _standing(i, rows.get(i.id), levels, now) for i in active}


def standing_of(issue: Issue, now: dt.datetime | None = None) -> Standing | None:
    """Where the issue stands, or None when it is resolved or dropped."""
    partnership = db.session.get(Partnership, issue.partnership_id)
    assert partnership is not None
    return standings(partnership, now, issues=[issue]).get(issue.id)


def _move(issue: Issue, to: int, *, overdue: bool, now: dt.datetime) -> bool:
    """Put the issue at level ``to`` unless somebody moved it meanwhile (flush)."""
    row = db.session.scalar(select(IssueEscalation).where(IssueEscalation.issue_id == issue.id))
    if row is None:
        try:
            with db.session.begin_nested():
                db.session.add(
                    IssueEscalation(
                        partnership_id=issue.partnership_id,
                        issue_id=issue.id,
                        level=to,
                        entered_at=now,
                        is_overdue=overdue,
                        updated_at=now,
                    )
                )
        except IntegrityError:
            return False  # another run created it first
        return True
    won = affected_rows(
        db.session.execute(
            update(IssueEscalation)
            .where(
                IssueEscalation.id == row.id,
                IssueEscalation.level == row.level,
            )
            .values(
                level=to,
                entered_at=now,
                is_overdue=row.is_overdue or overdue,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
    )
    db.session.expire(row)
    return bool(won)


def _moved(
    partnership: Partnership,
    issue: Issue,
    before: Standing,
    after: Level,
    by: Any,
    body: str,
    now: dt.datetime,
) -> int:
    """Record the move on the issue and email each person of the new level (flush). Returns
    the emails queued."""
    from partnership.steering.emails import queue_escalation_emails

    event = record(
        partnership.id,
        "escalated",
        by,
        cycle_id=issue.cycle_id,
        issue_id=issue.id,
        body=body,
        changes={"escalation level": [before.level.name, after.name]},
        at=now,
    )
    return queue_escalation_emails(issue, after, event.id, now)


@db.writes
def escalate(issue: Issue, by: Any, *, note: str = "", now: dt.datetime | None = None) -> Level:
    """Move an active issue up one level by hand, with an optional note; its days start again
    at the new level. Refused at the top or when the issue is resolved or dropped. Commits."""
    now = now or utcnow()
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise Refused(f"A note may have at most {NOTE_MAX} characters.", field="note")
    partnership = db.session.get(Partnership, issue.partnership_id)
    assert partnership is not None
    before = standing_of(issue, now)
    if before is None:
        raise Refused("Only an open or in-progress issue can be escalated.")
    if before.at_top:
        raise Refused(f"The issue is at the top of its path ({before.level.name}).")
    levels = path(partnership)
    after = levels[before.level.position]
    if not _move(issue, after.position, overdue=False, now=now):
        raise Conflict("The issue moved in the meantime; reload the page.")
    body = "Escalated by hand." + (f" {note}" if note else "")
    _moved(partnership, issue, before, after, by, body, now)
    log.info("issue %s escalated by hand to level %s", issue.id, after.position)
    return after


@dataclass(frozen=True)
class Escalated:
    moved: int
    emails: int


@db.writes
def escalate_overdue(*, now: dt.datetime | None = None, by: Any = "scheduler") -> Escalated:
    """Move each active issue whose days at its level ran out up one level (its days start
    again there), once; an issue at the top stays there, past its deadline. Archived
    partnerships are left alone. Idempotent. Commits."""
    now = now or utcnow()
    moved = emails = 0
    partnerships = list(
        db.session.scalars(select(Partnership).where(Partnership.is_archived.is_(False)))
    )
    for partnership in partnerships:
        found = standings(partnership, now)
        if not found:
            continue
        levels = path(partnership)
        issues = {
            i.id: i for i in db.session.scalars(select(Issue).where(Issue.id.in_(list(found))))
        }
        for issue_id, standing in sorted(found.items()):
            if not standing.is_past_deadline:
                continue
            issue = issues[issue_id]
            days = standing.level.days_allowed
            if standing.at_top:
                continue  # nowhere to go: pages show it past its deadline
            after = levels[standing.level.position]
            if not _move(issue, after.position, overdue=True, now=now):
                continue
            body = f"Its {days} days at {standing.level.name} ran out."
            emails += _moved(partnership, issue, standing, after, by, body, now)
            moved += 1
    if moved:
        log.info("escalated %s issues", moved)
    return Escalated(moved, emails)
