"""The coach's schedule and outbox pages: what the scheduler will do next, every email with its
status, failed ones with the SMTP error and a button that sends them again; coach-only."""

from __future__ import annotations

import datetime as dt
import smtplib

from sqlalchemy import select

from partnership.extensions import db
from partnership.outbox.models import OutboxMessage
from partnership.outbox.services import send_pending
from partnership.surveys.models import Invitation
from tests.builders.basics import login, make_partnership, make_user, steering_membership, text_of
from tests.builders.schedule import CLOSES, OPENS, people, plan, reminded, tick
from tests.builders.surveys import answer, make_instrument

UTC = dt.UTC


def schedule_url(partnership) -> str:  # type: ignore[no-untyped-def]
    return f"/partnerships/{partnership.id}/schedule"


def outbox_url(partnership, status: str = "") -> str:  # type: ignore[no-untyped-def]
    return f"/partnerships/{partnership.id}/outbox" + (f"?status={status}" if status else "")


def test_the_schedule_lists_next_opening_reminders_and_closing(app, client):
    coach = make_user()
    partnership = make_partnership(coach)
    instrument = make_instrument(partnership, name="Quarterly pulse")
    people(partnership, 2)
    plan(
        partnership,
        instrument,
        opens=dt.datetime(2030, 3, 4, 9, 0),
        closes=dt.datetime(2030, 3, 18, 17, 0),
    )
    login(client, coach)
    page = text_of(client.get(schedule_url(partnership)).get_data(as_text=True))
    assert "Quarterly pulse" in page
    assert "2030-03-04 09:00 Europe/Berlin" in page  # opening
    assert "2030-03-11 17:00 Europe/Berlin" in page and "2030-03-16 17:00 Europe/Berlin" in page
    assert "2030-03-18 17:00 Europe/Berlin" in page  # closing
    assert "opens 2030-03-04 09:00 Europe/Berlin" in page  # what happens next

    # A coach changes the plan: one reminder, three days before closing.
    response = client.post(
        schedule_url(partnership),
        data={"first_reminder": "3", "second_reminder": "", "cadence": "quarterly"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert partnership.reminder_days == [3] and partnership.cycle_cadence == "quarterly"
    page = text_of(client.get(schedule_url(partnership)).get_data(as_text=True))
    assert "2030-03-15 17:00 Europe/Berlin" in page and "2030-03-11 17:00" not in page

    # Bad input changes nothing.
    for data in (
        {"first_reminder": "3", "second_reminder": "3", "cadence": "off"},
        {"first_reminder": "0", "second_reminder": "", "cadence": "off"},
        {"first_reminder": "two", "second_reminder": "", "cadence": "off"},
        {"first_reminder": "3", "second_reminder": "", "cadence": "weekly"},
    ):
        assert client.post(schedule_url(partnership), data=data).status_code == 400
    db.session.expire_all()
    assert partnership.reminder_days == [3] and partnership.cycle_cadence == "quarterly"


def test_failed_emails_show_the_smtp_error_and_a_retry_sends_them(app, client, runner, smtp_server):
    coach = make_user()
    partnership = make_partnership(coach)
    instrument = make_instrument(partnership)
    good, bad = people(partnership, 2)
    smtp_server.rejected.add(bad.email)
    plan(partnership, instrument)
    tick(runner, OPENS)  # opens, delivers: one sent, one refused for good (no such mailbox)
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == bad.email))
    assert row.status == "failed" and row.attempts == 1
    assert row.last_error.startswith("550 5.1.1")
    assert [str(m["To"]) for m in smtp_server.messages] == [good.email]

    login(client, coach)
    page = text_of(client.get(outbox_url(partnership, "failed")).get_data(as_text=True))
    assert bad.email in page and "550 5.1.1" in page and "Send again" in page
    assert good.email not in page  # filtered to the failed one
    schedule = text_of(client.get(schedule_url(partnership)).get_data(as_text=True))
    assert "1 email could not be delivered" in schedule

    smtp_server.rejected.clear()  # the coach had the mailbox fixed
    response = client.post(f"/partnerships/{partnership.id}/outbox/retry", data={"message": row.id})
    assert response.status_code == 302
    db.session.expire_all()
    assert row.status == "pending" and row.attempts == 0
    # A second click finds nothing failed: a clear refusal, nothing queued twice.
    client.post(f"/partnerships/{partnership.id}/outbox/retry", data={"message": row.id})
    tick(runner, OPENS + dt.timedelta(hours=7))
    assert row.status == "sent"
    assert sorted(str(m["To"]) for m in smtp_server.wait_for(2)) == sorted([good.email, bad.email])
    assert len(smtp_server.messages) == 2


