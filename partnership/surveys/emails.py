"""The emails of the survey domain: invitation, reminder and the coach's test invitation.

Each is rendered from templates/emails/ as plain text and simple HTML (no inline styles, no
images, no scripts), so it reads well in every mail client. The `*_email` functions are pure:
they get the personal link and return the text. The outbox renderers at the end of this module
(registered for the kinds "survey.invitation", "survey.reminder" and "survey.test_invitation")
run when the sender delivers a row: they check the email still applies, mint the link's token,
store only its hash as a new `InvitationToken` (earlier links keep working) and return the
email. The raw token exists only in memory while the email is written and sent.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from flask import current_app, render_template

from partnership.accounts.models import User
from partnership.extensions import db
from partnership.instruments.models import Instrument, InstrumentVersion
from partnership.outbox.models import OutboxMessage
from partnership.outbox.services import Email, listed_in_groups, renders
from partnership.partnerships.models import Organization, Partnership, Stakeholder
from partnership.surveys.models import Invitation, InvitationToken, Survey
from partnership.timefmt import long_when
from partnership.tokens import hash_token, new_token

INVITATION = "survey.invitation"
REMINDER = "survey.reminder"
TEST_INVITATION = "survey.test_invitation"

SUBJECT_MAX = 300  # the outbox column's length


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def format_local(when: dt.datetime, timezone: str) -> str:
    """A moment as stakeholders read it, in the partnership's time zone with its name."""
    return long_when(when, timezone)


