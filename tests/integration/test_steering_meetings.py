"""Meetings decide: the agenda is generated at creation in the documented order (escalations
past their deadline, red issues, overdue actions, amber issues, decisions requested; inside
each by trade-off priority, then severity) and frozen; the decisions register; who may do
what."""

from __future__ import annotations

import datetime as dt
import re

import time_machine

from partnership.governance import services
from partnership.steering import decisions as register
from partnership.steering import tradeoffs
from partnership.surveys.services import create_cycle
from tests.builders.basics import login, make_partnership, make_user, text_of
from tests.builders.governance import add_member

#: The meeting is planned now (sessions live in real time); the records are dated before it.
MEETING_AT = dt.datetime.now(dt.UTC)
OLD = MEETING_AT - dt.timedelta(days=20)  # past the first level's 10 days
RECENT = MEETING_AT - dt.timedelta(days=2)
ITEM = re.compile(
    r'<li id="item-\d+" class="agenda-item">.*?<h3>\s*(?:<a [^>]*>)?<bdi>(.*?)</bdi>', re.S
)


def _committee():  # type: ignore[no-untyped-def]
    coach = make_user(name="Rita Conceição")
    partnership = make_partnership(coach, name="Lumen × Müller")
    ana = make_user("steering", email="ana@lumen.example", name="Ana Lima")
    jurgen = make_user("steering", email="juergen@mueller.example", name="Jürgen Müller")
    for person in (ana, jurgen):
        add_member(partnership, person)
    return coach, partnership, ana, jurgen


def _agenda(client, url: str) -> list[str]:  # type: ignore[no-untyped-def]
    return ITEM.findall(client.get(url).get_data(as_text=True))


def _world(partnership, coach):  # type: ignore[no-untyped-def]
    """Issues, actions and requested decisions of every group, tagged so that the order
    inside each group is decided by the trade-offs first, then severity."""
    from partnership.steering.escalation import LevelData, save_level

    save_level(partnership, 1, LevelData("Working team", 10, []), coach)
    cycle = create_cycle(partnership, "2026-Q2")

    def issue(title, severity, when, *tags):  # type: ignore[no-untyped-def]
        with time_machine.travel(when, tick=False):
            raised = services.raise_issue(
                cycle, services.IssueData(title=title, severity=severity), coach
            )
        if tags:
            tradeoffs.tag_issue(raised, list(tags), coach)
        return raised

    def action(title, due, of=None):  # type: ignore[no-untyped-def]
        return services.create_action(
            cycle, services.ActionData(title, due_on=due), coach, issue=of
        )

    issue("E1 margin red, days ran out", "red", OLD, "margin")
    issue("E2 service amber, days ran out", "amber", OLD, "critical-service")
    issue("E3 service red, days ran out", "red", OLD, "critical-service")
    issue("R1 efficiency red", "red", RECENT, "efficiency")
    r2 = issue("R2 service red", "red", RECENT, "critical-service")
    issue("R3 untagged red", "red", RECENT)
    a1 = issue("A1 margin amber", "amber", RECENT, "margin")
    issue("A2 untagged amber", "amber", RECENT)
    issue("A3 service amber", "amber", RECENT, "critical-service")
    done = issue("Resolved: not on the agenda", "red", RECENT)
    services.set_issue_status(done, "resolved", "Fixed", coach)
    due = MEETING_AT.date()
    action("X1 for R2", due - dt.timedelta(days=5), r2)
    action("X2 without an issue", due - dt.timedelta(days=10))
    action("X3 for A1", due - dt.timedelta(days=3), a1)
    action("Not yet due", due + dt.timedelta(days=3), r2)
    requested = register.DecisionData
    register.save_decision(
        partnership,
        requested("Q1 efficiency question", "requested", trade_offs=["efficiency"]),
        coach,
    )
    register.save_decision(
        partnership, requested("Q2 about R2", "requested", issue_ids=[r2.id]), coach
    )
    register.save_decision(
        partnership, requested("Q3 margin question", "requested", trade_offs=["margin"]), coach
    )
    return cycle, r2


EXPECTED = [
    "E3 service red, days ran out",
    "E2 service amber, days ran out",
    "E1 margin red, days ran out",
    "R2 service red",
    "R1 efficiency red",
    "R3 untagged red",
    "X1 for R2",
    "X3 for A1",
    "X2 without an issue",
    "A3 service amber",
    "A1 margin amber",
    "A2 untagged amber",
    "Q2 about R2",
    "Q3 margin question",
    "Q1 efficiency question",
]