def test_a_busy_mailbox_is_tried_again_with_backoff_then_failed_with_the_servers_words(
    app, client, runner, smtp_server
):
    """A temporary refusal (451) is tried again 1, 2, 4, 8 and 16 minutes later, never
    sooner; after the sixth try the email has failed and the coach reads why."""
    coach = make_user()
    partnership = make_partnership(coach)
    instrument = make_instrument(partnership)
    good, busy = people(partnership, 2)
    smtp_server.deferred.add(busy.email)
    plan(partnership, instrument)
    login(client, coach)

    tries_at = [OPENS]
    for wait in (1, 2, 4, 8, 16):
        tries_at.append(tries_at[-1] + dt.timedelta(minutes=wait))
    for n, when in enumerate(tries_at, start=1):
        if n > 1:
            tick(runner, when - dt.timedelta(seconds=1))  # not yet due: the server hears nothing
            assert smtp_server.refusals == [busy.email] * (n - 1)
        tick(runner, when)
        assert smtp_server.refusals == [busy.email] * n
        page = text_of(client.get(outbox_url(partnership)).get_data(as_text=True))
        assert "451 4.2.1" in page and "Mailbox busy" in page
        if n < len(tries_at):
            local = (tries_at[n] + dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
            assert f"try {n + 1} from {local} Europe/Berlin" in page
            assert "Send again" not in page
    assert [str(m["To"]) for m in smtp_server.messages] == [good.email]

    page = text_of(client.get(outbox_url(partnership, "failed")).get_data(as_text=True))
    assert busy.email in page and "after 6 tries" in page and "451 4.2.1" in page
    assert "Send again" in page
    tick(runner, tries_at[-1] + dt.timedelta(hours=1))
    assert len(smtp_server.refusals) == 6  # failed is final until a coach says otherwise
    schedule = text_of(client.get(schedule_url(partnership)).get_data(as_text=True))
    assert "1 email could not be delivered" in schedule


def test_reminders_are_counted_never_listed_by_recipient(app, client, runner, smtp_server):
    coach = make_user()
    partnership = make_partnership(coach)
    instrument = make_instrument(partnership, name="Pulse")
    answered, waiting = people(partnership, 2)
    plan(partnership, instrument)
    tick(runner, OPENS)
    answer(db.session.scalar(select(Invitation).where(Invitation.stakeholder_id == answered.id)))
    tick(runner, CLOSES - dt.timedelta(days=7))
    smtp_server.wait_for(3)
    assert reminded(smtp_server) == [waiting.email]
    [reminder] = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "survey.reminder")
    ).all()
    # Sent, the reminder keeps its survey and round, and nothing of whom it went to.
    assert reminder.status == "sent"
    assert (reminder.to_address, reminder.stakeholder_id, reminder.params) == ("", None, {})
    survey_id = db.session.scalar(select(Invitation.survey_id))
    assert reminder.idempotency_key.startswith(f"remind:{survey_id}:sent-")
    assert reminder.idempotency_key.endswith(":1")
    login(client, coach)
    page = text_of(client.get(outbox_url(partnership)).get_data(as_text=True))
    assert "Reminders of Pulse, cycle 2030-Q1, round 1" in page and "1 sent" in page
    # Both received the invitation; nothing on the page tells who received the reminder.
    assert page.count(waiting.email) == page.count(answered.email) == 1


def test_an_accepted_message_whose_reply_was_lost_is_sent_again_with_the_same_message_id(
    app, smtp_server
):
    """The residual window: the server accepted, the sender never learned it. The retry is a
    second copy, recognisable by its Message-ID."""
    partnership = make_partnership()
    instrument = make_instrument(partnership)
    people(partnership, 1)
    plan(partnership, instrument)
    from partnership.surveys import services

    survey = db.session.scalar(select(services.Survey))
    services.open_survey(survey, base_url="http://localhost", now=OPENS)

    def accepted_then_lost(message) -> None:  # type: ignore[no-untyped-def]
        with smtplib.SMTP(app.config["SMTP_HOST"], app.config["SMTP_PORT"]) as smtp:
            smtp.send_message(message)
        raise smtplib.SMTPServerDisconnected("connection lost before the reply")

    assert send_pending(app.config, now=OPENS, transport=accepted_then_lost)["retry"] == 1
    assert send_pending(app.config, now=OPENS + dt.timedelta(minutes=2))["sent"] == 1
    first, second = smtp_server.wait_for(2)
    assert first["Message-ID"] == second["Message-ID"]
    assert first["Message-ID"].endswith("@localhost>") and ":" not in first["Message-ID"]


def test_schedule_and_outbox_are_for_coaches_only(app, client):
    coach = make_user()
    partnership = make_partnership(coach)
    member = make_user()
    db.session.add(steering_membership(partnership, member))
    db.session.commit()
    login(client, member)
    for url in (schedule_url(partnership), outbox_url(partnership)):
        assert client.get(url).status_code == 403
    assert client.post(schedule_url(partnership), data={"cadence": "off"}).status_code == 403
    assert (
        client.post(f"/partnerships/{partnership.id}/outbox/retry", data={"message": 1}).status_code
        == 403
    )
    outsider = app.test_client()
    login(outsider, make_user())
    for url in (schedule_url(partnership), outbox_url(partnership)):
        assert outsider.get(url).status_code == 404


def test_a_retry_of_another_partnerships_email_is_not_found(app, client, runner):
    coach = make_user()
    mine = make_partnership(coach)
    theirs = make_partnership(make_user())
    instrument = make_instrument(theirs)
    people(theirs, 1)
    plan(theirs, instrument)
    tick(runner, OPENS)
    row = db.session.scalar(select(OutboxMessage))
    row.status = "failed"
    db.session.commit()
    login(client, coach)
    response = client.post(f"/partnerships/{mine.id}/outbox/retry", data={"message": row.id})
    assert response.status_code == 404
    db.session.expire_all()
    assert row.status == "failed"
