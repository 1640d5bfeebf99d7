"""The scheduler's passes with an injectable clock (`flask jobs tick --now`): surveys open,
remind and close on time, late work is caught up once and says how late, emails leave through
a real SMTP server on loopback, and `flask jobs status` tells when no scheduler runs."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from partnership.extensions import db
from partnership.jobs.lock import SchedulerLock
from partnership.jobs.models import JobRun
from partnership.outbox.models import OutboxMessage
from partnership.results.models import Snapshot
from partnership.surveys import services
from partnership.surveys.models import Cycle, Invitation, Survey
from tests.builders.basics import login, make_partnership, make_user, steering_membership, text_of
from tests.builders.schedule import (
    BERLIN_CLOSES,
    CLOSES,
    OPENS,
    UTC,
    count,
    people,
    plan,
    reminded,
    reminders_to,
    survey_page,
    tick,
)
from tests.builders.surveys import add_stakeholder, answer, make_instrument


def iso(when: dt.datetime) -> str:
    return when.isoformat()


@pytest.fixture
def coach():  # type: ignore[no-untyped-def]
    return make_user(name="Clara Coach")


@pytest.fixture
def partnership(coach):  # type: ignore[no-untyped-def]
    return make_partnership(coach, name="Nordlicht × São Paulo")


def test_a_survey_opens_on_the_first_tick_after_its_planned_time_with_one_invitation_each(
    app, runner, smtp_server, partnership
):
    instrument = make_instrument(partnership)
    matching = people(partnership, 3)
    add_stakeholder(partnership, 1, name="Fin", email="fin@x.example", function="finance")
    add_stakeholder(partnership, 2, name="Gone", email="gone@x.example", active=False)
    survey = plan(partnership, instrument, functions=["operations"])

    tick(runner, OPENS - dt.timedelta(seconds=30))
    assert survey.state == "scheduled" and count(Invitation) == 0 and not smtp_server.messages

    tick(runner, OPENS + dt.timedelta(seconds=30))
    assert survey.state == "open" and survey.opened_at == OPENS + dt.timedelta(seconds=30)
    assert survey.open_note is None
    assert count(Invitation) == 3
    # The same pass delivered the invitations through the SMTP server, one per person.
    received = smtp_server.wait_for(3)
    assert sorted(str(m["To"]) for m in received) == sorted(p.email for p in matching)

    tick(runner, OPENS + dt.timedelta(minutes=1, seconds=30))
    assert count(Invitation) == 3 and len(smtp_server.messages) == 3
    assert len({m["Message-ID"] for m in smtp_server.messages}) == 3


def test_a_survey_past_its_closing_time_is_closed_with_snapshot_version_1(app, runner, partnership):
    instrument = make_instrument(partnership)
    people(partnership, 2)
    survey = plan(partnership, instrument)
    tick(runner, OPENS)
    tick(runner, CLOSES - dt.timedelta(seconds=1))
    assert survey.state == "open"

    tick(runner, CLOSES + dt.timedelta(seconds=20))
    assert survey.state == "closed" and survey.closed_at == CLOSES + dt.timedelta(seconds=20)
    assert survey.close_note is None
    assert db.session.scalars(
        select(Snapshot.version).where(Snapshot.survey_id == survey.id)
    ).all() == [1]
    tick(runner, CLOSES + dt.timedelta(minutes=2))
    assert count(Snapshot) == 1


def test_reminders_go_out_on_the_planned_days_only_to_those_who_did_not_answer_or_opt_out(
    app, runner, smtp_server, partnership
):
    instrument = make_instrument(partnership)
    answered, _silent, waiting, late = people(partnership, 4)
    answered_email = answered.email
    opted = add_stakeholder(partnership, 2, name="No", email="no@x.example", opted_out=True)
    survey = plan(partnership, instrument)
    tick(runner, OPENS)
    answer(db.session.scalar(select(Invitation).where(Invitation.stakeholder_id == answered.id)))
    silent_ones = sorted([_silent.email, waiting.email, late.email])

    seven, two = CLOSES - dt.timedelta(days=7), CLOSES - dt.timedelta(days=2)
    for when in (seven - dt.timedelta(minutes=1),):
        tick(runner, when)
    assert reminders_to() == [] and reminded(smtp_server) == []
    tick(runner, seven + dt.timedelta(seconds=40))
    assert reminded(smtp_server) == silent_ones
    # Sent, the reminders' rows keep no recipient: who got one is who had not answered yet.
    assert reminders_to() == [""] * 3
    assert survey.reminder_rounds == 1 and survey.planned_reminded_until == seven
    for when in (seven + dt.timedelta(days=1), two - dt.timedelta(minutes=1)):
        tick(runner, when)
    assert len(reminders_to()) == 3
    tick(runner, two + dt.timedelta(seconds=40))
    assert reminded(smtp_server) == sorted(silent_ones * 2)
    tick(runner, CLOSES - dt.timedelta(hours=1))
    tick(runner, CLOSES + dt.timedelta(minutes=1))
    assert survey.state == "closed" and len(reminders_to()) == 6
    tick(runner, CLOSES + dt.timedelta(days=1))
    assert len(reminders_to()) == 6
    # The SMTP server got each reminder once; the one who answered and the one who opted out
    # got the invitation only.
    subjects = [(str(m["To"]), str(m["Subject"])) for m in smtp_server.wait_for(5 + 6)]
    assert len(subjects) == 11
    assert sorted(reminded(smtp_server)) == sorted(silent_ones * 2)
    assert answered_email not in reminded(smtp_server)
    assert opted.email not in reminded(smtp_server)


def test_the_partnership_plan_decides_the_days(app, runner, partnership):
    partnership.reminder_days = [3]
    db.session.commit()
    instrument = make_instrument(partnership)
    people(partnership, 2)
    plan(partnership, instrument)
    tick(runner, OPENS)
    tick(runner, CLOSES - dt.timedelta(days=7) + dt.timedelta(minutes=1))
    assert reminders_to() == []  # not on the default's day
    tick(runner, CLOSES - dt.timedelta(days=3) + dt.timedelta(seconds=5))
    assert len(reminders_to()) == 2
    tick(runner, CLOSES - dt.timedelta(days=2) + dt.timedelta(seconds=5))
    assert len(reminders_to()) == 2


def test_reminder_days_missed_while_the_scheduler_was_down_are_caught_up_once(
    app, runner, partnership
):
    instrument = make_instrument(partnership)
    people(partnership, 2)
    survey = plan(partnership, instrument)
    tick(runner, OPENS)
    # The scheduler is down from day 3 to the day before closing: both reminder days pass.
    tick(runner, CLOSES - dt.timedelta(days=1))
    assert len(reminders_to()) == 2  # one round, not two in a row
    assert survey.reminder_rounds == 1
    assert survey.planned_reminded_until == CLOSES - dt.timedelta(days=2)
    tick(runner, CLOSES - dt.timedelta(hours=2))
    assert len(reminders_to()) == 2


def test_a_reminder_time_before_the_opening_is_skipped(app, runner, partnership):
    instrument = make_instrument(partnership)
    people(partnership, 2)
    survey = plan(partnership, instrument, opens=BERLIN_CLOSES - dt.timedelta(days=5))
    tick(runner, CLOSES - dt.timedelta(days=5))
    assert survey.state == "open"
    tick(runner, CLOSES - dt.timedelta(days=4))
    assert reminders_to() == []  # the 7-day reminder came before the opening
    tick(runner, CLOSES - dt.timedelta(days=2) + dt.timedelta(seconds=1))
    assert len(reminders_to()) == 2


def test_a_scheduler_stopped_across_the_opening_opens_it_once_and_says_how_late(
    app, runner, client, coach, partnership
):
    instrument = make_instrument(partnership)
    people(partnership, 2)
    survey = plan(partnership, instrument)
    tick(runner, OPENS - dt.timedelta(minutes=10))
    # ... the scheduler stops; two hours later it starts again.
    tick(runner, OPENS + dt.timedelta(hours=2))
    assert survey.state == "open" and count(Invitation) == 2
    assert survey.open_note == "2 h late: the scheduler was not running"
    tick(runner, OPENS + dt.timedelta(hours=2, minutes=1))
    assert count(Invitation) == 2 and count(OutboxMessage) == 2

    login(client, coach)
    page = text_of(client.get(survey_page(survey)).get_data(as_text=True))
    assert "opened 2 h late: the scheduler was not running" in page
    cycle_page = text_of(
        client.get(f"/partnerships/{partnership.id}/cycles/{survey.cycle_id}").get_data(
            as_text=True
        )
    )
    assert "opened 2 h late: the scheduler was not running" in cycle_page

    # Closing late says so too.
    tick(runner, CLOSES + dt.timedelta(hours=3, minutes=5))
    assert survey.state == "closed"
    assert survey.close_note == "3 h 5 min late: the scheduler was not running"


def test_a_survey_whose_whole_window_passed_is_not_opened_and_the_coach_is_told(
    app, runner, client, coach, partnership
):
    instrument = make_instrument(partnership)
    people(partnership, 2)
    survey = plan(partnership, instrument)
    tick(runner, CLOSES + dt.timedelta(hours=1))
    assert survey.state == "scheduled" and count(Invitation) == 0 and count(OutboxMessage) == 0
    login(client, coach)
    # The page's clock is the real one; the survey's window is in 2030, so move it back.
    survey.opens_at = dt.datetime.now(UTC) - dt.timedelta(days=3)
    survey.closes_at = dt.datetime.now(UTC) - dt.timedelta(days=1)
    db.session.commit()
    for url in (survey_page(survey), f"/partnerships/{partnership.id}/cycles/{survey.cycle_id}"):
        page = text_of(client.get(url).get_data(as_text=True))
        assert "Not opened: its closing time passed before the scheduler could open it" in page


def test_a_refused_opening_is_shown_and_retried_until_it_works(
    app, runner, client, coach, partnership
):
    instrument = make_instrument(partnership)
    survey = plan(partnership, instrument)  # nobody to invite yet
    tick(runner, OPENS)
    assert survey.state == "scheduled"
    assert survey.schedule_problem.startswith("The scheduler could not open it: No active")
    login(client, coach)
    assert "The scheduler could not open it" in text_of(
        client.get(survey_page(survey)).get_data(as_text=True)
    )

    people(partnership, 1)
    tick(runner, OPENS + dt.timedelta(minutes=30))
    assert survey.state == "open" and survey.schedule_problem is None
    assert survey.open_note == "30 min late: earlier attempts did not succeed"


def test_a_failing_job_fails_the_tick_and_the_status_but_not_the_other_jobs(
    app, runner, partnership, monkeypatch
):
    from partnership.jobs import registry

    instrument = make_instrument(partnership)
    people(partnership, 1)
    survey = plan(partnership, instrument)

    def broken(_ctx):  # type: ignore[no-untyped-def]
        raise RuntimeError("the reminder service is broken")

    jobs = tuple(
        registry.Job(j.name, j.title, broken, j.every) if j.name == "send_reminders" else j
        for j in registry.JOBS
    )
    monkeypatch.setattr(registry, "JOBS", jobs)
    monkeypatch.setattr("partnership.jobs.cli.JOBS", jobs)
    now = dt.datetime.now(UTC)
    result = runner.invoke(args=["jobs", "tick", "--now", iso(OPENS)])
    assert result.exit_code == 1 and "send_reminders: FAILED RuntimeError" in result.output
    db.session.expire_all()
    assert survey.state == "open"  # open_surveys ran
    run = db.session.get(JobRun, "send_reminders")
    assert run.last_outcome == "error" and run.failures_in_row == 1
    assert db.session.get(JobRun, "deliver_outbox").last_outcome == "ok"
    status = runner.invoke(args=["jobs", "status", "--now", iso(OPENS + dt.timedelta(minutes=1))])
    assert status.exit_code == 2, status.output
    assert "send_reminders" in status.output and "the reminder service is broken" in status.output
    assert now  # the real clock played no part


def test_status_exits_non_zero_without_a_fresh_heartbeat(app, runner):
    result = runner.invoke(args=["jobs", "status"])
    assert result.exit_code == 1 and "NOT RUNNING: no heartbeat was ever written" in result.output

    now = dt.datetime.now(UTC).replace(microsecond=0)
    tick(runner, now - dt.timedelta(minutes=11))
    result = runner.invoke(args=["jobs", "status"])
    assert result.exit_code == 1 and "NOT RUNNING: last heartbeat" in result.output
    assert "11 min ago" in result.output
    # A run its scheduler never finished (killed mid-batch) is not "running" any more.
    db.session.get(JobRun, "deliver_outbox").last_outcome = "running"
    db.session.commit()
    [line] = [
        line
        for line in runner.invoke(args=["jobs", "status"]).output.splitlines()
        if line.startswith("deliver_outbox")
    ]
    assert "interrupted" in line and "never finished: its scheduler stopped" in line

    tick(runner, now)
    result = runner.invoke(args=["jobs", "status"])
    assert result.exit_code == 0, result.output
    assert "Scheduler: running" in result.output and "open_surveys" in result.output
    # The same check at a later moment, by the injectable clock.
    later = runner.invoke(
        args=["jobs", "status", "--now", iso(now + dt.timedelta(minutes=10, seconds=1))]
    )
    assert later.exit_code == 1


def test_a_stale_heartbeat_warns_on_coach_pages_only(app, runner, client, coach, partnership):

    member = make_user()
    db.session.add(steering_membership(partnership, member))
    db.session.commit()
    login(client, coach)
    warning = "The scheduler is not running"
    page = client.get(f"/partnerships/{partnership.id}/cycles").get_data(as_text=True)
    assert warning in page and "never ran" in page

    now = dt.datetime.now(UTC)
    tick(runner, now - dt.timedelta(minutes=11))
    page = client.get(f"/partnerships/{partnership.id}/cycles").get_data(as_text=True)
    assert warning in page and "11 min ago" in page
    assert warning in client.get("/partnerships").get_data(as_text=True)
    db.session.get(JobRun, "close_surveys").last_outcome = "running"  # killed mid-run
    db.session.commit()
    page = text_of(client.get(f"/partnerships/{partnership.id}/schedule").get_data(as_text=True))
    assert ">interrupted</span> began, never finished: the scheduler stopped" in page

    steering = app.test_client()
    login(steering, member)
    assert warning not in steering.get(f"/partnerships/{partnership.id}/results").get_data(
        as_text=True
    )

    tick(runner, now)
    assert warning not in client.get(f"/partnerships/{partnership.id}/cycles").get_data(
        as_text=True
    )


def test_a_tick_while_another_scheduler_holds_the_lock_does_nothing(app, runner, partnership):
    instrument = make_instrument(partnership)
    people(partnership, 1)
    survey = plan(partnership, instrument)
    with SchedulerLock(app.config["DATABASE_URL"]) as lock:
        assert lock.try_acquire()
        result = runner.invoke(args=["jobs", "tick", "--now", iso(OPENS)])
        assert result.exit_code == 1 and "Another scheduler holds the lock" in result.output
        db.session.expire_all()
        assert survey.state == "scheduled"
    tick(runner, OPENS)
    assert survey.state == "open"


def test_bad_now_is_a_clear_error(app, runner):
    result = runner.invoke(args=["jobs", "tick", "--now", "next tuesday"])
    assert result.exit_code == 2 and "is not an ISO time" in result.output
    assert count(JobRun) == 0


def test_the_cadence_creates_next_quarters_cycle_a_month_ahead_with_the_surveys_moved(
    app, runner, partnership
):
    instrument = make_instrument(partnership)
    cycle = services.create_cycle(partnership, "2030-Q1")
    services.create_survey(
        partnership,
        cycle,
        services.SurveyData(
            instrument_id=instrument.id,
            opens_at=dt.datetime(2030, 1, 6, 9, 0),
            closes_at=dt.datetime(2030, 1, 20, 17, 0),
            target_levels=["manager"],
        ),
    )
    march = dt.datetime(2030, 3, 3, 12, 0, tzinfo=UTC)  # within 30 days of 1 April
    tick(runner, march)
    assert count(Cycle) == 1  # the cadence is off by default

    partnership.cycle_cadence = "quarterly"
    db.session.commit()
    tick(runner, dt.datetime(2030, 2, 27, 12, 0, tzinfo=UTC))
    assert count(Cycle) == 1  # more than a month before April
    tick(runner, march)
    tick(runner, march + dt.timedelta(hours=1))
    new = db.session.scalar(select(Cycle).where(Cycle.label == "2030-Q2"))
    assert new is not None and count(Cycle) == 2
    [survey] = new.surveys
    assert survey.state == "scheduled" and survey.target_levels == ["manager"]
    # 6 April 09:00 and 20 April 17:00 in Berlin, summer time by then (UTC+2).
    assert survey.opens_at == dt.datetime(2030, 4, 6, 7, 0, tzinfo=UTC)
    assert survey.closes_at == dt.datetime(2030, 4, 20, 15, 0, tzinfo=UTC)


def test_the_demo_story_survives_the_scheduler(app, runner):
    """`make demo` runs the scheduler beside the app: its first pass changes nothing of the
    demo's story (every quarter stays closed, nothing is sent: the overdue action of Q3 was
    flagged when it fell due)."""
    assert runner.invoke(args=["demo"]).exit_code == 0
    before = dict(
        db.session.execute(select(Survey.state, func.count()).group_by(Survey.state)).all()
    )
    tick(runner, dt.datetime.now(UTC))
    after = dict(
        db.session.execute(select(Survey.state, func.count()).group_by(Survey.state)).all()
    )
    assert before == after == {"closed": 7}
    assert count(OutboxMessage) == 0
