"""Escalation paths: an issue climbs one level when its days run out (once, by the command,
the scheduler or by hand), each move recorded and emailed to the people of the level reached;
trade-off priorities and the tags of issues."""

from __future__ import annotations

import datetime as dt

import time_machine
from sqlalchemy import func, select

from partnership.extensions import db
from partnership.governance import services
from partnership.governance.models import GovernanceEvent
from partnership.outbox.models import OutboxMessage
from tests.builders.basics import login, make_partnership, make_user, text_of
from tests.builders.governance import add_member

RAISED_AT = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


def _committee():  # type: ignore[no-untyped-def]
    coach = make_user(name="Rita Conceição")
    partnership = make_partnership(coach, name="Lumen × Müller")
    ana = make_user("steering", email="ana@lumen.example", name="Ana Lima")
    jurgen = make_user("steering", email="juergen@mueller.example", name="Jürgen Müller")
    for person in (ana, jurgen):
        add_member(partnership, person)
    return coach, partnership, ana, jurgen


def _set_level(client, partnership, level: int, name: str, days: int, a=(), b=()):  # type: ignore[no-untyped-def]
    response = client.post(
        f"/partnerships/{partnership.id}/escalation/levels/{level}",
        data={"name": name, "days_allowed": str(days), "people_a": list(a), "people_b": list(b)},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:800]


def _raise(partnership, coach, title="Roadmap slips every sprint"):  # type: ignore[no-untyped-def]
    cycle = services.list_cycles(partnership)[0] if services.list_cycles(partnership) else None
    if cycle is None:
        from partnership.surveys.services import create_cycle

        cycle = create_cycle(partnership, "2026-Q2")
    with time_machine.travel(RAISED_AT, tick=False):
        return services.raise_issue(cycle, services.IssueData(title=title), coach)


def test_an_issue_allowed_one_day_moves_up_once_and_each_person_of_the_level_gets_one_email(
    app, runner, smtp_server
):
    coach, partnership, ana, jurgen = _committee()
    client = app.test_client()
    login(client, coach)
    _set_level(client, partnership, 1, "Working team", 1)
    _set_level(client, partnership, 2, "Alliance managers", 5, a=[ana.id], b=[jurgen.id])
    issue = _raise(partnership, coach)
    two_days_later = (RAISED_AT + dt.timedelta(days=2)).isoformat()

    first = runner.invoke(args=["governance", "escalate-overdue", "--now", two_days_later])
    assert first.exit_code == 0, first.output
    assert "1 issues escalated; 2 emails queued." in first.output
    again = runner.invoke(args=["governance", "escalate-overdue", "--now", two_days_later])
    assert "0 issues escalated; 0 emails queued." in again.output
    # the scheduler's pass runs the same job, finds nothing more, and delivers the emails
    tick = runner.invoke(args=["jobs", "tick", "--now", two_days_later])
    assert "escalate_issues: escalated 0 issues, 0 emails queued" in tick.output, tick.output

    messages = smtp_server.wait_for(2)
    assert sorted(m["To"] for m in messages) == [ana.email, jurgen.email]
    for m in messages:
        assert m["Subject"] == (
            "Lumen × Müller: escalated to Alliance managers: Roadmap slips every sprint"
        )
        body = m.get_body(preferencelist=("plain",)).get_content()
        assert "Alliance managers has 5 days to handle it (until" in body
        assert f"/partnerships/{partnership.id}/issues/{issue.id}" in body
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 2

    moves = db.session.scalars(
        select(GovernanceEvent).where(
            GovernanceEvent.issue_id == issue.id, GovernanceEvent.kind == "escalated"
        )
    ).all()
    assert [(m.changes, m.body) for m in moves] == [
        (
            {"escalation level": ["Working team", "Alliance managers"]},
            "Its 1 days at Working team ran out.",
        )
    ]
    page = text_of(
        client.get(f"/partnerships/{partnership.id}/issues/{issue.id}").get_data(as_text=True)
    )
    assert "2 of 4: Alliance managers" in page and "Past its deadline" in page
    assert "Ana Lima, Jürgen Müller" in page


