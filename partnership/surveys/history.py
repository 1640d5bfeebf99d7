"""A survey's past, written directly: invitations and submitted responses on the days they
happened. The demo tells its story with it, and the benchmarks and the tests build their data
with it, so the rows have one shape wherever they come from.

Not a use case: nothing here sends an email or mints a link anyone holds, and nothing commits
(the caller's transaction does). A live survey gets its invitations from `open_survey` and its
responses from `taking.submit`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import insert

from partnership.db import new_uuid, utcnow
from partnership.extensions import db
from partnership.surveys.models import Answer, Comment, Invitation, Response

#: Rows per executemany, so a benchmark's 400 000 answers do not build one huge statement.
_BATCH = 50_000


@dataclass(frozen=True)
class Invitee:
    """One invitation: the stakeholder and the segment copied from them (as at invite time)."""

    stakeholder_id: int | None
    organization_id: int
    function: str
    level: str
    is_used: bool = False


@dataclass(frozen=True)
class PastResponse:
    """One submitted response: its segment, the answers by item id (None = not applicable),
    the comments by item id, and the day it was submitted (default today, UTC)."""

    organization_id: int
    function: str
    level: str
    answers: Mapping[int, int | None]
    comments: Mapping[int, str] = field(default_factory=dict)
    on: dt.date | None = None


def record_invitations(survey_id: int, invitees: Iterable[Invitee]) -> int:
    """Write the invitations (flush only); returns how many."""
    rows: list[dict[str, object]] = [
        {
            "survey_id": survey_id,
            "stakeholder_id": i.stakeholder_id,
            "organization_id": i.organization_id,
            "function": i.function,
            "level": i.level,
            "is_used": i.is_used,
        }
        for i in invitees
    ]
    _insert(Invitation, rows)
    return len(rows)


def record_responses(survey_id: int, responses: Iterable[PastResponse]) -> list[str]:
    """Write the responses with their answers and comments (flush only), with random ids as
    a submission gets them; returns the response ids in order."""
    today = utcnow().date()
    ids: list[str] = []
    heads: list[dict[str, object]] = []
    answers: list[dict[str, object]] = []
    comments: list[dict[str, object]] = []
    for r in responses:
        rid = new_uuid()
        ids.append(rid)
        heads.append(
            {
                "id": rid,
                "survey_id": survey_id,
                "organization_id": r.organization_id,
                "function": r.function,
                "level": r.level,
                "submitted_on": r.on or today,
            }
        )
        answers.extend(
            {"response_id": rid, "item_id": item_id, "value": value}
            for item_id, value in r.answers.items()
        )
        comments.extend(
            {"id": new_uuid(), "response_id": rid, "item_id": item_id, "body": body}
            for item_id, body in r.comments.items()
        )
    _insert(Response, heads)
    _insert(Answer, answers)
    _insert(Comment, comments)
    return ids


def _insert(
    model: type[Invitation | Response | Answer | Comment], rows: list[dict[str, object]]
) -> None:
    db.session.flush()  # rows the caller added through the ORM go first (foreign keys)
    conn = db.session.connection()
    for start in range(0, len(rows), _BATCH):
        conn.execute(insert(model), rows[start : start + _BATCH])
