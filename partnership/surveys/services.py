"""Cycles and surveys: planning, opening (invitations and their emails), closing, reminders
and participation.

Every public function that changes data is one use case and commits once; helpers only flush.
Emails are written to the outbox in the same transaction as the change that caused them, so a
failed use case sends nothing. The scheduler calls `open_survey` and `send_reminders` with an
explicit `now`; the coach's buttons and the CLI call them too. Closing is one use case with
freezing the results: `partnership.results.services.close_survey`, built on `mark_closed`.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from partnership.accounts.models import User
from partnership.db import affected_rows, utcnow
from partnership.errors import Refused
from partnership.extensions import db
from partnership.instruments import services as instrument_services
from partnership.instruments.models import Instrument, InstrumentVersion
from partnership.outbox.services import enqueue
from partnership.partnerships.models import LEVELS, Partnership, Stakeholder
from partnership.scoring.formulas import participation as participation_rate
from partnership.scoring.privacy import complementary_suppression
from partnership.surveys import emails
from partnership.surveys.models import (
    CYCLE_ORDER,
    Cycle,
    Invitation,
    InvitationToken,
    Response,
    Survey,
    default_cycle_dates,
    hash_token,
    new_token,
)

log = logging.getLogger(__name__)

EDITABLE_STATES = ("draft", "scheduled")
OTHER_LABEL = "other (small groups)"


class SurveyError(Refused):
    """A use case refused, with a message fit for the user; `field` names the form field the
    message belongs to, when there is one."""


# --- instruments (owned by partnership.instruments) ---------------------------------------


def usable_instruments(partnership: Partnership) -> list[Instrument]:
    """Instruments a survey of this partnership may use (the instrument library's rule)."""
    return instrument_services.usable_instruments(partnership)


def _latest_version(instrument: Instrument) -> InstrumentVersion | None:
    try:
        return instrument_services.latest_version(instrument)
    except LookupError:  # an instrument without any version yet
        return None


# --- cycles -------------------------------------------------------------------------------


def quarter_label(partnership: Partnership, now: dt.datetime | None = None) -> str:
    """The current quarter in the partnership's time zone, e.g. "2026-Q4"."""
    local = (now or utcnow()).astimezone(ZoneInfo(partnership.timezone))
    return f"{local.year}-Q{(local.month - 1) // 3 + 1}"


def list_cycles(partnership: Partnership) -> list[Cycle]:
    """The partnership's cycles, latest first (by start date, then id), with their surveys."""
    return list(
        db.session.scalars(
            select(Cycle)
            .where(Cycle.partnership_id == partnership.id)
            .order_by(*(c.desc() for c in CYCLE_ORDER))
        )
    )


@db.writes
def create_cycle(
    partnership: Partnership,
    label: str | None,
    *,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Cycle:
    """Create a cycle. An empty label means the current quarter in the partnership's time
    zone; labels are unique per partnership. Dates not given are those of the quarter the
    label names, else of the current quarter (`default_cycle_dates`); cycles are ordered by
    them. Commits."""
    label = " ".join((label or "").split()) or quarter_label(partnership, now)
    if len(label) > 40:
        raise SurveyError("A label may have at most 40 characters.", field="label")
    default_start, default_end = default_cycle_dates(label, partnership.timezone, now)
    starts_on = starts_on or default_start
    ends_on = ends_on or (default_end if starts_on == default_start else None)
    if ends_on is None:
        raise SurveyError("Give the last day too, or leave both days empty.", field="ends_on")
    if ends_on < starts_on:
        raise SurveyError("The cycle must end on or after its first day.", field="ends_on")
    if (ends_on - starts_on).days > 366:
        raise SurveyError("A cycle may last at most a year.", field="ends_on")
    taken = SurveyError(
        f"This partnership already has a cycle labelled “{label}”. Choose another label.",
        field="label",
    )
    exists = db.session.scalar(
        select(Cycle.id).where(Cycle.partnership_id == partnership.id, Cycle.label == label)
    )
    if exists is not None:
        raise taken
    cycle = Cycle(
        partnership_id=partnership.id,
        label=label,
        starts_on=starts_on,
        ends_on=ends_on,
        stage_changed_at=now or utcnow(),
    )
    db.session.add(cycle)
    try:
        db.session.commit()
    except IntegrityError:  # created concurrently
        db.session.rollback()
        raise taken
    log.info("cycle %s created in partnership %s", cycle.id, partnership.id)
    return cycle


# --- planning surveys ---------------------------------------------------------------------


@dataclass
class SurveyData:
    """A survey as the coach plans it; times are naive wall-clock times in the partnership's
    time zone (as typed), converted to UTC by the service."""

    instrument_id: int
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None
    target_functions: list[str] = field(default_factory=list)
    target_levels: list[str] = field(default_factory=list)


def to_utc(local: dt.datetime | None, timezone: str, *, field: str = "") -> dt.datetime | None:
    """A wall-clock time typed in `timezone` as an aware UTC datetime. A time skipped by a
    clock change (e.g. 02:30 on the spring-forward night) is refused rather than guessed."""
    if local is None:
        return None
    zone = ZoneInfo(timezone)
    naive = local.replace(tzinfo=None)
    utc = naive.replace(tzinfo=zone).astimezone(dt.UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != naive:
        raise SurveyError(
            f"{naive:%Y-%m-%d %H:%M} does not exist in {timezone} (the clocks change then). "
            "Choose another time.",
            field=field or None,
        )
    return utc


def to_local(when: dt.datetime | None, timezone: str) -> dt.datetime | None:
    """A stored UTC time as a naive wall-clock time in `timezone` (for form fields)."""
    if when is None:
        return None
    return when.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)


@dataclass(frozen=True)
class _Plan:
    instrument: Instrument
    version: InstrumentVersion
    opens_at: dt.datetime | None
    closes_at: dt.datetime | None
    state: str


def _check_plan(
    partnership: Partnership,
    cycle: Cycle,
    data: SurveyData,
    now: dt.datetime,
    survey: Survey | None = None,
) -> _Plan:
    instrument = next(
        (i for i in usable_instruments(partnership) if i.id == data.instrument_id), None
    )
    if instrument is None:
        raise SurveyError(
            "Choose one of the instruments available to this partnership.", field="instrument_id"
        )
    version = _latest_version(instrument)
    if version is None:
        raise SurveyError("This instrument has no version yet.", field="instrument_id")
    same_lineage = select(Survey.id).where(
        Survey.cycle_id == cycle.id, Survey.instrument_id == instrument.id
    )
    if survey is not None:
        same_lineage = same_lineage.where(Survey.id != survey.id)
    if db.session.scalar(same_lineage) is not None:
        # One survey per lineage and cycle: trends and the cycle's export key on the lineage.
        raise SurveyError(
            f"Cycle {cycle.label} already has a survey with “{instrument.name}”.",
            field="instrument_id",
        )
    opens_at = to_utc(data.opens_at, partnership.timezone, field="opens_at")
    closes_at = to_utc(data.closes_at, partnership.timezone, field="closes_at")
    if opens_at and closes_at and closes_at <= opens_at:
        raise SurveyError("The survey must close after it opens.", field="closes_at")
    if closes_at and closes_at <= now:
        raise SurveyError("This closing time has already passed.", field="closes_at")
    unknown = [f for f in data.target_functions if f not in partnership.functions]
    if unknown:
        raise SurveyError("Unknown function: " + ", ".join(unknown) + ".", field="target_functions")
    unknown = [lv for lv in data.target_levels if lv not in LEVELS]
    if unknown:
        raise SurveyError("Unknown level: " + ", ".join(unknown) + ".", field="target_levels")
    state = "scheduled" if opens_at is not None and opens_at > now else "draft"
    return _Plan(instrument, version, opens_at, closes_at, state)


def _ordered(values: list[str], order: list[str]) -> list[str]:
    wanted = set(values)
    return [v for v in order if v in wanted]


@db.writes
def create_survey(
    partnership: Partnership, cycle: Cycle, data: SurveyData, *, now: dt.datetime | None = None
) -> Survey:
    """Plan a survey in a cycle with the chosen instrument's latest version. It is
    "scheduled" when it has an opening time in the future, else "draft". Commits."""
    plan = _check_plan(partnership, cycle, data, now or utcnow())
    survey = Survey(
        partnership_id=partnership.id,
        cycle_id=cycle.id,
        instrument_id=plan.instrument.id,
        instrument_version_id=plan.version.id,
        state=plan.state,
        opens_at=plan.opens_at,
        closes_at=plan.closes_at,
        target_functions=_ordered(data.target_functions, partnership.functions),
        target_levels=_ordered(data.target_levels, list(LEVELS)),
    )
    db.session.add(survey)
    db.session.commit()
    log.info("survey %s planned in cycle %s", survey.id, cycle.id)
    return survey


@db.writes
def update_survey(survey: Survey, data: SurveyData, *, now: dt.datetime | None = None) -> None:
    """Change a draft or scheduled survey (instrument, planned window, targeting); its state
    follows the opening time as in `create_survey`. Commits."""
    if survey.state not in EDITABLE_STATES:
        raise SurveyError("Only a draft or scheduled survey can be changed.")
    partnership = db.session.get(Partnership, survey.partnership_id)
    assert partnership is not None
    plan = _check_plan(partnership, survey.cycle, data, now or utcnow(), survey)
    survey.instrument_id = plan.instrument.id
    survey.instrument_version_id = plan.version.id
    survey.opens_at, survey.closes_at, survey.state = plan.opens_at, plan.closes_at, plan.state
    survey.target_functions = _ordered(data.target_functions, partnership.functions)
    survey.target_levels = _ordered(data.target_levels, list(LEVELS))
    db.session.commit()


# --- opening, closing, reminders ----------------------------------------------------------


def matching_stakeholders(survey: Survey) -> list[Stakeholder]:
    """The active stakeholders the survey's targeting selects (no targeting: all active)."""
    stmt = select(Stakeholder).where(
        Stakeholder.partnership_id == survey.partnership_id, Stakeholder.is_active.is_(True)
    )
    if survey.target_functions:
        stmt = stmt.where(Stakeholder.function.in_(survey.target_functions))
    if survey.target_levels:
        stmt = stmt.where(Stakeholder.level.in_(survey.target_levels))
    return list(db.session.scalars(stmt.order_by(Stakeholder.id)))


def _open_refusal(
    survey: Survey, stakeholders: list[Stakeholder], now: dt.datetime
) -> SurveyError | None:
    """Why the survey cannot open now (given the stakeholders its targeting selects), or None."""
    if survey.state == "open":
        return SurveyError("This survey is already open.")
    if survey.state == "closed":
        return SurveyError("A closed survey cannot be reopened. Plan a new survey instead.")
    if survey.closes_at is not None and survey.closes_at <= now:
        return SurveyError(
            "The planned closing time has passed. Edit the survey and set a new one first."
        )
    other = _open_of_lineage(survey)
    if other is not None:
        instrument = db.session.get(Instrument, survey.instrument_id)
        assert instrument is not None
        return _lineage_busy(survey, instrument, other)
    if not stakeholders:
        return SurveyError(
            "No active stakeholder matches this survey's targeting. Add stakeholders or widen "
            "the targeting before opening it."
        )
    return None


@dataclass(frozen=True)
class OpenConsequences:
    """What opening a survey now would do, for the coach's confirmation page."""

    #: Invitations (one email each) that opening now would send.
    invitations: int
    #: (organization name, invitations) in the partnership's order.
    per_organization: tuple[tuple[str, int], ...]
    #: How long before its planned opening it would open; None without one or when it passed.
    early_by: dt.timedelta | None
    #: Why it cannot open now (the refusal `open_survey` would give), or None.
    problem: str | None


def open_consequences(survey: Survey, *, now: dt.datetime | None = None) -> OpenConsequences:
    """What `open_survey` would do now: whom it invites, how early it is, or why it would
    refuse. Reads only."""
    now = now or utcnow()
    partnership = db.session.get(Partnership, survey.partnership_id)
    assert partnership is not None
    people = matching_stakeholders(survey)
    per_org = tuple(
        (org.name, sum(1 for s in people if s.organization_id == org.id))
        for org in partnership.organizations
    )
    refusal = _open_refusal(survey, people, now)
    early = survey.opens_at - now if survey.opens_at and survey.opens_at > now else None
    return OpenConsequences(len(people), per_org, early, str(refusal) if refusal else None)


def _open_of_lineage(survey: Survey) -> Survey | None:
    return db.session.scalar(
        select(Survey).where(
            Survey.partnership_id == survey.partnership_id,
            Survey.instrument_id == survey.instrument_id,
            Survey.state == "open",
            Survey.id != survey.id,
        )
    )


def _lineage_busy(survey: Survey, instrument: Instrument, other: Survey | None) -> SurveyError:
    where = f" in cycle {other.cycle.label}" if other is not None else ""
    return SurveyError(
        f"Another survey with “{instrument.name}” is open{where}. Close it before opening "
        "this one: only one survey per instrument can be open at a time."
    )


@db.writes
def open_survey(survey: Survey, *, base_url: str, now: dt.datetime | None = None) -> int:
    """Open a draft or scheduled survey and invite its stakeholders. Commits; returns the
    number of invitations.

    Refused when the survey is open or closed already, when another survey of the same
    instrument lineage is open (also enforced by a partial unique index, against races), when its
    planned closing time has passed, and when no active stakeholder matches the targeting.
    The survey asks the lineage's latest version at the moment it opens; that version is
    locked (later edits create a new version). Each matching active stakeholder gets one
    invitation and one "survey.invitation" row in the outbox (key
    "invite:<survey>:<stakeholder>"); the link's token is minted only when the sender delivers
    the email (surveys.emails), so no usable link rests in the database. The invitation copies
    the stakeholder's organization, function and level, so participation never counts more
    respondents than invitees.
    """
    now = now or utcnow()
    stakeholders = matching_stakeholders(survey)
    refusal = _open_refusal(survey, stakeholders, now)
    if refusal is not None:
        raise refusal
    instrument = db.session.get(Instrument, survey.instrument_id)
    assert instrument is not None
    version = _latest_version(instrument)
    if version is None:
        raise SurveyError("The instrument has no version to ask.")
    try:
        # Compare-and-set: a coach and the scheduler opening at once open it only once.
        won = affected_rows(
            db.session.execute(
                update(Survey)
                .where(Survey.id == survey.id, Survey.state.in_(EDITABLE_STATES))
                .values(state="open", opened_at=now, instrument_version_id=version.id)
                .execution_options(synchronize_session=False)
            )
        )
    except IntegrityError:
        db.session.rollback()
        raise _lineage_busy(survey, instrument, None)
    if not won:
        db.session.rollback()
        raise SurveyError("This survey was opened or closed in the meantime.")
    db.session.refresh(survey)
    instrument_services.lock_version(version)
    _invite(survey, stakeholders, base_url=base_url, now=now)
    db.session.commit()
    log.info("survey %s opened with %s invitations", survey.id, len(stakeholders))
    return len(stakeholders)


def _invite(
    survey: Survey, stakeholders: list[Stakeholder], *, base_url: str, now: dt.datetime
) -> None:
    """One invitation and one invitation email (outbox) per stakeholder (flush only). The
    invitation copies the stakeholder's organization, function and level, so participation
    never counts more respondents than invitees."""
    invitations = [
        Invitation(
            survey_id=survey.id,
            stakeholder_id=stakeholder.id,
            organization_id=stakeholder.organization_id,
            function=stakeholder.function,
            level=stakeholder.level,
        )
        for stakeholder in stakeholders
    ]
    db.session.add_all(invitations)
    db.session.flush()
    for stakeholder, invitation in zip(stakeholders, invitations, strict=True):
        enqueue(
            emails.INVITATION,
            key=f"invite:{survey.id}:{stakeholder.id}",
            to=stakeholder.email,
            stakeholder_id=stakeholder.id,
            partnership_id=survey.partnership_id,
            params={"invitation_id": invitation.id, "base_url": base_url},
            now=now,
        )


def not_invited(survey: Survey) -> list[Stakeholder]:
    """Active stakeholders the survey's targeting selects who have no invitation to it
    (added or reactivated after it opened)."""
    invited = set(
        db.session.scalars(
            select(Invitation.stakeholder_id).where(Invitation.survey_id == survey.id)
        )
    )
    return [s for s in matching_stakeholders(survey) if s.id not in invited]


def newcomers_by_open_survey(partnership: Partnership) -> list[tuple[Survey, str, int]]:
    """(survey, its name, how many are not invited) for each open survey of the partnership
    that has matching active stakeholders without an invitation."""
    out = []
    surveys = db.session.scalars(
        select(Survey)
        .where(Survey.partnership_id == partnership.id, Survey.state == "open")
        .order_by(Survey.id)
    )
    for survey in surveys:
        n = len(not_invited(survey))
        if n:
            name = f"{survey_instrument(survey)[0].name} · {survey.cycle.label}"
            out.append((survey, name, n))
    return out


@db.writes
def invite_newcomers(survey: Survey, *, base_url: str, now: dt.datetime | None = None) -> int:
    """Invite to an open survey the matching active stakeholders who have no invitation yet
    (`not_invited`), as opening would have. Refused once the survey is not open or its closing
    time passed. Commits; returns the number of invitations."""
    now = now or utcnow()
    if survey.state != "open":
        raise SurveyError("Only an open survey can take more invitations.")
    _refuse_after_close(survey, now, "an invitation")
    newcomers = not_invited(survey)
    if not newcomers:
        raise SurveyError("Everyone this survey targets is invited already.")
    _invite(survey, newcomers, base_url=base_url, now=now)
    db.session.commit()
    log.info("survey %s: %s late invitations", survey.id, len(newcomers))
    return len(newcomers)


def _even_out_links(survey_id: int) -> None:
    """Give every invitation of the survey as many token rows as the one with the most, with
    hashes of tokens nobody holds (flush only). Reminders go only to those who have not
    answered, so the number of links an invitation holds would otherwise tell, after close,
    how many reminders someone received before answering."""
    counts = dict(
        db.session.execute(
            select(Invitation.id, func.count(InvitationToken.token_hash))
            .outerjoin(InvitationToken, InvitationToken.invitation_id == Invitation.id)
            .where(Invitation.survey_id == survey_id)
            .group_by(Invitation.id)
        ).all()
    )
    most = max(counts.values(), default=0)
    fillers = [
        {"token_hash": hash_token(new_token()), "invitation_id": invitation_id}
        for invitation_id, n in counts.items()
        for _ in range(most - n)
    ]
    if fillers:
        db.session.execute(insert(InvitationToken), fillers)


def mark_closed(survey: Survey, *, now: dt.datetime | None = None) -> None:
    """Mark an open survey closed: no more answers are accepted (flush only). A closed survey
    is never reopened. The use case is `partnership.results.services.close_survey`, which
    freezes the snapshot in the same transaction. Every invitation is left holding the same
    number of link hashes (`_even_out_links`)."""
    now = now or utcnow()
    if survey.state != "open":
        raise SurveyError("Only an open survey can be closed.")
    won = affected_rows(
        db.session.execute(
            update(Survey)
            .where(Survey.id == survey.id, Survey.state == "open")
            .values(state="closed", closed_at=now)
            .execution_options(synchronize_session=False)
        )
    )
    if not won:
        db.session.rollback()
        raise SurveyError("This survey was closed in the meantime.")
    db.session.refresh(survey)
    _even_out_links(survey.id)


def _refuse_after_close(survey: Survey, now: dt.datetime, what: str) -> None:
    """Reminders and test invitations carry links: none is queued once the survey stopped
    accepting answers."""
    if survey.closes_at is not None and survey.closes_at <= now:
        partnership = db.session.get(Partnership, survey.partnership_id)
        assert partnership is not None
        raise SurveyError(
            f"The survey's closing time, {emails.format_local(survey.closes_at, partnership.timezone)}, "
            f"has passed: {what} would carry a link that no longer opens the survey. "
            "Nothing was sent."
        )


@db.writes
def send_reminders(survey: Survey, *, base_url: str, now: dt.datetime | None = None) -> int:
    """Remind every invitee of an open survey who has not answered, is still active and has
    not opted out of reminders. Commits; returns the number of reminders written.

    Refused once the survey is closed or its closing time has passed (nothing is queued).
    Each run is one reminder round of the survey, counted with a compare-and-set on
    `Survey.reminder_rounds`, so two runs at once write one round. Each reminder is a
    "survey.reminder" outbox row (key "remind:<survey>:<invitation>:<round>"); its link is
    minted at delivery and added to the invitation's links, so the links of earlier emails
    keep working. The invitation itself records nothing about reminders. The scheduler's
    reminders on the partnership's plan are `surveys.schedule.send_planned_reminders`.
    """
    now = now or utcnow()
    count = write_reminder_round(survey, base_url=base_url, now=now)
    db.session.commit()
    db.session.refresh(survey)
    if count:
        log.info("survey %s: %s reminders written", survey.id, count)
    return count


def write_reminder_round(survey: Survey, *, base_url: str, now: dt.datetime) -> int:
    """One reminder round (see `send_reminders`), flush only; the caller commits. Returns the
    number of reminders written (0: nobody left to remind, nothing written)."""
    if survey.state != "open":
        raise SurveyError("Reminders can be sent only while the survey is open.")
    _refuse_after_close(survey, now, "a reminder")
    rows = db.session.execute(
        select(Invitation.id, Stakeholder.id, Stakeholder.email)
        .join(Stakeholder, Stakeholder.id == Invitation.stakeholder_id)
        .where(
            Invitation.survey_id == survey.id,
            Invitation.is_used.is_(False),
            Stakeholder.is_active.is_(True),
            Stakeholder.is_reminder_opt_out.is_(False),
        )
        .order_by(Invitation.id)
    ).all()
    if not rows:
        return 0
    done = survey.reminder_rounds
    won = affected_rows(
        db.session.execute(
            update(Survey)
            .where(Survey.id == survey.id, Survey.state == "open", Survey.reminder_rounds == done)
            .values(
                reminder_rounds=done + 1,
                reminders_sent=Survey.reminders_sent + len(rows),
                last_reminded_at=now,
            )
            .execution_options(synchronize_session=False)
        )
    )
    if not won:
        db.session.rollback()
        raise SurveyError("Reminders were sent or the survey closed in the meantime.")
    for invitation_id, stakeholder_id, email in rows:
        enqueue(
            emails.REMINDER,
            key=f"remind:{survey.id}:{invitation_id}:{done + 1}",
            to=email,
            stakeholder_id=stakeholder_id,
            partnership_id=survey.partnership_id,
            params={"invitation_id": invitation_id, "base_url": base_url, "round": done + 1},
            now=now,
        )
    return len(rows)


@db.writes
def send_test_invitation(
    survey: Survey, user: User, *, base_url: str, now: dt.datetime | None = None
) -> bool:
    """Email the coach the survey's invitation as a stakeholder of the first organization
    would receive it, with a link to the instrument's preview instead of a personal link: no
    token, no invitation, nothing counted. Refused once the survey is closed or its closing
    time has passed. Several clicks within the same minute send one email. Commits; returns
    False when that email was already written."""
    now = now or utcnow()
    if survey.state == "closed":
        raise SurveyError("This survey is closed: a test invitation would lead nowhere.")
    _refuse_after_close(survey, now, "a test invitation")
    written = enqueue(
        emails.TEST_INVITATION,
        key=f"test-invite:{survey.id}:{user.id}:{now:%Y%m%dT%H%M}",
        to=user.email,
        user_id=user.id,
        partnership_id=survey.partnership_id,
        params={"survey_id": survey.id, "base_url": base_url},
        now=now,
    )
    db.session.commit()
    return written


# --- reading ------------------------------------------------------------------------------


def surveys_per_instrument(partnership: Partnership) -> dict[int, int]:
    """How many of this partnership's surveys use each instrument lineage (any version, any
    state), by instrument id; an unused instrument is absent."""
    rows = db.session.execute(
        select(Survey.instrument_id, func.count())
        .where(Survey.partnership_id == partnership.id)
        .group_by(Survey.instrument_id)
    ).all()
    return {instrument_id: n for instrument_id, n in rows}


def survey_instrument(survey: Survey) -> tuple[Instrument, InstrumentVersion]:
    """The survey's instrument lineage and the version it asks (or will ask)."""
    instrument = db.session.get(Instrument, survey.instrument_id)
    version = db.session.get(InstrumentVersion, survey.instrument_version_id)
    assert instrument is not None and version is not None
    return instrument, version


def instrument_names(surveys: list[Survey]) -> dict[int, str]:
    """Names of the instruments the given surveys use, by instrument id."""
    ids = {s.instrument_id for s in surveys}
    if not ids:
        return {}
    rows = db.session.execute(select(Instrument.id, Instrument.name).where(Instrument.id.in_(ids)))
    return {i: name for i, name in rows}


def invitation_stats(survey: Survey) -> dict[str, Any]:
    """Counts for the coach: invitations, reminders sent and the last reminder time (kept on
    the survey: an invitation records nothing about its reminders)."""
    invitations = db.session.scalar(
        select(func.count(Invitation.id)).where(Invitation.survey_id == survey.id)
    )
    return {
        "invitations": int(invitations or 0),
        "reminders": survey.reminders_sent,
        "last_reminded_at": survey.last_reminded_at,
    }


def _cell(key: str, label: str, invited: int, responded: int) -> dict[str, Any]:
    return {
        "key": key,
        "label": label,
        "invited": invited,
        "responded": responded,
        "rate": participation_rate(responded, invited),
    }


def _breakdown(
    invited: dict[str, int],
    responded: dict[str, int],
    order: list[str],
    labels: dict[str, str],
    min_group: int,
) -> dict[str, Any]:
    keys = [k for k in order if invited.get(k, 0) > 0]
    keys += sorted(k for k in invited if invited[k] > 0 and k not in keys)
    sizes = {k: invited[k] for k in keys}
    hidden = complementary_suppression(sizes, min_group)
    rows = []
    folded_invited = folded_responded = 0
    folded: list[str] = []
    for k in keys:
        # Capped: erasing a stakeholder removes their invitation but keeps their answers.
        r = min(responded.get(k, 0), invited[k])
        if k in hidden:
            folded.append(labels.get(k, k))
            folded_invited += invited[k]
            folded_responded += r
        else:
            rows.append(_cell(k, labels.get(k, k), invited[k], r))
    other = None
    if folded:
        other = _cell("other", OTHER_LABEL, folded_invited, folded_responded)
        other["segments"] = folded
    return {"rows": rows, "other": other}


def participation(survey: Survey) -> dict[str, Any]:
    """Invited, responded and rate of the survey, in total and per organization, and inside
    each organization by function and by level.

    Invitees are counted from the invitations (segment copied at invite time), respondents
    from the survey's responses. A function or level with fewer invitees than the
    partnership's `min_group` is not shown on its own: it is folded into "other (small
    groups)" of its organization, and complementary suppression (scoring.privacy) folds
    further segments, smallest first, until the folded group holds at least `min_group`
    invitees or everything is folded, so no small segment follows by subtraction from the
    organization's total. Scores are never part of it: while a survey is open only
    participation is shown.
    """
    partnership = db.session.get(Partnership, survey.partnership_id)
    assert partnership is not None
    invited_rows = db.session.execute(
        select(Invitation.organization_id, Invitation.function, Invitation.level, func.count())
        .where(Invitation.survey_id == survey.id)
        .group_by(Invitation.organization_id, Invitation.function, Invitation.level)
    ).all()
    responded_rows = db.session.execute(
        select(Response.organization_id, Response.function, Response.level, func.count())
        .where(Response.survey_id == survey.id)
        .group_by(Response.organization_id, Response.function, Response.level)
    ).all()
    function_labels = {f: f.capitalize() for f in partnership.functions}
    organizations = []
    total_invited = total_responded = 0
    for org in partnership.organizations:
        inv_fn: dict[str, int] = {}
        inv_lv: dict[str, int] = {}
        res_fn: dict[str, int] = {}
        res_lv: dict[str, int] = {}
        for org_id, function, level, n in invited_rows:
            if org_id == org.id:
                inv_fn[function] = inv_fn.get(function, 0) + n
                inv_lv[level] = inv_lv.get(level, 0) + n
        for org_id, function, level, n in responded_rows:
            if org_id == org.id:
                res_fn[function] = res_fn.get(function, 0) + n
                res_lv[level] = res_lv.get(level, 0) + n
        invited = sum(inv_fn.values())
        responded = min(sum(res_fn.values()), invited)
        total_invited += invited
        total_responded += responded
        entry = _cell(org.short_code, org.name, invited, responded)
        entry.update(
            organization_id=org.id,
            letter=org.letter,
            by_function=_breakdown(
                inv_fn, res_fn, list(partnership.functions), function_labels, partnership.min_group
            ),
            by_level=_breakdown(inv_lv, res_lv, list(LEVELS), LEVELS, partnership.min_group),
        )
        organizations.append(entry)
    return {
        "survey_id": survey.id,
        "state": survey.state,
        "min_group": partnership.min_group,
        "invited": total_invited,
        "responded": total_responded,
        "rate": participation_rate(total_responded, total_invited),
        "organizations": organizations,
    }