def test_escalating_by_hand_is_for_coaches_and_the_people_of_the_level(app):
    coach, partnership, ana, jurgen = _committee()
    client = app.test_client()
    login(client, coach)
    _set_level(client, partnership, 1, "Working team", 7, a=[ana.id])
    issue = _raise(partnership, coach)
    url = f"/partnerships/{partnership.id}/issues/{issue.id}/escalate"

    outsider = app.test_client()
    login(outsider, jurgen)  # a steering member, not of this level
    assert outsider.post(url, data={"note": "now"}).status_code == 403
    member = app.test_client()
    login(member, ana)
    page = member.get(f"/partnerships/{partnership.id}/issues/{issue.id}").get_data(as_text=True)
    assert "Escalate to <bdi>Alliance managers</bdi>" in page
    response = member.post(url, data={"note": "Blocked on the other side."})
    assert response.status_code == 302
    shown = text_of(member.get(response.headers["Location"]).get_data(as_text=True))
    assert "Escalated to Alliance managers." in shown and "2 of 4: Alliance managers" in shown
    assert "Escalated by hand. Blocked on the other side." in shown
    # the level has nobody named: no email; Ana is no longer at its level
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
    assert member.post(url, data={}).status_code == 403

    # coaches move it on to the top, and no further
    for _ in range(2):
        assert client.post(url, data={}).status_code == 302
    top = client.post(url, data={}, follow_redirects=True).get_data(as_text=True)
    assert "The issue is at the top of its path (Executive sponsors)." in text_of(top)


def test_the_path_refuses_bad_input_and_changes_nothing(app):
    coach, partnership, ana, _ = _committee()
    stranger = make_user(name="Not a member")
    client = app.test_client()
    login(client, coach)
    url = f"/partnerships/{partnership.id}/escalation/levels/1"
    bad_days = client.post(url, data={"name": "Working team", "days_allowed": "0"})
    assert bad_days.status_code == 400 and "Between 1 and 365 days." in bad_days.get_data(
        as_text=True
    )
    not_member = client.post(
        url, data={"name": "Working team", "days_allowed": "3", "people_a": [str(stranger.id)]}
    )
    assert not_member.status_code == 400
    page = text_of(client.get(f"/partnerships/{partnership.id}/escalation").get_data(as_text=True))
    assert "Working team" in page and "Executive sponsors" in page
    assert "Nobody named yet: no email" in page and "Not a member" not in page
    # a steering member reads the path but may not change it
    steering = app.test_client()
    login(steering, ana)
    assert steering.get(f"/partnerships/{partnership.id}/escalation").status_code == 200
    assert steering.post(url, data={"name": "X", "days_allowed": "3"}).status_code == 403


def test_trade_off_priorities_default_to_the_seed_order_and_tag_issues(app):
    coach, partnership, ana, _ = _committee()
    client = app.test_client()
    login(client, coach)
    base = f"/partnerships/{partnership.id}"
    page = text_of(client.get(base + "/escalation").get_data(as_text=True))
    assert page.index("Critical service") < page.index("Margin") < page.index("Efficiency")
    refused = client.post(base + "/trade-offs", data={"names": "Margin\nmargin"})
    assert refused.status_code == 400
    assert "Each trade-off needs a different name." in refused.get_data(as_text=True)
    saved = client.post(base + "/trade-offs", data={"names": "Margin\nCritical service\n\nSpeed"})
    assert saved.status_code == 302
    page = text_of(client.get(base + "/escalation").get_data(as_text=True))
    assert page.index("Margin") < page.index("Critical service") < page.index("Speed")

    issue = _raise(partnership, coach)
    tagged = client.post(
        f"{base}/issues/{issue.id}/trade-offs", data={"trade_offs": ["speed", "margin"]}
    )
    assert tagged.status_code == 302
    shown = text_of(client.get(f"{base}/issues/{issue.id}").get_data(as_text=True))
    assert "Margin, Speed" in shown and "Trades off: – → Margin, Speed" in shown
    unknown = client.post(f"{base}/issues/{issue.id}/trade-offs", data={"trade_offs": ["luck"]})
    assert unknown.status_code == 400
    steering = app.test_client()
    login(steering, ana)
    assert steering.post(f"{base}/issues/{issue.id}/trade-offs", data={}).status_code == 403
