"""Invitation and reminder emails delivered over real SMTP (aiosmtpd on loopback), read back
as a mail client would: subject, personal link, close date with its zone, non-ASCII names."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from partnership.extensions import db
from partnership.outbox.services import send_pending
from partnership.surveys import services
from partnership.surveys.models import Invitation, InvitationToken, hash_token
from tests.builders.basics import make_partnership, make_user
from tests.builders.surveys import add_stakeholder, make_instrument

BASE = "https://pulse.example.org"
LINK = re.compile(r"https://pulse\.example\.org/s/([A-Za-z0-9_-]{40,})")


def _parts(message):
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def _setup():
    coach = make_user(name="Clara Coach")
    partnership = make_partnership(
        coach,
        name="Nordlicht × São Paulo",
        org_a_name="Müller Maschinenbau GmbH",
        org_b_name="São Paulo Devices",
        min_group=6,
    )
    instrument = make_instrument(partnership, name="Quarterly partnership pulse", minutes=7)
    stakeholder = add_stakeholder(
        partnership, 1, name="Jürgen Müller", email="juergen.mueller@muller.example"
    )
    cycle = services.create_cycle(partnership, "2030-Q2")
    survey = services.create_survey(
        partnership,
        cycle,
        services.SurveyData(instrument_id=instrument.id, closes_at=dt.datetime(2030, 6, 14, 17, 0)),
    )
    return coach, partnership, stakeholder, survey


def test_the_received_invitation_carries_everything_a_stakeholder_needs(app, smtp_server):
    _coach, partnership, stakeholder, survey = _setup()
    services.open_survey(survey, base_url=BASE)
    assert send_pending(app.config)["sent"] == 1
    [message] = smtp_server.wait_for(1)

    assert message["To"] == stakeholder.email
    assert message["Subject"] == "Nordlicht × São Paulo: Quarterly partnership pulse (7 minutes)"
    text, html = _parts(message)
    assert "Hello Jürgen Müller," in text
    assert "Müller Maschinenbau GmbH, your organization, and São Paulo Devices" in text
    assert "about 7 minutes" in text
    assert "Please answer by Friday 14 June 2030, 17:00 (Europe/Berlin)." in text
    assert "not linked to your name" in text and "at least 6 people" in text

    token = LINK.search(text).group(1)
    assert f'<a href="{BASE}/s/{token}">' in html
    assert "Jürgen Müller" in html and "Europe/Berlin" in html
    assert "<img" not in html and "style=" not in html and "<script" not in html
    # Only the hash of the emailed token is stored.
    [invitation] = db.session.scalars(select(Invitation))
    [link] = db.session.scalars(select(InvitationToken))
    assert (link.invitation_id, link.token_hash) == (invitation.id, hash_token(token))


def test_the_received_reminder_has_one_more_link_and_an_opt_out(app, smtp_server):
    _coach, partnership, stakeholder, survey = _setup()
    services.open_survey(survey, base_url=BASE)
    assert send_pending(app.config)["sent"] == 1
    services.send_reminders(survey, base_url=BASE)
    assert send_pending(app.config)["sent"] == 1
    invitation_msg, reminder_msg = smtp_server.wait_for(2)

    assert reminder_msg["Subject"] == "Reminder: Nordlicht × São Paulo: Quarterly partnership pulse"
    text, html = _parts(reminder_msg)
    old = LINK.search(_parts(invitation_msg)[0]).group(1)
    new = LINK.search(text).group(1)
    assert new != old
    assert f"{BASE}/s/{new}/opt-out" in text and f'href="{BASE}/s/{new}/opt-out"' in html
    assert "Hello Jürgen Müller," in text
    assert "closes on Friday 14 June 2030, 17:00 (Europe/Berlin)" in text
    assert "The link in earlier emails works too" in text
    db.session.expire_all()
    [invitation] = db.session.scalars(select(Invitation))
    hashes = set(
        db.session.scalars(
            select(InvitationToken.token_hash).where(InvitationToken.invitation_id == invitation.id)
        )
    )
    assert hashes == {hash_token(old), hash_token(new)}


def test_the_coach_test_invitation_arrives_with_the_preview_link(app, smtp_server):
    coach, partnership, _stakeholder, survey = _setup()
    services.send_test_invitation(survey, coach, base_url=BASE)
    send_pending(app.config)
    [message] = smtp_server.wait_for(1)
    assert message["To"] == coach.email
    assert message["Subject"].startswith("[Test] Nordlicht × São Paulo")
    text, _html = _parts(message)
    assert "Hello Clara Coach," in text
    assert (
        f"{BASE}/partnerships/{partnership.id}/instruments/{survey.instrument_id}/preview" in text
    )
    assert LINK.search(text) is None
    assert db.session.scalars(select(Invitation)).first() is None
