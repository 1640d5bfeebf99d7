"""The surveys' schedule: the partnership's reminder plan and cycle cadence, the scheduler's
use cases on surveys that do not involve results (planned reminders, the notes it leaves the
coach, next quarter's cycle), and the schedule the coach's page lists.

Opening is `services.open_survey` and closing `results.services.close_survey`; the scheduler
(`partnership.jobs`) calls them with its clock, after `note_open` / `note_close` (flush only)
in the same `db.writing()` block, so a late opening's note is committed with the opening
itself, or not at all.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from partnership.db import affected_rows, utcnow
from partnership.extensions import db
from partnership.instruments import services as instrument_services
from partnership.instruments.models import Instrument
from partnership.partnerships.models import Partnership
from partnership.surveys.models import Cycle, Survey
from partnership.surveys.services import SurveyError, to_utc, write_reminder_round
from partnership.timefmt import duration, zone

log = logging.getLogger(__name__)

DEFAULT_REMINDER_DAYS = (7, 2)
MAX_REMINDERS = 2
MAX_REMINDER_DAYS = 90
CADENCES = {"off": "Off: coaches create cycles", "quarterly": "Quarterly"}
#: Next quarter's cycle is created this long before the quarter starts.
CADENCE_LEAD = dt.timedelta(days=30)
#: Opening or closing later than this after the planned time earns a note for the coach.
LATE_AFTER = dt.timedelta(minutes=5)
#: Closed surveys stay on the schedule page this long.
RECENTLY_CLOSED = dt.timedelta(days=14)


# --- the plan --------------------------------------------------------------------------------


def reminder_days(partnership: Partnership) -> list[int]:
    """The partnership's reminder plan: days before closing, largest first."""
    days = partnership.reminder_days
    if days is None:
        days = list(DEFAULT_REMINDER_DAYS)
    return sorted({int(d) for d in days}, reverse=True)[:MAX_REMINDERS]


@db.writes
def save_plan(partnership: Partnership, days: list[int | None], cadence: str) -> None:
    """Set the reminder plan (up to two distinct whole days before closing, 1 to 90; none
    at all is allowed) and the cycle cadence. Commits."""
    chosen = [d for d in days if d is not None]
    if len(chosen) > MAX_REMINDERS:
        raise SurveyError(f"At most {MAX_REMINDERS} planned reminders.", field="first_reminder")
    for d in chosen:
        if not 1 <= d <= MAX_REMINDER_DAYS:
            raise SurveyError(
                f"A reminder is planned 1 to {MAX_REMINDER_DAYS} days before closing.",
                field="first_reminder",
            )
    if len(set(chosen)) != len(chosen):
        raise SurveyError("The two reminders need different days.", field="second_reminder")
    if cadence not in CADENCES:
        raise SurveyError("Unknown cadence.", field="cadence")
    partnership.reminder_days = sorted(chosen, reverse=True)
    partnership.cycle_cadence = cadence
    db.session.commit()
    log.info("partnership %s: reminder plan %s, cadence %s", partnership.id, chosen, cadence)


def reminder_times(survey: Survey, days: list[int], timezone: str) -> list[dt.datetime]:
    """The survey's planned reminder times, earliest first (none without a closing time): the
    closing's time of day in the partnership's time zone, so many days earlier (a reminder
    seven days before a 17:00 closing comes at 17:00, across a clock change too)."""
    if survey.closes_at is None:
        return []
    local = survey.closes_at.astimezone(zone(timezone))
    return sorted((local - dt.timedelta(days=d)).astimezone(dt.UTC) for d in days)


def _started(survey: Survey) -> dt.datetime | None:
    return survey.opened_at or survey.opens_at


