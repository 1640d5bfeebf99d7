"""A cycle's stages: assess, adapt, communicate, learn, done (domain.md, "The Continuous
Alignment Model"), the guard of each move, target days and overdue stages.

A cycle moves one stage forward at a time; each move is refused, naming what is missing,
unless its guard holds:

- to **adapt**: the cycle has a survey, and every survey of it is closed and scored (has a
  snapshot);
- to **communicate**: every red issue of the cycle that still fires and is open or in
  progress has an action (not dropped) or a recorded decision;
- to **learn**: the cycle's brief was issued and both organizations acknowledged it
  (``brief_acknowledged``, which the briefs feature answers), or a coach's note saying how
  the results were communicated, or why the cycle moves on without it (an override);
- to **done**: at least one lesson of the cycle, or an explicit "no lessons" note.

Each stage has target days (partnership setting ``stage_days``, defaults below), counted in the
partnership's time zone: assess from the cycle's first day (a cycle created late is late), every
other stage from the day it began. A stage is overdue the day after its
deadline; done is never overdue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from partnership.extensions import db
from partnership.governance.models import ACTION_ACTIVE, ISSUE_ACTIVE, Action, Issue, Lesson
from partnership.partnerships.models import Partnership
from partnership.surveys.models import CYCLE_STAGES, Cycle
from partnership.timefmt import zone

STAGE_LABELS = {
    "assess": "Assess",
    "adapt": "Adapt",
    "communicate": "Communicate",
    "learn": "Learn",
    "done": "Done",
}
STAGE_HINTS = {
    "assess": "Run the quarter's surveys and read their signals.",
    "adapt": "Agree actions with owners and due dates for what the signals show.",
    "communicate": "Tell both organizations what was heard and what will be done.",
    "learn": "Write down what worked and what failed, so the next cycle starts wiser.",
    "done": "The cycle is complete.",
}
#: Target days per stage (a quarter has about 91): six weeks to run and close the surveys,
#: two weeks each to agree actions, communicate, and write the lessons.
DEFAULT_STAGE_DAYS = {"assess": 42, "adapt": 14, "communicate": 14, "learn": 14}
MAX_STAGE_DAYS = 365


def next_stage(stage: str) -> str | None:
    index = CYCLE_STAGES.index(stage)
    return CYCLE_STAGES[index + 1] if index + 1 < len(CYCLE_STAGES) else None


def stage_days(partnership: Partnership) -> dict[str, int]:
    """The partnership's target days per stage: its overrides, else the defaults."""
    stored = partnership.stage_days or {}
    days = {}
    for stage, default in DEFAULT_STAGE_DAYS.items():
        try:
            value = int(stored.get(stage, default))
        except (TypeError, ValueError):
            value = default
        days[stage] = value if 1 <= value <= MAX_STAGE_DAYS else default
    return days


def local_today(partnership: Partnership, now: dt.datetime) -> dt.date:
    return now.astimezone(zone(partnership.timezone)).date()


def stage_began_on(cycle: Cycle, partnership: Partnership) -> dt.date:
    """The day (partnership's time zone) the cycle's current stage began to count."""
    if cycle.stage == "assess":
        return cycle.starts_on
    return cycle.stage_changed_at.astimezone(zone(partnership.timezone)).date()


def stage_deadline(cycle: Cycle, partnership: Partnership) -> dt.date | None:
    """The last day of the current stage's target; None once the cycle is done."""
    days = stage_days(partnership).get(cycle.stage)
    if days is None:
        return None
    return stage_began_on(cycle, partnership) + dt.timedelta(days=days)


def is_stage_overdue(cycle: Cycle, partnership: Partnership, now: dt.datetime) -> bool:
    deadline = stage_deadline(cycle, partnership)
    return deadline is not None and local_today(partnership, now) > deadline


# --- guards ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Guard:
    """Whether a cycle may move to ``to``. ``missing`` names each thing that stops it;
    ``note`` says what a note given with the move stands for (the learn and done guards
    accept one instead of what is missing), else None."""

    to: str
    missing: tuple[str, ...] = ()
    note: str | None = None
    note_required: bool = False

    @property
    def ok(self) -> bool:
        """Whether the move may happen without a note."""
        return not self.missing

    def allows(self, note: str) -> bool:
        """Whether the move may happen with this note (learn and done accept one instead of
        what is missing)."""
        return self.ok or (self.note_required and bool(note.strip()))


