"""Attempt throttling kept in the database, so limits hold across gunicorn workers and
restarts (an in-memory counter would be per process). Used for logins and survey-link tokens.

Each key ("acct:<email>", "ip:<addr>", "token-ip:<addr>") counts failures; past
`free_attempts`, each further failure doubles the wait before the key is checked again
(2, 4, 8 ... seconds, capped). Counters decay after an hour without failures.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import case, delete, select, update

from partnership.accounts.models import AttemptThrottle
from partnership.db import utcnow
from partnership.extensions import db

WINDOW = dt.timedelta(hours=1)


def wait_seconds(keys: list[str], now: dt.datetime | None = None) -> int:
    """Seconds until every key may be tried again; 0 when none is blocked."""
    now = now or utcnow()
    blocked = db.session.scalars(
        select(AttemptThrottle.blocked_until).where(
            AttemptThrottle.key.in_([k[:300] for k in keys]), AttemptThrottle.blocked_until > now
        )
    ).all()
    if not blocked:
        return 0
    latest = max(until for until in blocked if until is not None)
    return max(1, int((latest - now).total_seconds()) + 1)


def record_failure(keys: list[str], *, free_attempts: int, max_delay: int) -> None:
    """Count a failure for each key (flush only; the caller commits)."""
    now = utcnow()
    # the dialect's own INSERT (ON CONFLICT), imported here: only the one in use gets loaded
    insert: Any  # either dialect's INSERT; both have on_conflict_do_update
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        insert = pg_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        insert = sqlite_insert
    stale = now - WINDOW
    for key in keys:
        key = key[:300]
        stmt = (
            insert(AttemptThrottle)
            .values(key=key, failures=1, updated_at=now)
            .on_conflict_do_update(
                index_elements=[AttemptThrottle.key],
                set_={
                    "failures": case(
                        (AttemptThrottle.updated_at < stale, 1), else_=AttemptThrottle.failures + 1
                    ),
                    "updated_at": now,
                },
            )
            .returning(AttemptThrottle.failures)
        )
        failures = db.session.execute(stmt).scalar_one()
        if failures >= free_attempts:
            delay = min(max_delay, 2 ** (failures - free_attempts + 1))
            db.session.execute(
                update(AttemptThrottle)
                .where(AttemptThrottle.key == key)
                .values(blocked_until=now + dt.timedelta(seconds=delay))
            )


def clear(key: str) -> None:
    """Forget a key's failures (flush only)."""
    db.session.execute(delete(AttemptThrottle).where(AttemptThrottle.key == key[:300]))