def due_reminder_times(
    survey: Survey, days: list[int], timezone: str, now: dt.datetime
) -> list[dt.datetime]:
    """Planned reminder times of an open survey that have come and not been dealt with: after
    the survey opened (a time before the opening is skipped), at or before `now`, before
    closing, later than the last one dealt with."""
    if survey.state != "open" or survey.closes_at is None or survey.closes_at <= now:
        return []
    start, done = _started(survey), survey.planned_reminded_until
    return [
        t
        for t in reminder_times(survey, days, timezone)
        if t <= now and (start is None or t > start) and (done is None or t > done)
    ]


@db.writes
def send_planned_reminders(survey: Survey, *, base_url: str, now: dt.datetime) -> int | None:
    """The scheduler's reminder on the partnership's plan: when planned times have come (one
    or, after downtime, several), one reminder round goes to those who have not answered and
    did not opt out (`services.write_reminder_round`), and the times are marked dealt with by
    a compare-and-set, so two schedulers write one round. Never once the closing time has
    passed. Commits; returns the number of reminders written, or None when none was due."""
    partnership = db.session.get(Partnership, survey.partnership_id)
    assert partnership is not None
    due = due_reminder_times(survey, reminder_days(partnership), partnership.timezone, now)
    if not due:
        return None
    before = survey.planned_reminded_until
    won = affected_rows(
        db.session.execute(
            update(Survey)
            .where(
                Survey.id == survey.id,
                Survey.state == "open",
                Survey.planned_reminded_until.is_(None)
                if before is None
                else Survey.planned_reminded_until == before,
            )
            .values(planned_reminded_until=max(due), schedule_problem=None)
            .execution_options(synchronize_session=False)
        )
    )
    if not won:
        db.session.rollback()
        return None
    try:
        count = write_reminder_round(survey, base_url=base_url, now=now)
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()
    db.session.refresh(survey)
    log.info("survey %s: planned reminder, %s written", survey.id, count)
    return count


# --- the scheduler's notes -----------------------------------------------------------------


def late_note(
    planned: dt.datetime | None, done: dt.datetime, previous_run: dt.datetime | None
) -> str | None:
    """ "2 h late: the scheduler was not running", or None when on time. `previous_run` is
    when the job last ran before this run: before the planned time means nothing ran at that
    time; after it means earlier runs could not do it."""
    if planned is None or done - planned < LATE_AFTER:
        return None
    if previous_run is None or previous_run < planned:
        reason = "the scheduler was not running"
    else:
        reason = "earlier attempts did not succeed"
    return f"{duration(done - planned)} late: {reason}"


def _note(survey: Survey, **values: str | None) -> None:
    db.session.execute(
        update(Survey)
        .where(Survey.id == survey.id)
        .values(schedule_problem=None, **values)
        .execution_options(synchronize_session=False)
    )


def note_open(survey: Survey, note: str | None) -> None:
    """Record how late the scheduler opens the survey, in the opening's transaction (flush
    only: call both inside one `db.writing()` block, this one first)."""
    _note(survey, open_note=note)


def note_close(survey: Survey, note: str | None) -> None:
    """Record how late the scheduler closes the survey, in the closing's transaction (flush
    only: call both inside one `db.writing()` block, this one first)."""
    _note(survey, close_note=note)


