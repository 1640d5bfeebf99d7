"""The job list: everything the scheduler does, in one place.

`flask jobs run` schedules each job at its own interval; `flask jobs tick` runs each once, in
this order. A job is a thin function of a `JobContext` that calls services with `ctx.now` (the
scheduler's clock) and returns a few words on what it did; the services do the work, each
state change a compare-and-set, so a job run twice, or by two schedulers, does it once.

Adding a job is one function here and one line in `JOBS` (see `escalate_issues`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from partnership.errors import DomainError
from partnership.extensions import db
from partnership.governance import services as governance
from partnership.jobs.services import Job, JobContext
from partnership.outbox import services as outbox
from partnership.results import services as results
from partnership.steering import escalation
from partnership.surveys import schedule
from partnership.surveys import services as surveys
from partnership.surveys.models import Survey

log = logging.getLogger(__name__)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


class _SurveyErrors(Exception):
    """Some surveys failed unexpectedly (not a refusal); the others were dealt with."""


def _each_survey(
    ids: list[int], act: Callable[[Survey], bool], state: str, failed: str
) -> tuple[int, int]:
    """Act on each survey in turn. A refusal (a domain error) is noted on the survey for the
    coach; an unexpected error too, and fails the job once every survey had its turn. A
    survey that left `state` meanwhile (a coach acted first) is not a problem. Returns
    (done, refused)."""
    done = refused = broken = 0
    for survey_id in ids:
        survey = db.session.get(Survey, survey_id)
        if survey is None or survey.state != state:
            continue
        try:
            if act(survey):
                done += 1
            continue
        except DomainError as exc:
            db.session.rollback()
            problem = f"{failed}: {exc}"
            refused += 1
        except Exception:
            db.session.rollback()
            log.exception("survey %s: %s", survey_id, failed)
            problem = f"{failed}: an unexpected error (see the scheduler's log)."
            broken += 1
        survey = db.session.get(Survey, survey_id)
        if survey is not None and survey.state == state:
            schedule.note_problem(survey_id, problem)
    if broken:
        raise _SurveyErrors(f"{_plural(broken, 'survey')} failed unexpectedly; done {done}")
    return done, refused


def open_surveys(ctx: JobContext) -> str:
    """Scheduled surveys whose opening time has come: opened, with one invitation per
    matching stakeholder; a late opening says how late and why."""

    def act(survey: Survey) -> bool:
        with db.writing():  # the note and the opening: one transaction
            note = schedule.late_note(survey.opens_at, ctx.now, ctx.previous_run)
            schedule.note_open(survey, note)
            surveys.open_survey(survey, base_url=ctx.base_url, now=ctx.now)
        return True

    done, refused = _each_survey(
        schedule.due_to_open(ctx.now), act, "scheduled", "The scheduler could not open it"
    )
    return f"opened {done}" + (f", {refused} could not be opened" if refused else "")


def send_reminders(ctx: JobContext) -> str:
    """Open surveys at a planned reminder time of their partnership's plan: one reminder
    round to those who have not answered and did not opt out."""
    emails = 0

    def act(survey: Survey) -> bool:
        nonlocal emails
        written = schedule.send_planned_reminders(survey, base_url=ctx.base_url, now=ctx.now)
        emails += written or 0
        return written is not None

    done, refused = _each_survey(
        schedule.open_with_closing(ctx.now), act, "open", "The scheduler could not remind"
    )
    summary = f"reminded {_plural(done, 'survey')} ({_plural(emails, 'email')})"
    return summary + (f", {refused} refused" if refused else "")


def close_surveys(ctx: JobContext) -> str:
    """Open surveys past their closing time: closed through the one close path (closed,
    results frozen as snapshot version 1, and whatever else the close use case does)."""

    def act(survey: Survey) -> bool:
        with db.writing():  # the note and the close: one transaction
            note = schedule.late_note(survey.closes_at, ctx.now, ctx.previous_run)
            schedule.note_close(survey, note)
            results.close_survey(survey, now=ctx.now)
        return True

    done, refused = _each_survey(
        schedule.due_to_close(ctx.now), act, "open", "The scheduler could not close it"
    )
    return f"closed {done}" + (f", {refused} could not be closed" if refused else "")


def create_next_cycles(ctx: JobContext) -> str:
    """Partnerships with the quarterly cadence: next quarter's cycle, a month ahead."""
    created = [
        cycle.label
        for partnership in schedule.partnerships_with_cadence()
        if (cycle := schedule.create_next_cycle(partnership, ctx.now)) is not None
    ]
    return f"created {_plural(len(created), 'cycle')}"


def advance_cycles(ctx: JobContext) -> str:
    """Cycles in Assess whose surveys have all closed and been scored: moved to Adapt."""
    moved = governance.advance_ready(now=ctx.now)
    return f"moved {_plural(len(moved), 'cycle')} to Adapt"


def flag_overdue(ctx: JobContext) -> str:
    """Stages past their target days and actions past their due date: flagged once; each
    overdue action's owner gets an email."""
    flagged = governance.flag_overdue(now=ctx.now)
    return (
        f"flagged {_plural(flagged.stages, 'stage')} and {_plural(flagged.actions, 'action')}, "
        f"{_plural(flagged.emails, 'email')} queued"
    )


def escalate_issues(ctx: JobContext) -> str:
    """Open issues whose days at their escalation level ran out: up one level, once; the
    people of the level reached get an email each."""
    done = escalation.escalate_overdue(now=ctx.now)
    return f"escalated {_plural(done.moved, 'issue')}, {_plural(done.emails, 'email')} queued"


def deliver_outbox(ctx: JobContext) -> str:
    """Due emails: rendered and sent, retried with backoff, failed after the last try."""
    counts = outbox.send_pending(ctx.config, clock=ctx.clock)
    return (
        f"sent {counts['sent']}, retrying {counts['retry']}, failed {counts['failed']}, "
        f"cancelled {counts['cancelled']}"
    )


def purge_outbox(ctx: JobContext) -> str:
    """Finished emails older than the retention period: deleted."""
    days = int(ctx.config.get("OUTBOX_RETENTION_DAYS") or outbox.RETENTION_DAYS)
    return f"purged {outbox.purge(retention_days=days, now=ctx.now)}"


#: Every job, in the order of a pass. Governance jobs (issues 15-17) go after close_surveys
#: (closing creates governance issues) and before deliver_outbox (their emails then leave in
#: the same pass).
JOBS: tuple[Job, ...] = (
    Job("open_surveys", "Open scheduled surveys whose time has come", open_surveys, every=60),
    Job("send_reminders", "Send reminders on the partnership's plan", send_reminders, every=60),
    Job("close_surveys", "Close surveys past their closing time", close_surveys, every=60),
    Job("escalate_issues", "Move overdue escalations up their path", escalate_issues, every=300),
    Job("advance_cycles", "Move cycles whose surveys closed to Adapt", advance_cycles, every=300),
    Job("flag_overdue", "Flag overdue stages and actions", flag_overdue, every=300),
    # Job("build_briefs", "Build the brief of cycles whose surveys closed", build_briefs, every=300),
    Job(
        "create_next_cycles",
        "Create next quarter's cycle (cadence)",
        create_next_cycles,
        every=3600,
    ),
    Job("deliver_outbox", "Deliver queued emails", deliver_outbox, every=10),
    Job(
        "purge_outbox",
        "Forget delivered emails after the retention period",
        purge_outbox,
        every=3600,
    ),
)


def job(name: str) -> Job:
    for entry in JOBS:
        if entry.name == name:
            return entry
    raise KeyError(name)
