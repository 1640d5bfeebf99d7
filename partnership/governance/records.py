"""The record of governance changes: who did what, when (``GovernanceEvent``).

Every service that changes an issue, action, lesson or a cycle's stage calls ``record`` in
its own transaction (flush only), so the change and its record commit together. Pages show
the record under each issue, action, lesson and cycle.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from partnership.db import utcnow
from partnership.extensions import db
from partnership.governance.models import GovernanceEvent

#: Who acts when no person does: the command line (an administrator running `flask ...`).
COMMAND_LINE_NAME = "command line"
#: The name recorded for what scoring does by itself at a close or re-score.
SCORING_NAME = "scoring"


def actor_id(by: Any) -> int | None:
    """The user id of an actor (a User), or None for the command line, the scheduler or
    scoring."""
    value = getattr(by, "id", None)
    return value if isinstance(value, int) else None


def actor_name(by: Any, default: str = COMMAND_LINE_NAME) -> str:
    """The actor's name as the record shows it: the person's name, else ``default``."""
    if isinstance(by, str):
        return by[:200]
    name = getattr(by, "name", None) if actor_id(by) is not None else None
    return (name or default)[:200]


def shown(value: Any) -> str:
    """A value as the record shows it before and after a change."""
    if value is None or value == "":
        return "–"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[str]]:
    """The fields whose shown value changed, as {field: [before, after]}."""
    return {
        key: [shown(before.get(key)), shown(after.get(key))]
        for key in after
        if shown(before.get(key)) != shown(after.get(key))
    }


def record(
    partnership_id: int,
    kind: str,
    by: Any,
    *,
    cycle_id: int | None = None,
    issue_id: int | None = None,
    action_id: int | None = None,
    lesson_id: int | None = None,
    body: str = "",
    changes: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> GovernanceEvent:
    """Add one entry to the record (flush only). ``by`` is a User, None (the command line) or
    a name ("scoring")."""
    event = GovernanceEvent(
        partnership_id=partnership_id,
        cycle_id=cycle_id,
        issue_id=issue_id,
        action_id=action_id,
        lesson_id=lesson_id,
        kind=kind,
        actor_id=actor_id(by),
        actor_name=actor_name(by),
        body=body,
        changes=dict(changes or {}),
        created_at=at or utcnow(),
    )
    db.session.add(event)
    db.session.flush()
    return event