@db.writes
def note_problem(survey_id: int, problem: str) -> None:
    """Remember why the scheduler could not act on the survey; the coach sees it until the
    scheduler succeeds. Commits."""
    db.session.execute(
        update(Survey)
        .where(
            Survey.id == survey_id,
            or_(Survey.schedule_problem.is_(None), Survey.schedule_problem != problem[:500]),
        )
        .values(schedule_problem=problem[:500])
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


# --- what is due -----------------------------------------------------------------------------


def _survey_ids(*where: Any, order: Any) -> list[int]:
    """Ids of surveys of partnerships that are not archived, matching `where`."""
    return list(
        db.session.scalars(
            select(Survey.id)
            .join(Partnership, Partnership.id == Survey.partnership_id)
            .where(Partnership.is_archived.is_(False), *where)
            .order_by(*order)
        )
    )


def due_to_open(now: dt.datetime) -> list[int]:
    """Scheduled surveys whose opening time has come and whose closing time has not passed
    (one that missed its whole window stays scheduled: the coach is told, see `missed`)."""
    return _survey_ids(
        Survey.state == "scheduled",
        Survey.opens_at.is_not(None),
        Survey.opens_at <= now,
        or_(Survey.closes_at.is_(None), Survey.closes_at > now),
        order=(Survey.opens_at, Survey.id),
    )


def due_to_close(now: dt.datetime) -> list[int]:
    """Open surveys whose closing time has passed (archived partnerships' too: their
    stakeholders can no longer answer, and the results must be frozen)."""
    return list(
        db.session.scalars(
            select(Survey.id)
            .where(Survey.state == "open", Survey.closes_at.is_not(None), Survey.closes_at <= now)
            .order_by(Survey.closes_at, Survey.id)
        )
    )


def open_with_closing(now: dt.datetime) -> list[int]:
    """Open surveys with a closing time still ahead: the ones a planned reminder may be due
    for."""
    return _survey_ids(
        Survey.state == "open",
        Survey.closes_at.is_not(None),
        Survey.closes_at > now,
        order=(Survey.id,),
    )


def missed(survey: Survey, now: dt.datetime) -> bool:
    """Planned to open and close by itself, but both times passed before the scheduler
    opened it (it was not running): it stays scheduled and the coach is told."""
    return (
        survey.state == "scheduled"
        and survey.opens_at is not None
        and survey.closes_at is not None
        and survey.closes_at <= now
    )


# --- the cadence -----------------------------------------------------------------------------


def _quarter_start(year: int, quarter: int) -> dt.date:
    return dt.date(year, 3 * (quarter - 1) + 1, 1)


def _next_quarter(local: dt.datetime) -> tuple[int, int]:
    quarter = (local.month - 1) // 3 + 1
    return (local.year + 1, 1) if quarter == 4 else (local.year, quarter + 1)


def _moved(local: dt.datetime, start: dt.date) -> dt.datetime:
    """The same month-in-quarter, day (clamped to the month's length) and time of day, in
    the quarter starting at `start`."""
    month = start.month + (local.month - 1) % 3
    day = min(local.day, calendar.monthrange(start.year, month)[1])
    return local.replace(year=start.year, month=month, day=day, tzinfo=None)


@db.writes
def create_next_cycle(partnership: Partnership, now: dt.datetime) -> Cycle | None:
    """With the quarterly cadence, from a month before a quarter starts: its cycle (labelled
    "2027-Q1"), holding the surveys of the partnership's latest cycle planned again at the
    same place in the quarter (month, day, time of day in the partnership's time zone; the
    same length), with their instruments' latest versions and the same targeting. None when
    the cadence is off, the time has not come, or the cycle exists (by label). Commits."""
    if partnership.cycle_cadence != "quarterly" or partnership.is_archived:
        return None
    tz = zone(partnership.timezone)
    year, quarter = _next_quarter(now.astimezone(tz))
    start = _quarter_start(year, quarter)
    starts_at = dt.datetime.combine(start, dt.time(), tzinfo=tz)
    if now < starts_at - CADENCE_LEAD:
        return None
    label = f"{year}-Q{quarter}"
    exists = db.session.scalar(
        select(Cycle.id).where(Cycle.partnership_id == partnership.id, Cycle.label == label)
    )
    if exists is not None:
        return None
    source = db.session.scalar(
        select(Cycle)
        .where(Cycle.partnership_id == partnership.id)
        .order_by(Cycle.created_at.desc(), Cycle.id.desc())
        .limit(1)
    )
    cycle = Cycle(partnership_id=partnership.id, label=label, created_at=now)
    db.session.add(cycle)
    db.session.flush()
    for old in source.surveys if source is not None else []:
        if old.opens_at is None or old.closes_at is None:
            continue
        instrument = db.session.get(Instrument, old.instrument_id)
        assert instrument is not None
        if instrument.is_archived:
            continue
        try:
            version = instrument_services.latest_version(instrument)
            opens_at = to_utc(_moved(old.opens_at.astimezone(tz), start), partnership.timezone)
        except (LookupError, SurveyError):
            continue
        assert opens_at is not None
        closes_at = opens_at + (old.closes_at - old.opens_at)
        if closes_at <= now:
            continue
        db.session.add(
            Survey(
                partnership_id=partnership.id,
                cycle_id=cycle.id,
                instrument_id=instrument.id,
                instrument_version_id=version.id,
                state="scheduled" if opens_at > now else "draft",
                opens_at=opens_at,
                closes_at=closes_at,
                target_functions=list(old.target_functions),
                target_levels=list(old.target_levels),
            )
        )
    try:
        db.session.commit()
    except IntegrityError:  # created at the same moment by someone else
        db.session.rollback()
        return None
    log.info("partnership %s: cycle %s created by the cadence", partnership.id, label)
    return cycle


def partnerships_with_cadence() -> list[Partnership]:
    return list(
        db.session.scalars(
            select(Partnership).where(
                Partnership.cycle_cadence != "off", Partnership.is_archived.is_(False)
            )
        )
    )


# --- the coach's schedule page ---------------------------------------------------------------


@dataclass
class PlannedReminder:
    at: dt.datetime
    #: "planned", "due" (the next run sends it), "done", "skipped" (before the opening),
    #: "not sent" (the survey closed first).
    status: str


@dataclass
class ScheduleEntry:
    survey: Survey
    cycle_label: str
    instrument_name: str
    reminders: list[PlannedReminder] = field(default_factory=list)
    missed: bool = False
    #: The next thing the scheduler will do: (when, what), or None.
    next_step: tuple[dt.datetime, str] | None = None


def _reminder_status(survey: Survey, at: dt.datetime, now: dt.datetime) -> str:
    start, done = _started(survey), survey.planned_reminded_until
    if survey.state in ("open", "closed") and start is not None and at <= start:
        return "skipped"
    if done is not None and at <= done:
        return "done"
    if survey.state == "closed" or (survey.closes_at is not None and survey.closes_at <= now):
        return "not sent"
    if survey.state == "open" and at <= now:
        return "due"
    return "planned"


def schedule(partnership: Partnership, now: dt.datetime | None = None) -> list[ScheduleEntry]:
    """The partnership's surveys that are not closed, and those closed in the last two weeks,
    with their planned opening, reminders and closing and what happens next, soonest first."""
    now = now or utcnow()
    days = reminder_days(partnership)
    surveys = db.session.scalars(
        select(Survey)
        .where(
            Survey.partnership_id == partnership.id,
            or_(Survey.state != "closed", Survey.closed_at >= now - RECENTLY_CLOSED),
        )
        .order_by(Survey.id)
    ).all()
    names = dict(
        db.session.execute(
            select(Instrument.id, Instrument.name).where(
                Instrument.id.in_({s.instrument_id for s in surveys})
            )
        ).all()
    )
    entries = []
    for survey in surveys:
        entry = ScheduleEntry(
            survey=survey,
            cycle_label=survey.cycle.label,
            instrument_name=names.get(survey.instrument_id, ""),
            reminders=[
                PlannedReminder(t, _reminder_status(survey, t, now))
                for t in reminder_times(survey, days, partnership.timezone)
            ],
            missed=missed(survey, now),
        )
        if survey.state == "scheduled" and not entry.missed and survey.opens_at is not None:
            entry.next_step = (survey.opens_at, "opens")
        elif survey.state == "open":
            pending = [r.at for r in entry.reminders if r.status in ("planned", "due")]
            if pending and (survey.closes_at is None or pending[0] < survey.closes_at):
                entry.next_step = (pending[0], "reminder")
            elif survey.closes_at is not None:
                entry.next_step = (survey.closes_at, "closes")
        entries.append(entry)
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    entries.sort(key=lambda e: (e.survey.state == "closed", e.next_step[0] if e.next_step else far))
    return entries