def _subject(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SUBJECT_MAX else text[: SUBJECT_MAX - 1] + "…"


def _context(
    *,
    partnership: Partnership,
    organization: Organization,
    instrument: Instrument,
    closes_at: dt.datetime | None,
) -> dict[str, object]:
    return {
        "partnership": partnership,
        "organization": organization,
        "partner": partnership.partner_of(organization.id),
        "instrument": instrument,
        "minutes": instrument.minutes,
        "closes": format_local(closes_at, partnership.timezone) if closes_at else None,
        "min_group": partnership.min_group,
    }


def _render(name: str, subject: str, context: dict[str, object]) -> RenderedEmail:
    return RenderedEmail(
        subject=_subject(subject),
        text=render_template(f"emails/{name}.txt", **context),
        html=render_template(f"emails/{name}.html", **context),
    )


def invitation_email(
    *,
    partnership: Partnership,
    organization: Organization,
    instrument: Instrument,
    closes_at: dt.datetime | None,
    name: str,
    link: str,
    opt_out_link: str,
) -> RenderedEmail:
    """The first email of a survey, with the personal link."""
    context = _context(
        partnership=partnership,
        organization=organization,
        instrument=instrument,
        closes_at=closes_at,
    )
    context.update(name=name, link=link, opt_out_link=opt_out_link, is_test=False)
    subject = f"{partnership.name}: {instrument.name} ({instrument.minutes} minutes)"
    return _render("invitation", subject, context)


def reminder_email(
    *,
    partnership: Partnership,
    organization: Organization,
    instrument: Instrument,
    closes_at: dt.datetime | None,
    name: str,
    link: str,
    opt_out_link: str,
) -> RenderedEmail:
    """A reminder to a stakeholder who has not answered yet, with a fresh personal link and
    the link to stop reminders."""
    context = _context(
        partnership=partnership,
        organization=organization,
        instrument=instrument,
        closes_at=closes_at,
    )
    context.update(name=name, link=link, opt_out_link=opt_out_link)
    subject = f"Reminder: {partnership.name}: {instrument.name}"
    return _render("reminder", subject, context)


def preview_invitation_email(
    *,
    partnership: Partnership,
    instrument: Instrument,
    closes_at: dt.datetime | None,
    name: str,
    preview_link: str,
) -> RenderedEmail:
    """The invitation as a stakeholder of the first organization would receive it, sent to a
    coach: the link opens the instrument's preview, so nothing is answered or counted."""
    context = _context(
        partnership=partnership,
        organization=partnership.org_a,
        instrument=instrument,
        closes_at=closes_at,
    )
    context.update(name=name, link=preview_link, opt_out_link=None, is_test=True)
    subject = f"[Test] {partnership.name}: {instrument.name} ({instrument.minutes} minutes)"
    return _render("invitation", subject, context)


# --- outbox renderers ---------------------------------------------------------------------


def survey_links(base_url: str, token: str) -> tuple[str, str]:
    """The personal survey link and its opt-out link."""
    base = base_url.rstrip("/")
    return f"{base}/s/{token}", f"{base}/s/{token}/opt-out"


def _base_url(msg: OutboxMessage) -> str:
    return str(msg.params.get("base_url") or current_app.config["BASE_URL"])


def accepts_answers(survey: Survey, now: dt.datetime) -> bool:
    """Open, and its closing time (if any) not passed."""
    return survey.state == "open" and (survey.closes_at is None or survey.closes_at > now)


def mint_link(invitation_id: int) -> str:
    """A fresh token for an invitation: its hash is added (flush), the raw token returned."""
    token = new_token()
    db.session.add(InvitationToken(token_hash=hash_token(token), invitation_id=invitation_id))
    db.session.flush()
    return token


def _personal_email(msg: OutboxMessage, now: dt.datetime, *, reminder: bool) -> Email | None:
    invitation = db.session.get(Invitation, msg.params.get("invitation_id"))
    if invitation is None or invitation.is_used or invitation.stakeholder_id is None:
        return None
    survey = db.session.get(Survey, invitation.survey_id)
    stakeholder = db.session.get(Stakeholder, invitation.stakeholder_id)
    if survey is None or stakeholder is None or not accepts_answers(survey, now):
        return None
    if reminder and (not stakeholder.is_active or stakeholder.is_reminder_opt_out):
        return None
    partnership = db.session.get(Partnership, survey.partnership_id)
    instrument = db.session.get(Instrument, survey.instrument_id)
    organization = db.session.get(Organization, invitation.organization_id)
    assert partnership is not None and instrument is not None and organization is not None
    link, opt_out = survey_links(_base_url(msg), mint_link(invitation.id))
    write = reminder_email if reminder else invitation_email
    mail = write(
        partnership=partnership,
        organization=organization,
        instrument=instrument,
        closes_at=survey.closes_at,
        name=stakeholder.name,
        link=link,
        opt_out_link=opt_out,
    )
    return Email(to=stakeholder.email, subject=mail.subject, text=mail.text, html=mail.html)


@renders(INVITATION, label="Invitation")
def render_invitation(msg: OutboxMessage, now: dt.datetime) -> Email | None:
    """The invitation with a freshly minted personal link; nothing once the invitation was
    used, the person erased or the survey closed."""
    return _personal_email(msg, now, reminder=False)


@renders(REMINDER, label="Reminder")
def render_reminder(msg: OutboxMessage, now: dt.datetime) -> Email | None:
    """A reminder with one more personal link (the earlier ones keep working); nothing once
    the invitation was used, the survey closed, or the person was deactivated or opted out."""
    return _personal_email(msg, now, reminder=True)


def preview_link(base_url: str, partnership_id: int, instrument_id: int, version: int) -> str:
    return (
        f"{base_url.rstrip('/')}/partnerships/{partnership_id}/instruments/{instrument_id}"
        f"/preview?version={version}"
    )


@renders(TEST_INVITATION, label="Test invitation")
def render_test_invitation(msg: OutboxMessage, now: dt.datetime) -> Email | None:
    """The coach's test invitation: the preview link, no token."""
    survey = db.session.get(Survey, msg.params.get("survey_id"))
    user = db.session.get(User, msg.user_id)
    if survey is None or user is None or not user.is_active:
        return None
    partnership = db.session.get(Partnership, survey.partnership_id)
    instrument = db.session.get(Instrument, survey.instrument_id)
    version = db.session.get(InstrumentVersion, survey.instrument_version_id)
    assert partnership is not None and instrument is not None and version is not None
    mail = preview_invitation_email(
        partnership=partnership,
        instrument=instrument,
        closes_at=survey.closes_at,
        name=user.name,
        preview_link=preview_link(_base_url(msg), partnership.id, instrument.id, version.number),
    )
    return Email(to=user.email, subject=mail.subject, text=mail.text, html=mail.html)


def _reminder_group(msg: OutboxMessage) -> str:
    """Reminders are listed per survey and round: who received one is who had not answered."""
    parts = msg.idempotency_key.split(":")
    survey = (
        db.session.get(Survey, int(parts[1])) if len(parts) == 4 and parts[1].isdigit() else None
    )
    if survey is None:
        return "Reminders"
    instrument = db.session.get(Instrument, survey.instrument_id)
    name = instrument.name if instrument is not None else "survey"
    return f"Reminders of {name}, cycle {survey.cycle.label}, round {parts[3]}"


def _sent_reminder_key(key: str) -> str:
    """A sent reminder's key keeps its survey and round (its group) and loses the invitation:
    "remind:<survey>:sent-<random>:<round>"."""
    parts = key.split(":")
    if len(parts) != 4:
        return f"remind:sent-{secrets.token_hex(8)}"
    return f"remind:{parts[1]}:sent-{secrets.token_hex(8)}:{parts[3]}"


listed_in_groups(REMINDER, _reminder_group, sent_key=_sent_reminder_key)
