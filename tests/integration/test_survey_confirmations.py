"""Opening and closing a survey ask first, with the consequences (issue 19, item 4): the
survey page only links to a confirmation page, which works without JavaScript (a plain form
posting to the action) and says what will happen; nothing changes until it is confirmed."""

from __future__ import annotations

import datetime as dt

import time_machine
from sqlalchemy import select

from partnership.extensions import db
from partnership.kpis.services import KpiData, create_kpi
from partnership.outbox.models import OutboxMessage
from partnership.results.services import current_snapshot
from partnership.surveys.models import Invitation
from tests.builders.basics import (
    login,
    make_partnership,
    make_stakeholders,
    make_user,
    steering_membership,
)
from tests.builders.surveys import answer, count, make_instrument, make_survey, survey_url
from tests.readers import visible_text

NOW = dt.datetime(2030, 5, 24, 15, 0, tzinfo=dt.UTC)  # three weeks before the planned close


def _form_action(html: str, label: str) -> str:
    """The action of the form whose submit button reads `label`."""
    end = html.index(label)
    start = html.rindex("<form", 0, end)
    tag = html[start : html.index(">", start)]
    return tag.split('action="', 1)[1].split('"', 1)[0]


def test_open_and_close_ask_first_and_say_what_will_happen(client):
    coach = make_user()
    partnership = make_partnership(coach, name="Nordlicht × São Paulo")
    make_stakeholders(partnership, 26, 24)
    for name in ("On-time delivery", "Joint pipeline"):
        create_kpi(partnership, KpiData(name=name, scope="shared", direction="higher", target=90))
    survey = make_survey(partnership, make_instrument(partnership))  # closes 2030-06-14 17:00
    with time_machine.travel(NOW, tick=False):
        login(client, coach)
        page = client.get(survey_url(survey)).get_data(as_text=True)
        assert f'href="{survey_url(survey, "open")}">Open now…' in page
        assert "Close survey" not in page

        ask = client.get(survey_url(survey, "open"))
        assert ask.status_code == 200
        text = visible_text(ask.get_data(as_text=True))
        assert "Open now? 50 invitations" in text
        assert "26 of Alpha Software, 24 of Beta Hardware" in text
        assert count(Invitation) == 0 and count(OutboxMessage) == 0  # asking changes nothing
        action = _form_action(ask.get_data(as_text=True), "Open now and send 50 invitations")
        assert action == survey_url(survey, "open")
        assert client.post(action).status_code == 302
        assert count(Invitation) == 50

        for invitation in db.session.scalars(select(Invitation).limit(21)):
            answer(invitation)
        page = client.get(survey_url(survey)).get_data(as_text=True)
        assert f'href="{survey_url(survey, "close")}">Close survey…' in page

        ask = client.get(survey_url(survey, "close"))
        html = ask.get_data(as_text=True)
        assert ask.status_code == 200
        assert (
            "Close now? 21 of 50 answered, 3 weeks early, 2 KPIs not recorded, results freeze"
            in visible_text(html)
        )
        assert "On-time delivery" in html and "Joint pipeline" in html
        db.session.expire_all()
        assert survey.state == "open"  # asking changes nothing
        assert _form_action(html, "Close the survey now") == survey_url(survey, "close")
        closed = client.post(survey_url(survey, "close"))
        assert closed.status_code == 302
        db.session.expire_all()
        assert survey.state == "closed" and current_snapshot(survey) is not None

        # after the close: no confirmation to give, and the pages lead to the results
        again = client.get(survey_url(survey, "close"), follow_redirects=True)
        assert "there is nothing to close" in again.get_data(as_text=True)
        results = f"/partnerships/{partnership.id}/surveys/{survey.id}/results"
        assert f'href="{results}">See the results' in client.get(survey_url(survey)).get_data(
            as_text=True
        )
        cycle_page = client.get(f"/partnerships/{partnership.id}/cycles/{survey.cycle_id}")
        assert f'href="{results}">Results' in cycle_page.get_data(as_text=True)


def test_the_open_confirmation_says_why_it_cannot_open(client):
    coach = make_user()
    login(client, coach)
    partnership = make_partnership(coach)
    survey = make_survey(partnership, make_instrument(partnership))
    html = client.get(survey_url(survey, "open")).get_data(as_text=True)
    assert "No active stakeholder matches" in html and "Open now and send" not in html


def test_steering_members_get_no_confirmation_page(client):
    coach = make_user()
    partnership = make_partnership(coach)
    make_stakeholders(partnership, 2, 2)
    survey = make_survey(partnership, make_instrument(partnership))
    steering = make_user()
    db.session.add(steering_membership(partnership, steering))
    db.session.commit()
    login(client, steering)
    assert client.get(survey_url(survey, "open")).status_code == 403
