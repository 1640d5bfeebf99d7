"""Governance services on the database: issues raised at close and kept by re-scores, the
stage guards, did the gap close, overdue flags, lessons, the migration that dates cycles."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from sqlalchemy import func, select

from partnership.db import utcnow
from partnership.errors import Refused
from partnership.extensions import db
from partnership.governance import services, stages
from partnership.governance.issues import _claim, raised_by
from partnership.governance.models import Action, GovernanceEvent, Issue
from partnership.governance.progress import gap_progress
from partnership.outbox.models import OutboxMessage
from partnership.partnerships.thresholds import current_thresholds, save_thresholds
from partnership.results.services import close_survey, current_snapshot, rescore
from partnership.surveys.models import Cycle, Survey
from tests.builders.basics import make_partnership, make_user
from tests.builders.governance import CLOSED_AT, close_quarter, expected_keys, issue_keys
from tests.builders.pulse import build_closed_survey, make_pulse_instrument

NOW = CLOSED_AT


def test_closing_raises_exactly_the_red_signals_and_escalations_as_issues(app):
    partnership = make_partnership()
    survey = close_quarter(partnership, "2026-Q2")
    keys = expected_keys(survey)
    assert ("GAP", "dimension:execution") in keys  # the builders' execution gap
    assert issue_keys(survey.cycle_id) == keys
    issue = db.session.scalar(select(Issue).where(Issue.rule == "GAP"))
    assert issue.title == "Gap between the organizations: Execution alignment"
    assert issue.source == "signal" and issue.is_firing and issue.status == "open"
    assert issue.instrument_id == survey.instrument_id and issue.snapshot_version == 1
    assert "gap of" in issue.explanation
    created = db.session.scalar(select(GovernanceEvent).where(GovernanceEvent.issue_id == issue.id))
    assert created.kind == "created" and created.actor_name == "scoring"
    assert created.created_at == NOW


def test_a_rescore_with_other_thresholds_keeps_the_issue_ids_and_marks_what_no_longer_fires(app):
    partnership = make_partnership()
    survey = close_quarter(partnership, "2026-Q2")
    before = {(i.rule, i.subject): i.id for i in db.session.scalars(select(Issue))}
    gap = db.session.scalar(select(Issue).where(Issue.rule == "GAP"))
    services.set_issue_status(gap, "in_progress", "", None)
    coach = make_user()

    # a laxer GAP red: the gap no longer fires red
    typed = {
        name: row.spec.to_typed(row.value) for name, row in current_thresholds(partnership).items()
    }
    save_thresholds(partnership, dict(typed, gap_red=99, gap_amber=98))
    rescore(survey, coach)
    after = {(i.rule, i.subject): i for i in db.session.scalars(select(Issue))}
    assert {k: i.id for k, i in after.items()} == before  # same rows, none added
    gap = after[("GAP", "dimension:execution")]
    assert not gap.is_firing and gap.status == "in_progress" and gap.snapshot_version == 2
    cleared = db.session.scalars(
        select(GovernanceEvent)
        .where(GovernanceEvent.issue_id == gap.id)
        .order_by(GovernanceEvent.id)
    ).all()[-1]
    assert cleared.kind == "cleared" and cleared.actor_name == coach.name

    # back to the defaults: the same row fires again
    save_thresholds(partnership, typed)
    rescore(survey, coach)
    assert db.session.scalar(select(func.count(Issue.id))) == len(before)
    db.session.refresh(gap)
    assert gap.is_firing and gap.snapshot_version == 3


def test_the_key_is_claimed_once_even_by_two_writers_at_the_same_moment(app):
    partnership = make_partnership()
    survey = close_quarter(partnership, "2026-Q2")
    snapshot = current_snapshot(survey)
    with db.writing():
        db.session.execute(Issue.__table__.delete())
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def writer() -> None:
        from partnership.governance.issues import sync_issues

        try:
            with app.app_context():
                s = db.session.get(Survey, survey.id)
                snap = db.session.get(type(snapshot), snapshot.id)
                db.session.commit()  # no transaction is held while waiting
                barrier.wait(timeout=10)
                with db.writing():
                    sync_issues(s, snap)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    db.session.rollback()
    assert issue_keys(survey.cycle_id) == expected_keys(survey)
    assert db.session.scalar(select(func.count(Issue.id))) == len(expected_keys(survey))
    # and a direct claim of an existing key changes nothing
    issue = db.session.scalars(select(Issue)).first()
    assert not _claim(
        {
            "partnership_id": issue.partnership_id,
            "cycle_id": issue.cycle_id,
            "instrument_id": issue.instrument_id,
            "rule": issue.rule,
            "subject": issue.subject,
            "source": "signal",
            "severity": "red",
            "title": "again",
        }
    )
    db.session.rollback()


def test_raised_by_merges_a_repeated_red_with_its_signal_and_names_kpis():
    data = {
        "dimensions": [{"dimension": "execution", "label": "Execution alignment"}],
        "kpis": [{"id": 7, "name": "On-time deliveries"}],
        "signals": [
            {
                "rule": "GAP",
                "severity": "red",
                "dimension": "execution",
                "kpi_id": None,
                "explanation": "Wide.",
            },
            {
                "rule": "LEVEL",
                "severity": "amber",
                "dimension": "execution",
                "kpi_id": None,
                "explanation": "Low.",
            },
            {
                "rule": "KPI",
                "severity": "red",
                "dimension": None,
                "kpi_id": 7,
                "explanation": "Off.",
            },
            {
                "rule": "PARTICIPATION",
                "severity": "red",
                "dimension": None,
                "kpi_id": None,
                "explanation": "Few.",
            },
        ],
        "escalations": [
            {
                "kind": "repeated_red",
                "rule": "GAP",
                "dimension": "execution",
                "kpi_id": None,
                "explanation": "Again.",
            },
            {
                "kind": "multiple_amber",
                "rule": None,
                "dimension": "execution",
                "kpi_id": None,
                "explanation": "Two ambers.",
            },
        ],
    }
    raised = {(r.rule, r.subject): r for r in raised_by(data)}
    assert set(raised) == {
        ("GAP", "dimension:execution"),
        ("KPI", "kpi:7"),
        ("PARTICIPATION", ""),
        ("MULTIPLE_AMBER", "dimension:execution"),
    }
    gap = raised[("GAP", "dimension:execution")]
    assert gap.is_escalated and gap.explanation.startswith("Wide.")
    assert raised[("KPI", "kpi:7")].title == "Shared KPI: On-time deliveries"
    assert raised[("PARTICIPATION", "")].title == "Participation"
    assert raised[("MULTIPLE_AMBER", "dimension:execution")].severity == "amber"


# --- stages ----------------------------------------------------------------------------------


def test_each_stage_move_is_guarded_and_recorded(app):
    coach = make_user(name="Rita Coach")
    partnership = make_partnership(coach)
    survey = close_quarter(partnership, "2026-Q2")
    cycle = survey.cycle
    assert cycle.stage == "assess" and cycle.starts_on == dt.date(2026, 4, 1)

    # communicate is not next
    with pytest.raises(Refused, match="can move to Adapt only"):
        services.move_stage(cycle, "communicate", coach)
    services.move_stage(cycle, "adapt", coach, now=NOW)

    red = [i for i in services.list_issues(partnership, cycle=cycle) if i.severity == "red"]
    assert red
    with pytest.raises(Refused) as refused:
        services.move_stage(cycle, "communicate", coach)
    for issue in red:
        assert issue.title in str(refused.value)
    # one action from a suggestion, one decision: then it may move
    first, *rest = red
    action = services.action_from_suggestion(first, "b-joint-team", coach, now=NOW)
    assert action.issue_id == first.id and action.title == "Joint team with shared objectives"
    assert action.due_on == dt.date(2026, 5, 20) + dt.timedelta(days=45)
    for issue in rest:
        services.record_decision(issue, "Accepted for this quarter; revisit in Q3.", coach)
    services.move_stage(cycle, "communicate", coach, now=NOW)

    with pytest.raises(Refused, match="No brief"):
        services.move_stage(cycle, "learn", coach)
    services.move_stage(cycle, "learn", coach, note="Shared at the steering meeting of 2 June.")
    with pytest.raises(Refused, match="no lesson"):
        services.move_stage(cycle, "done", coach)
    services.add_lesson(
        cycle, services.LessonData("The gap showed in hand-offs.", tags=["Hand-offs"]), coach
    )
    services.move_stage(cycle, "done", coach)
    assert cycle.stage == "done"
    moves = services.events_of(cycle=cycle, kinds=["stage"])
    assert [m.changes["stage"] for m in moves] == [
        ["Assess", "Adapt"],
        ["Adapt", "Communicate"],
        ["Communicate", "Learn"],
        ["Learn", "Done"],
    ]
    assert all(m.actor_name == "Rita Coach" for m in moves)
    assert "steering meeting of 2 June" in moves[2].body and "No brief" in moves[2].body


def test_adapt_needs_every_survey_closed_and_names_the_open_one(app):
    partnership = make_partnership()
    pulse = make_pulse_instrument(partnership)
    survey = build_closed_survey(
        partnership, instrument=pulse, label="2026-Q3", state="open"
    ).survey
    with pytest.raises(Refused, match="is open: close it first"):
        services.move_stage(survey.cycle, "adapt", None)
    empty = Cycle(partnership_id=partnership.id, label="2026-Q4")
    db.session.add(empty)
    db.session.commit()
    with pytest.raises(Refused, match="no survey yet"):
        services.move_stage(empty, "adapt", None)
    close_survey(survey)
    assert [c.label for c in services.advance_ready()] == ["2026-Q3"]
    assert survey.cycle.stage == "adapt"
    event = services.events_of(cycle=survey.cycle)[-1]
    assert event.actor_name == "scheduler"


def test_stage_and_actions_become_overdue_and_are_flagged_once(app):
    owner = make_user(name="Owen Owner")
    partnership = make_partnership(owner, timezone="Europe/Berlin")
    with time_machine.travel(dt.datetime(2026, 3, 20, 12, tzinfo=dt.UTC), tick=False):
        # planned before the quarter: assess counts from its first day
        survey = close_quarter(partnership, "2026-Q2", when=dt.datetime(2026, 4, 20, tzinfo=dt.UTC))
    cycle = survey.cycle
    assert stages.stage_days(partnership) == stages.DEFAULT_STAGE_DAYS
    assert stages.stage_deadline(cycle, partnership) == dt.date(2026, 4, 1) + dt.timedelta(days=42)
    action = services.create_action(
        cycle,
        services.ActionData(
            "Joint roadmap review", owner_user_id=owner.id, due_on=dt.date(2026, 6, 1)
        ),
        owner,
    )
    # 23:30 UTC on 1 June is 01:30 on 2 June in Berlin: the action is overdue there
    late = dt.datetime(2026, 6, 1, 23, 30, tzinfo=dt.UTC)
    assert services.is_action_overdue(action, partnership, late)
    assert not services.is_action_overdue(action, partnership, late - dt.timedelta(hours=2))
    assert stages.is_stage_overdue(cycle, partnership, late)
    flagged = services.flag_overdue(now=late)
    assert (flagged.stages, flagged.actions, flagged.emails) == (1, 1, 1)
    assert services.flag_overdue(now=late + dt.timedelta(days=1)) == services.Flagged(0, 0, 0)
    mail = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.kind == "governance.action_overdue")
    )
    assert mail.to_address == owner.email
    # a new due date can be flagged again
    services.update_action(
        action,
        services.ActionData(
            "Joint roadmap review", owner_user_id=owner.id, due_on=dt.date(2026, 6, 10)
        ),
        owner,
    )
    assert services.flag_overdue(now=dt.datetime(2026, 6, 12, tzinfo=dt.UTC)).actions == 1
    # a move clears the stage flag
    services.move_stage(cycle, "adapt", owner, now=late)
    assert cycle.stage_overdue_at is None


def test_target_days_are_partnership_settings(app):
    partnership = make_partnership()
    services.set_stage_days(partnership, {"assess": 30, "adapt": None}, None)
    assert stages.stage_days(partnership)["assess"] == 30
    assert stages.stage_days(partnership)["adapt"] == 14
    with pytest.raises(Refused, match="between 1 and 365"):
        services.set_stage_days(partnership, {"learn": 0}, None)


# --- did the gap close ----------------------------------------------------------------------


def test_the_next_quarter_shows_whether_the_gap_closed(app):
    partnership = make_partnership()
    q2 = close_quarter(partnership, "2026-Q2")
    gap_issue = db.session.scalar(select(Issue).where(Issue.rule == "GAP"))
    action = services.action_from_suggestion(gap_issue, "b-joint-team", None, now=NOW)
    assert action.baseline_survey_id == q2.id and action.gap_threshold == 12.5
    progress = gap_progress(action)
    assert progress.verdict == "waiting" and progress.later == ()
    base = abs(progress.baseline.G)
    assert base >= 12.5

    # Q3: Beta catches up on execution
    q3 = close_quarter(
        partnership,
        "2026-Q3",
        seed=8,
        attitudes={"B": {"execution": 4.1}},
        when=NOW + dt.timedelta(days=90),
    )
    progress = gap_progress(action)
    assert [p.survey_id for p in progress.later] == [q3.id]
    later = abs(progress.later[0].G)
    assert later < 12.5
    assert progress.verdict == "closed"
    assert (
        progress.summary
        == f"gap {progress.baseline.gap_text} → {progress.later[0].gap_text}: closed"
    )


def test_a_gap_that_stays_wide_reads_not_yet(app):
    partnership = make_partnership()
    close_quarter(partnership, "2026-Q2")
    gap_issue = db.session.scalar(select(Issue).where(Issue.rule == "GAP"))
    action = services.action_from_suggestion(gap_issue, "b-joint-team", None, now=NOW)
    close_quarter(partnership, "2026-Q3", seed=9, when=NOW + dt.timedelta(days=90))
    assert gap_progress(action).verdict == "not_yet"


# --- owners, lessons ------------------------------------------------------------------------


def test_owners_must_be_members_and_drops_need_a_reason(app):
    coach = make_user()
    partnership = make_partnership(coach)
    stranger = make_user()
    cycle = Cycle(partnership_id=partnership.id, label="2026-Q2")
    db.session.add(cycle)
    db.session.commit()
    with pytest.raises(Refused, match="member of this partnership"):
        services.create_action(cycle, services.ActionData("X", owner_user_id=stranger.id), coach)
    action = services.create_action(
        cycle, services.ActionData("X", owner_organization_id=partnership.org_b.id), coach
    )
    with pytest.raises(Refused, match="why the action is dropped"):
        services.set_action_status(action, "dropped", " ", coach)
    services.set_action_status(action, "dropped", "Overtaken by the reorganisation.", coach)
    assert action.status == "dropped"
    changes = [e.changes for e in services.events_of(action=action)]
    assert {"status": ["Open", "Dropped"]} in changes
    assert db.session.scalar(select(func.count(Action.id))) == 1


def test_lessons_are_searchable_across_cycles_and_shown_for_the_next_cycle(app):
    partnership = make_partnership()
    q2 = Cycle(partnership_id=partnership.id, label="2026-Q2")
    q3 = Cycle(partnership_id=partnership.id, label="2026-Q3")
    db.session.add_all([q3, q2])  # created out of order: the order follows the dates
    db.session.commit()
    services.add_lesson(
        q2,
        services.LessonData(
            "Release scope changed after the hardware freeze.",
            what_failed="Nobody owned the freeze date; 100% of changes came late.",
            dimension="execution",
            tags=["Roadmap", "freeze", "roadmap"],
        ),
        None,
    )
    services.add_lesson(q3, services.LessonData("Joint visits helped.", tags="customers"), None)
    assert [lesson.cycle_id for lesson in services.search_lessons(partnership)] == [q3.id, q2.id]
    assert len(services.search_lessons(partnership, text="FREEZE owned")) == 1
    assert len(services.search_lessons(partnership, text="100%")) == 1
    assert len(services.search_lessons(partnership, text="_")) == 0
    assert len(services.search_lessons(partnership, tag="roadmap")) == 1
    assert services.lesson_tags(partnership) == ["customers", "freeze", "roadmap"]
    before, lessons = services.previous_lessons(q3)
    assert before.id == q2.id and [lesson.what_happened for lesson in lessons] == [
        "Release scope changed after the hardware freeze."
    ]


def test_previous_cycle_follows_start_dates_not_creation(app):
    from partnership.kpis.services import previous_cycle

    partnership = make_partnership()
    later = Cycle(partnership_id=partnership.id, label="2026-Q3")
    earlier = Cycle(partnership_id=partnership.id, label="2026-Q2")
    custom = Cycle(partnership_id=partnership.id, label="Kick-off workshop")
    custom.starts_on, custom.ends_on = dt.date(2026, 1, 15), dt.date(2026, 2, 15)
    db.session.add_all([later, earlier, custom])
    db.session.commit()
    assert previous_cycle(later).id == earlier.id
    assert previous_cycle(earlier).id == custom.id
    assert previous_cycle(custom) is None
    _ = utcnow


# --- the jobs and the playback email ---------------------------------------------------------


def test_the_commands_the_scheduler_runs(app, runner):
    owner = make_user()
    partnership = make_partnership(owner)
    survey = close_quarter(partnership, "2026-Q2")
    result = runner.invoke(args=["governance", "advance", "--now", "2026-05-21T08:00"])
    assert result.exit_code == 0, result.output
    assert "Cycle" in result.output and "1 cycles moved." in result.output
    refused = runner.invoke(args=["governance", "advance", "--cycle", str(survey.cycle_id)])
    assert refused.exit_code == 1 and "has no action or decision yet" in refused.output
    services.create_action(
        survey.cycle,
        services.ActionData("Review", owner_user_id=owner.id, due_on=dt.date(2026, 6, 1)),
        owner,
    )
    flagged = runner.invoke(args=["governance", "flag-overdue", "--now", "2026-06-03T08:00"])
    assert flagged.exit_code == 0
    assert "1 actions flagged overdue; 1 emails queued." in flagged.output
    bad = runner.invoke(args=["governance", "flag-overdue", "--now", "soon"])
    assert bad.exit_code == 2 and "ISO 8601" in bad.output
    # the scheduler's pass runs both jobs
    tick = runner.invoke(args=["jobs", "tick", "--now", "2026-06-10T08:00"])
    assert "advance_cycles: moved 0 cycles to Adapt" in tick.output, tick.output
    assert "flag_overdue: flagged 1 stage and 0 actions, 0 emails queued" in tick.output


def test_the_playback_reaches_everyone_invited_with_a_fresh_link_and_reportable_values(app):
    from partnership.governance.playback import publish_playback
    from partnership.surveys.models import Invitation, InvitationToken
    from tests.mail import deliver

    coach = make_user()
    partnership = make_partnership(coach, min_group=5)
    survey = close_quarter(partnership, "2026-Q2")
    cycle = survey.cycle
    with pytest.raises(Refused, match="Move the cycle to Communicate first"):
        publish_playback(cycle, "", coach, base_url="http://pulse.example")
    services.move_stage(cycle, "adapt", coach)
    for issue in services.list_issues(partnership, cycle=cycle):
        services.action_from_suggestion(issue, "b-escalation-path", coach)
    services.move_stage(cycle, "communicate", coach)
    tokens_before = db.session.scalar(select(func.count()).select_from(InvitationToken))
    playback = publish_playback(
        cycle, "Thank you: 21 of you answered.", coach, base_url="http://pulse.example"
    )
    invited = db.session.scalar(
        select(func.count(Invitation.id)).where(Invitation.survey_id == survey.id)
    )
    assert playback.recipients == invited
    with pytest.raises(Refused, match="published already"):
        publish_playback(cycle, "", coach, base_url="http://pulse.example")
    assert db.session.scalar(select(func.count()).select_from(InvitationToken)) == tokens_before
    sent = deliver(app)
    assert len(sent) == invited
    mail = sent[0]
    assert "What we heard" in mail.html and "Thank you: 21 of you answered." in mail.text
    assert "Execution alignment" in mail.text and "An escalation path that works" in mail.text
    assert f"http://pulse.example/s/{mail.token}/playback" in mail.text
    # one fresh link per person, minted at delivery; nothing usable in the outbox
    assert (
        db.session.scalar(select(func.count()).select_from(InvitationToken))
        == tokens_before + invited
    )
    rows = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "governance.playback")
    )
    assert all("/s/" not in str(r.params) for r in rows)


def test_open_actions_carry_into_the_next_cycles_and_the_owner_hears_when_one_is_overdue(app):
    from tests.mail import deliver

    owner = make_user(name="Owen Owner")
    partnership = make_partnership(owner)
    q2 = Cycle(partnership_id=partnership.id, label="2026-Q2")
    q3 = Cycle(partnership_id=partnership.id, label="2026-Q3")
    db.session.add_all([q2, q3])
    db.session.commit()
    still_open = services.create_action(
        q2,
        services.ActionData("Still open", owner_user_id=owner.id, due_on=dt.date(2026, 6, 1)),
        owner,
    )
    done = services.create_action(q2, services.ActionData("Done"), owner)
    services.set_action_status(done, "done", "", owner)
    agreed_in_q3 = services.create_action(q3, services.ActionData("New in Q3"), owner)
    assert [a.id for a in services.list_actions(partnership, cycle=q3)] == [
        still_open.id,
        agreed_in_q3.id,
    ]
    assert {a.id for a in services.list_actions(partnership, cycle=q2)} == {still_open.id, done.id}
    services.flag_overdue(now=dt.datetime(2026, 6, 3, 8, tzinfo=dt.UTC))
    [mail] = deliver(app)
    assert mail.to == owner.email and "Still open" in mail.subject
    assert f"/partnerships/{partnership.id}/actions/{still_open.id}" in mail.text
    assert "past its due date (2026-06-01)" in mail.text
    # done before the sender ran: the email no longer applies
    services.update_action(
        still_open,
        services.ActionData("Still open", owner_user_id=owner.id, due_on=dt.date(2026, 6, 4)),
        owner,
    )
    services.flag_overdue(now=dt.datetime(2026, 6, 6, 8, tzinfo=dt.UTC))
    services.set_action_status(still_open, "done", "", owner)
    assert deliver(app) == []