#: Whether a cycle's brief was issued and acknowledged: (done, what is missing in words).
BriefCheck = Callable[[Cycle], tuple[bool, str]]
_brief_checks: list[BriefCheck] = []


def acknowledges_briefs(check: BriefCheck) -> BriefCheck:
    """Register the briefs feature's check (``partnership.briefs.services``, above this
    package, registered by the app factory); idempotent, usable as a decorator."""
    if check not in _brief_checks:
        _brief_checks.append(check)
    return check


def brief_acknowledged(cycle: Cycle) -> tuple[bool, str]:
    """Whether the cycle's brief was issued and a steering member of each organization
    acknowledged its latest version, and if not what is missing, in words (the briefs
    feature answers; without it, nothing was ever issued)."""
    for check in _brief_checks:
        return check(cycle)
    return False, "No brief has been issued and acknowledged by both organizations."


def _survey_gaps(cycle: Cycle) -> list[str]:
    from partnership.results.models import Snapshot
    from partnership.surveys.services import instrument_names

    if not cycle.surveys:
        return ["The cycle has no survey yet: plan and run the quarter's pulse first."]
    names = instrument_names(list(cycle.surveys))
    scored = set(
        db.session.scalars(
            select(Snapshot.survey_id).where(Snapshot.survey_id.in_([s.id for s in cycle.surveys]))
        )
    )
    missing = []
    for survey in cycle.surveys:
        name = names.get(survey.instrument_id, "A survey")
        if survey.state != "closed":
            missing.append(f"“{name}” is {survey.state}: close it first.")
        elif survey.id not in scored:
            missing.append(f"“{name}” is closed but has no results yet: re-score it.")
    return missing


def unhandled_red_issues(cycle: Cycle) -> list[Issue]:
    """Red issues of the cycle that still fire, are open or in progress, and have neither an
    action (other than a dropped one) nor a recorded decision."""
    with_action = (
        select(Action.issue_id)
        .where(Action.issue_id.is_not(None), Action.status != "dropped")
        .scalar_subquery()
    )
    return list(
        db.session.scalars(
            select(Issue)
            .where(
                Issue.cycle_id == cycle.id,
                Issue.severity == "red",
                Issue.is_firing.is_(True),
                Issue.status.in_(ISSUE_ACTIVE),
                Issue.decision == "",
                Issue.id.not_in(with_action),
            )
            .order_by(Issue.id)
        )
    )


def lesson_count(cycle: Cycle) -> int:
    return int(
        db.session.scalar(select(func.count(Lesson.id)).where(Lesson.cycle_id == cycle.id)) or 0
    )


def guard(cycle: Cycle, to: str | None = None) -> Guard:
    """The guard of the cycle's next move (or of the move to ``to``, which must be the next
    stage)."""
    target = next_stage(cycle.stage)
    to = to or target
    if to is None or to != target:
        return Guard(to or cycle.stage, ("The cycle is done.",) if target is None else ())
    if to == "adapt":
        return Guard(to, tuple(_survey_gaps(cycle)))
    if to == "communicate":
        return Guard(
            to,
            tuple(
                f"Red issue “{i.title}” has no action or decision yet."
                for i in unhandled_red_issues(cycle)
            ),
        )
    if to == "learn":
        done, why = brief_acknowledged(cycle)
        if done:
            return Guard(to, note="An optional note on how the results were communicated.")
        return Guard(
            to,
            (why,),
            note="How the results were communicated to both organizations, or why the cycle "
            "moves on without an acknowledged brief (override).",
            note_required=True,
        )
    if to == "done":
        if lesson_count(cycle):
            return Guard(to, note="An optional closing note.")
        return Guard(
            to,
            ("The cycle has no lesson yet: add one, or note why there is none.",),
            note="Why this cycle leaves no lesson (“no lessons” note).",
            note_required=True,
        )
    return Guard(to)


def open_action_count(cycle: Cycle) -> int:
    """Actions agreed in this cycle that are still open or in progress."""
    return int(
        db.session.scalar(
            select(func.count(Action.id)).where(
                Action.cycle_id == cycle.id, Action.status.in_(ACTION_ACTIVE)
            )
        )
        or 0
    )
