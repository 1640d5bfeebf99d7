"""The emails of the survey domain: invitation, reminder and the coach's test invitation.

Each is rendered from templates/emails/ as plain text and simple HTML (no inline styles, no
images, no scripts), so it reads well in every mail client. Rendering is pure: the caller
passes the personal link (which holds the raw token) and writes the result to the outbox.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import render_template

from partnership.instruments.models import Instrument
from partnership.partnerships.models import Organization, Partnership
from partnership.timefmt import long_when

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
