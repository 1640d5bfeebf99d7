"""The Continuous Alignment Model over HTTP: a scripted quarter from the close to the issues,
the guarded stage moves, a suggestion turned into an action, a re-score that keeps the issues,
the next quarter saying whether the gap closed; who may do what; overdue with the clock moved;
the playback from a stakeholder's own link."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from sqlalchemy import select

from partnership.extensions import db
from partnership.governance.models import Action, GovernanceEvent, Issue
from partnership.surveys.models import Cycle
from tests.builders.basics import login, make_partnership, make_stakeholders, make_user, text_of
from tests.builders.governance import (
    EXECUTION_GAP_CLOSED,
    WIDE_EXECUTION_GAP,
    location_id,
    run_quarter,
    subject_of,
)
from tests.mail import deliver

Q2 = dt.datetime(2026, 5, 20, 9, 0, tzinfo=dt.UTC)
Q3 = dt.datetime(2026, 8, 20, 9, 0, tzinfo=dt.UTC)


def issue_ids_on_page(html: str) -> list[int]:
    return [int(i) for i in re.findall(r"/issues/(\d+)\"", html)]


def stage_of(cycle_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Cycle, cycle_id).stage


def setup():  # type: ignore[no-untyped-def]
    coach = make_user(name="Rita Coach")
    partnership = make_partnership(coach, name="Lumen × Müller", min_group=5)
    make_stakeholders(partnership, 6, 6)
    return coach, partnership


def test_a_scripted_quarter_from_signals_to_actions_and_the_next_quarter_closing_the_gap(app):
    coach, partnership = setup()
    client = app.test_client()
    login(client, coach)
    base = f"/partnerships/{partnership.id}"

    with time_machine.travel(Q2, tick=False):
        login(client, coach)  # a session cookie signed "in the future" would not be accepted
        cycle_id, survey_id = run_quarter(app, client, partnership, "2026-Q2", WIDE_EXECUTION_GAP)
    login(client, coach)

    # closing lists exactly the snapshot's escalations and red signals as issues
    export = client.get(f"/api/v1/partnerships/{partnership.id}/surveys/{survey_id}/results").json
    result = export["result"]
    expected = {(s["rule"], subject_of(s)) for s in result["signals"] if s["severity"] == "red"}
    expected |= {
        ("MULTIPLE_AMBER" if e["kind"] == "multiple_amber" else e["rule"], subject_of(e))
        for e in result["escalations"]
    }
    assert ("GAP", "dimension:execution") in expected
    issues = db.session.scalars(select(Issue).where(Issue.cycle_id == cycle_id)).all()
    assert {(i.rule, i.subject) for i in issues} == expected
    page = text_of(client.get(f"{base}/issues?cycle={cycle_id}").get_data(as_text=True))
    for issue in issues:
        assert issue.title in page
    ids_before = sorted(i.id for i in issues)

    # to adapt: every survey closed and scored
    cycle_url = f"{base}/cycles/{cycle_id}"
    assert client.post(cycle_url + "/stage", data={"to": "adapt"}).status_code == 302
    assert stage_of(cycle_id) == "adapt"

    # to communicate: refused, naming each red issue without an action or decision
    refused = client.post(cycle_url + "/stage", data={"to": "communicate"}, follow_redirects=True)
    refused_text = text_of(refused.get_data(as_text=True))
    red = [i for i in issues if i.severity == "red"]
    assert red and "Cannot move to Communicate yet." in refused_text
    for issue in red:
        assert f"Red issue “{issue.title}” has no action or decision yet." in refused_text
    assert stage_of(cycle_id) == "adapt"

    # one POST turns a suggestion into a pre-filled action
    gap = next(i for i in issues if i.rule == "GAP")
    made = client.post(f"{base}/issues/{gap.id}/actions", data={"suggestion": "b-joint-team"})
    action_id = location_id(made, "actions")
    action = db.session.get(Action, action_id)
    assert action.title == "Joint team with shared objectives" and action.issue_id == gap.id
    assert action.dimension == "execution" and action.baseline_survey_id == survey_id
    edit = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "Joint team with shared objectives" in edit and "Due on" in edit
    for issue in red:
        if issue.id != gap.id:
            answer = client.post(
                f"{base}/issues/{issue.id}/decision",
                data={"decision": "Accepted for this quarter; the committee revisits it in Q3."},
            )
            assert answer.status_code == 302
    assert client.post(cycle_url + "/stage", data={"to": "communicate"}).status_code == 302
    assert stage_of(cycle_id) == "communicate"

    # a re-score with other thresholds keeps the issue ids (and marks what no longer fires)
    thresholds = client.get(f"{base}/thresholds").get_data(as_text=True)
    form = dict(re.findall(r'name="([a-z_0-9]+)"[^>]*value="([^"]*)"', thresholds))
    form.update(gap_red="99", gap_amber="98")
    assert client.post(f"{base}/thresholds", data=form).status_code == 302
    assert client.post(f"{base}/surveys/{survey_id}/rescore").status_code == 302
    db.session.expire_all()
    again = db.session.scalars(select(Issue).where(Issue.cycle_id == cycle_id)).all()
    assert sorted(i.id for i in again) == ids_before
    assert not db.session.get(Issue, gap.id).is_firing
    assert "No longer raised" in client.get(f"{base}/issues/{gap.id}").get_data(as_text=True)

    # the next quarter fills "did the gap close"
    with time_machine.travel(Q3, tick=False):
        login(client, coach)
        run_quarter(app, client, partnership, "2026-Q3", EXECUTION_GAP_CLOSED)
    login(client, coach)
    action_page = text_of(client.get(f"{base}/actions/{action_id}").get_data(as_text=True))
    verdict = re.search(r"gap (\d+\.\d) → (\d+\.\d): closed", action_page)
    assert verdict, action_page[action_page.index("Did the gap close") :][:600]
    assert float(verdict.group(1)) >= 12.5 > float(verdict.group(2))
    listing = text_of(client.get(f"{base}/actions?status=all").get_data(as_text=True))
    assert verdict.group(0) in listing


def test_a_steering_member_updates_the_action_they_own_and_gets_403_on_another(app):
    coach, partnership = setup()
    member = make_user(name="Sofia Steering")
    from tests.builders.governance import add_member

    add_member(partnership, member)
    cycle = Cycle(partnership_id=partnership.id, label="2026-Q2")
    db.session.add(cycle)
    db.session.commit()
    from partnership.governance import services

    mine = services.create_action(
        cycle, services.ActionData("Weekly hand-off call", owner_user_id=member.id), coach
    )
    theirs = services.create_action(
        cycle, services.ActionData("Roadmap review", owner_user_id=coach.id), coach
    )
    client = app.test_client()
    login(client, member)
    base = f"/partnerships/{partnership.id}"

    ok = client.post(
        f"{base}/actions/{mine.id}/status", data={"status": "in_progress", "reason": ""}
    )
    assert ok.status_code == 302
    note = client.post(f"{base}/actions/{mine.id}/notes", data={"body": "First call held."})
    assert note.status_code == 302
    db.session.expire_all()
    assert db.session.get(Action, mine.id).status == "in_progress"
    record = db.session.scalars(
        select(GovernanceEvent).where(GovernanceEvent.action_id == mine.id)
    ).all()
    assert {e.actor_name for e in record if e.kind in ("changed", "note")} == {"Sofia Steering"}
    page = text_of(client.get(f"{base}/actions/{mine.id}").get_data(as_text=True))
    assert "Sofia Steering" in page and "First call held." in page and "In progress" in page

    for url, data in (
        (f"{base}/actions/{theirs.id}/status", {"status": "done", "reason": ""}),
        (f"{base}/actions/{theirs.id}/notes", {"body": "Not mine."}),
        (f"{base}/actions/{mine.id}/edit", {"title": "Renamed"}),
        (f"{base}/cycles/{cycle.id}/actions/new", {"title": "New"}),
        (f"{base}/cycles/{cycle.id}/stage", {"to": "adapt"}),
        (f"{base}/playbook/edit", {"title": "Mine"}),
    ):
        assert client.post(url, data=data).status_code == 403, url
    db.session.expire_all()
    assert db.session.get(Action, theirs.id).status == "open"
    # the page offers the member only what is theirs to change
    assert "Save status" not in client.get(f"{base}/actions/{theirs.id}").get_data(as_text=True)
    # a member may add a lesson and comment on an issue
    lesson = client.post(
        f"{base}/cycles/{cycle.id}/lessons/new", data={"what_happened": "Calls helped."}
    )
    assert lesson.status_code == 302


def test_with_the_clock_past_the_dates_the_stage_and_the_action_show_overdue(app):
    coach, partnership = setup()
    client = app.test_client()
    login(client, coach)
    base = f"/partnerships/{partnership.id}"
    with time_machine.travel(dt.datetime(2026, 4, 2, 9, tzinfo=dt.UTC), tick=False):
        login(client, coach)
        created = client.post(base + "/cycles/new", data={"label": "2026-Q2"})
        cycle_id = location_id(created, "cycles")
        made = client.post(
            f"{base}/cycles/{cycle_id}/actions/new",
            data={
                "title": "Joint roadmap review",
                "due_on": "2026-04-30",
                "owner_user_id": coach.id,
            },
        )
        action_id = location_id(made, "actions")
        page = client.get(f"{base}/cycles/{cycle_id}").get_data(as_text=True)
        assert 'id="stage-overdue"' not in page and "Overdue" not in page
    # assess has 42 days from 1 April: 13 May is the last day; the action was due 30 April
    with time_machine.travel(dt.datetime(2026, 5, 14, 9, tzinfo=dt.UTC), tick=False):
        login(client, coach)
        cycle_page = text_of(client.get(f"{base}/cycles/{cycle_id}").get_data(as_text=True))
        assert "Target: by 2026-05-13" in cycle_page
        assert 'id="stage-overdue"' in client.get(f"{base}/cycles/{cycle_id}").get_data(
            as_text=True
        )
        action_page = text_of(client.get(f"{base}/actions/{action_id}").get_data(as_text=True))
        assert "Overdue" in action_page
        overdue_only = text_of(client.get(f"{base}/actions?overdue=1").get_data(as_text=True))
        assert "Joint roadmap review" in overdue_only
        overview = text_of(client.get(base).get_data(as_text=True))
        assert "Stage overdue" in overview and "1 overdue action" in overview


def test_the_playback_is_published_to_everyone_invited_and_read_from_their_own_link(app):
    coach, partnership = setup()
    client = app.test_client()
    login(client, coach)
    base = f"/partnerships/{partnership.id}"
    with time_machine.travel(Q2, tick=False):
        login(client, coach)
        cycle_id, survey_id = run_quarter(app, client, partnership, "2026-Q2", WIDE_EXECUTION_GAP)
    login(client, coach)
    # the links of the survey emails were sent before; take one from the invitation email
    # again by minting it the way the sender does
    from partnership.surveys.emails import mint_link
    from partnership.surveys.models import Invitation

    invitation = db.session.scalars(
        select(Invitation).where(Invitation.survey_id == survey_id).order_by(Invitation.id)
    ).first()
    old_link = f"/s/{mint_link(invitation.id)}"
    db.session.commit()
    pending = client.get(old_link + "/playback")
    assert pending.status_code == 200 and "Results not shared yet" in pending.get_data(as_text=True)
    answered = client.get(old_link).get_data(as_text=True)
    assert f'href="{old_link}/playback"' in answered

    cycle_url = f"{base}/cycles/{cycle_id}"
    refused = client.post(cycle_url + "/playback", data={"message": "Thanks"})
    assert refused.status_code == 400 and "Communicate first" in refused.get_data(as_text=True)
    client.post(cycle_url + "/stage", data={"to": "adapt"})
    for issue in db.session.scalars(select(Issue).where(Issue.cycle_id == cycle_id)):
        client.post(f"{base}/issues/{issue.id}/actions", data={"suggestion": "b-escalation-path"})
    assert client.post(cycle_url + "/stage", data={"to": "communicate"}).status_code == 302
    published = client.post(cycle_url + "/playback", data={"message": "Thank you for answering."})
    assert published.status_code == 302
    sent = [m for m in deliver(app) if "what we heard" in m.subject.lower()]
    assert len(sent) == 12
    fresh = sent[0]
    assert "/playback" in fresh.text
    # both the fresh link and the stakeholder's earlier link open it
    for link in (f"/s/{fresh.token}/playback", old_link + "/playback"):
        page = client.get(link)
        text = text_of(page.get_data(as_text=True))
        assert page.status_code == 200, link
        assert "What we heard, what we will do" in text and "Thank you for answering." in text
        assert "Execution alignment" in text and "An escalation path that works" in text
    assert client.get("/s/" + "x" * 43 + "/playback").status_code == 404


def test_lessons_are_searchable_and_shown_when_the_next_cycle_is_planned(app):
    coach, partnership = setup()
    client = app.test_client()
    login(client, coach)
    base = f"/partnerships/{partnership.id}"
    q2 = location_id(client.post(base + "/cycles/new", data={"label": "2026-Q2"}), "cycles")
    q3 = location_id(client.post(base + "/cycles/new", data={"label": "2026-Q3"}), "cycles")
    saved = client.post(
        f"{base}/cycles/{q2}/lessons/new",
        data={
            "what_happened": "Scope changed after the <b>hardware freeze</b>.",
            "what_failed": "Nobody owned the freeze date.",
            "dimension": "execution",
            "tags": "Roadmap, freeze",
        },
    )
    assert saved.status_code == 302
    found = client.get(f"{base}/lessons?q=freeze&tag=roadmap").get_data(as_text=True)
    assert "Scope changed after the &lt;b&gt;hardware freeze&lt;/b&gt;." in found
    assert "Nobody owned" not in client.get(f"{base}/lessons?q=nothing-like-it").get_data(
        as_text=True
    )
    planning = text_of(client.get(f"{base}/cycles/{q3}/surveys/new").get_data(as_text=True))
    assert (
        "Lessons of 2026-Q2, the cycle before" in planning
        and "Nobody owned the freeze date." in planning
    )
    bad = client.post(f"{base}/cycles/{q2}/lessons/new", data={"what_happened": " "})
    assert bad.status_code == 400 and "Say what happened." in bad.get_data(as_text=True)


def test_the_playbook_is_editable_per_partnership(app):
    coach, partnership = setup()
    other_coach, other = make_user(), None
    other = make_partnership(other_coach)
    client = app.test_client()
    login(client, coach)
    base = f"/partnerships/{partnership.id}"
    page = client.get(f"{base}/playbook").get_data(as_text=True)
    assert "Bi-weekly executive alignment" in page and "Built in" in page
    edited = client.post(
        f"{base}/playbook/edit?key=b-executive-alignment",
        data={"title": "Weekly executive alignment", "description": "Every Monday.", "due_days": 7},
    )
    assert edited.status_code == 302
    page = client.get(f"{base}/playbook").get_data(as_text=True)
    assert "Weekly executive alignment" in page and "Bi-weekly executive alignment" not in page
    # another partnership keeps the built-in
    other_client = app.test_client()
    login(other_client, other_coach)
    assert "Bi-weekly executive alignment" in other_client.get(
        f"/partnerships/{other.id}/playbook"
    ).get_data(as_text=True)
    client.post(f"{base}/playbook/restore", data={"key": "b-executive-alignment"})
    assert "Bi-weekly executive alignment" in client.get(f"{base}/playbook").get_data(as_text=True)
    client.post(f"{base}/playbook/visibility", data={"key": "b-joint-team", "hidden": "1"})
    assert "Hidden" in client.get(f"{base}/playbook").get_data(as_text=True)
    own = client.post(
        f"{base}/playbook/edit",
        data={
            "title": "Joint customer visits",
            "rules": ["GAP"],
            "dimensions": ["market"],
            "due_days": 30,
        },
    )
    assert own.status_code == 302
    assert "This partnership's own" in client.get(f"{base}/playbook").get_data(as_text=True)
    bad = client.post(f"{base}/playbook/edit", data={"title": "", "due_days": 0})
    assert bad.status_code == 400


def test_records_of_another_partnership_are_404_even_under_ones_own_partnership(app):
    from tests.builders.world import build_children
    from tests.routes import id_rules, rule_url

    owner, outsider = make_user(), make_user()
    target = make_partnership(owner, name="Target")
    own = make_partnership(outsider, name="Own")
    make_stakeholders(target, 1, 1)
    theirs = build_children(target)
    client = app.test_client()
    login(client, outsider)
    mixed = dict(theirs, partnership_id=own.id)  # own partnership, the other's records
    with app.test_request_context():
        urls = [
            (rule, rule_url(rule, mixed))
            for rule, ids in id_rules(app)
            if rule.endpoint.startswith(("governance.", "steering.")) and len(ids) > 1
        ]
    assert len(urls) >= 25
    for rule, url in urls:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            assert client.open(url, method=method, data={}).status_code == 404, (method, url)