def test_the_generated_agenda_lists_the_exceptions_in_the_documented_order_and_stays_frozen(app):
    coach, partnership, ana, jurgen = _committee()
    cycle, _r2 = _world(partnership, coach)
    client = app.test_client()
    login(client, coach)
    base = f"/partnerships/{partnership.id}"
    created = client.post(
        base + "/meetings/new",
        data={
            "title": "Q2 steering committee",
            "held_on": MEETING_AT.date().isoformat(),
            "people_a": [str(ana.id)],
            "people_b": [str(jurgen.id)],
        },
    )
    assert created.status_code == 302, created.get_data(as_text=True)[:600]
    url = created.headers["Location"]
    assert _agenda(client, url) == EXPECTED

    # frozen: a new red issue waits for the next meeting
    services.raise_issue(cycle, services.IssueData(title="Raised after the agenda"), coach)
    assert _agenda(client, url) == EXPECTED
    page = text_of(client.get(url).get_data(as_text=True))
    assert "Ana Lima (Alpha Software), Jürgen Müller (Beta Hardware)" in page
    assert "0 decisions made, 0 of 15 agenda items discussed." in page


def test_coaches_add_and_reorder_steering_members_comment_and_decide(app):
    coach, partnership, ana, jurgen = _committee()
    cycle = create_cycle(partnership, "2026-Q2")
    red = services.raise_issue(cycle, services.IssueData(title="Margin erodes"), coach)
    client = app.test_client()
    login(client, coach)
    base = f"/partnerships/{partnership.id}"
    url = client.post(
        base + "/meetings/new", data={"title": "Steering", "held_on": "2026-06-20"}
    ).headers["Location"]
    added = client.post(url + "/items", data={"title": "Roadmap for 2027", "detail": ""})
    assert added.status_code == 302
    assert _agenda(client, url) == ["Margin erodes", "Roadmap for 2027"]
    item_id = int(added.headers["Location"].split("#item-")[1])
    assert client.post(f"{base}/agenda/{item_id}/move", data={"direction": "up"}).status_code == 302
    assert _agenda(client, url) == ["Roadmap for 2027", "Margin erodes"]
    refused = client.post(url + "/items", data={"title": ""})
    assert refused.status_code == 400 and "Name the item." in refused.get_data(as_text=True)
    assert len(_agenda(client, url)) == 2

    steering = app.test_client()
    login(steering, ana)
    assert (
        steering.post(f"{base}/agenda/{item_id}/move", data={"direction": "down"}).status_code
        == 403
    )
    assert steering.post(url + "/items", data={"title": "Mine"}).status_code == 403
    commented = steering.post(
        f"{base}/agenda/{item_id}/comments", data={"body": "Needs both CTOs."}
    )
    assert commented.status_code == 302
    assert "Ana Lima" in text_of(steering.get(url).get_data(as_text=True))
    assert "Needs both CTOs." in steering.get(url).get_data(as_text=True)

    # a decision needs people of both organizations; then it resolves the issue
    meeting_id = int(url.rstrip("/").split("/")[-1])
    decision = {
        "status": "made",
        "title": "Hold prices; cut the premium tier",
        "rationale": "Critical service first.",
        "options": "Raise prices\nCut the premium tier",
        "people_a": [str(ana.id)],
        "meeting_id": str(meeting_id),
        "issue_ids": [str(red.id)],
        "resolves": [str(red.id)],
        "trade_offs": ["margin"],
    }
    one_side = steering.post(base + "/decisions/new", data=decision)
    assert one_side.status_code == 400
    assert "choose at least one person of both" in one_side.get_data(as_text=True)
    made = steering.post(base + "/decisions/new", data={**decision, "people_b": [str(jurgen.id)]})
    assert made.status_code == 302
    shown = text_of(steering.get(made.headers["Location"]).get_data(as_text=True))
    assert "Ana Lima (Alpha Software), Jürgen Müller (Beta Hardware)" in shown
    assert "Cut the premium tier" in shown and "resolved by this decision" in shown
    issue_page = text_of(client.get(f"{base}/issues/{red.id}").get_data(as_text=True))
    assert "Resolved" in issue_page and "Hold prices; cut the premium tier</a> (made)" in issue_page

    for item in (item_id,):
        client.post(f"{base}/agenda/{item}/discussed", data={"discussed": "1"})
    assert "1 decision made, 1 of 2 agenda items discussed." in text_of(
        client.get(url).get_data(as_text=True)
    )
    listing = text_of(client.get(base + "/meetings").get_data(as_text=True))
    assert re.search(r"Steering</a></th>\s*<td>2</td>\s*<td>1</td>\s*<td>1</td>", listing)
    register_page = text_of(steering.get(base + "/decisions").get_data(as_text=True))
    assert "Hold prices; cut the premium tier" in register_page and "Margin" in register_page
