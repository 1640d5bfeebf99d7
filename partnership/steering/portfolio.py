"""The portfolio: every partnership a coach holds (an admin: every one) on one page, with its
health and why, the trend of the headline dimensions over the last four cycles, open
escalations, overdue stages and actions, and the next survey.

Built from frozen snapshots only, through the results presenters that every results page
uses: a value a snapshot withholds (a group below the privacy threshold) reaches this page as
the same en dash, never as a number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from partnership.accounts.models import User
from partnership.db import utcnow
from partnership.extensions import db
from partnership.governance import stages
from partnership.governance.services import list_actions, open_cycles
from partnership.partnerships.models import Partnership
from partnership.partnerships.services import visible_partnerships
from partnership.results import presenters
from partnership.results.services import current_snapshot, surveys_by_lineage
from partnership.steering import escalation
from partnership.surveys.models import Survey

#: The headline dimensions the trend follows, in their order (decisions.md).
HEADLINE = ("cultural", "market", "execution")
TREND_CYCLES = 4
HEALTH_ORDER = {"red": 0, "amber": 1, "green": 2}
SORTS = ("name", "health", "escalations", "overdue", "next")


@dataclass(frozen=True)
class TrendCell:
    label: str
    #: The joint score per cycle label, as the results pages show it ("–" when withheld).
    points: list[tuple[str, str]]


@dataclass(frozen=True)
class Row:
    partnership: Partnership
    health: presenters.Badge | None
    health_code: str | None
    health_reason: str | None
    trend: list[TrendCell]
    #: Active issues above the first level of their path, or past their deadline.
    open_escalations: int
    overdue_stages: int
    overdue_actions: int
    next_survey: Survey | None
    next_survey_at: dt.datetime | None


def _trend(points: Sequence[tuple[str, Mapping[str, Any]]]) -> list[TrendCell]:
    view = presenters.trend_view(points)
    by_key = dict(view.dimensions)
    out = []
    for key in HEADLINE:
        label = by_key.get(key)
        if label is None:
            continue
        column = [k for k, _ in view.dimensions].index(key)
        out.append(
            TrendCell(label, [(cycle, str(values[column][0])) for cycle, values in view.table])
        )
    return out


def _latest(partnership: Partnership) -> tuple[Mapping[str, Any] | None, list[TrendCell]]:
    """The newest snapshot of the partnership's first lineage (the pulse first), and its
    trend over the last four closed surveys of that lineage."""
    lineages = surveys_by_lineage(partnership, ["closed"])
    if not lineages:
        return None, []
    _, surveys = lineages[0]
    points = []
    for survey in surveys[-TREND_CYCLES:]:
        snapshot = current_snapshot(survey)
        points.append((survey.cycle.label, snapshot.data if snapshot is not None else {}))
    data = points[-1][1] if points and presenters.is_result(points[-1][1]) else None
    return data, _trend(points)


def _next_survey(
    partnership: Partnership, now: dt.datetime
) -> tuple[Survey | None, dt.datetime | None]:
    """The next survey to open (scheduled), else the open one closing next."""
    scheduled = db.session.scalar(
        select(Survey)
        .where(
            Survey.partnership_id == partnership.id,
            Survey.state == "scheduled",
            Survey.opens_at.is_not(None),
        )
        .order_by(Survey.opens_at)
        .limit(1)
    )
    if scheduled is not None:
        return scheduled, scheduled.opens_at
    running = db.session.scalar(
        select(Survey)
        .where(Survey.partnership_id == partnership.id, Survey.state == "open")
        .order_by(Survey.closes_at)
        .limit(1)
    )
    return running, (running.closes_at if running is not None else None)


def row_of(partnership: Partnership, now: dt.datetime) -> Row:
    data, trend = _latest(partnership)
    standings = escalation.standings(partnership, now)
    survey, when = _next_survey(partnership, now)
    code = data.get("health") if data is not None else None
    return Row(
        partnership=partnership,
        health=presenters.health_badge(code) if isinstance(code, str) else None,
        health_code=code if isinstance(code, str) else None,
        health_reason=presenters.health_reason(data) if data is not None else None,
        trend=trend,
        open_escalations=sum(1 for s in standings.values() if s.is_escalated or s.is_overdue),
        overdue_stages=sum(
            1 for c in open_cycles(partnership) if stages.is_stage_overdue(c, partnership, now)
        ),
        overdue_actions=len(list_actions(partnership, overdue=True, now=now)),
        next_survey=survey,
        next_survey_at=when,
    )


def _sort_key(sort: str) -> Callable[[Row], tuple[Any, ...]]:
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    keys = {
        "name": lambda r: (r.partnership.name.lower(),),
        "health": lambda r: (HEALTH_ORDER.get(r.health_code or "", 3), r.partnership.name.lower()),
        "escalations": lambda r: (-r.open_escalations, r.partnership.name.lower()),
        "overdue": lambda r: (
            -(r.overdue_stages + r.overdue_actions),
            r.partnership.name.lower(),
        ),
        "next": lambda r: (r.next_survey_at or far, r.partnership.name.lower()),
    }
    return keys[sort]


def portfolio(
    user: User, *, sort: str = "health", descending: bool = False, now: dt.datetime | None = None
) -> list[Row]:
    """The partnerships the user holds (archived ones stay out), sorted: by health (red
    first), name, open escalations or overdue work (most first), or next survey (soonest
    first); ``descending`` reverses."""
    now = now or utcnow()
    rows = [row_of(p, now) for p in visible_partnerships(user, role="coach")]
    rows.sort(key=_sort_key(sort if sort in SORTS else "health"), reverse=descending)
    return rows
