"""The stakeholder list acts on many at once (issue 19, item 7): ticked stakeholders are
activated or deactivated together, and people added while a survey is open are invited to it
in one action."""

from __future__ import annotations

from sqlalchemy import select

from partnership.extensions import db
from partnership.outbox.models import OutboxMessage
from partnership.partnerships.models import Stakeholder
from partnership.surveys.models import Invitation
from tests.builders.basics import login, make_partnership, make_stakeholders, make_user
from tests.builders.surveys import count, make_instrument, make_survey, survey_url
from tests.readers import visible_text


def test_ticked_stakeholders_are_deactivated_and_activated_together(client):
    coach = make_user()
    partnership = make_partnership(coach)
    people = make_stakeholders(partnership, 3, 2)
    stranger = make_stakeholders(make_partnership(), 1, 0)[0]
    login(client, coach)
    url = f"/partnerships/{partnership.id}/stakeholders"
    page = client.get(url).get_data(as_text=True)
    assert 'form="bulk"' in page and ">Deactivate the ticked</button>" in page

    picked = [str(people[0].id), str(people[3].id), str(stranger.id)]
    done = client.post(url + "/bulk", data={"ids": picked, "active": "0"}, follow_redirects=True)
    assert "2 stakeholders deactivated." in done.get_data(as_text=True)
    db.session.expire_all()
    assert [p.is_active for p in people] == [False, True, True, False, True]
    assert db.session.get(Stakeholder, stranger.id).is_active  # another partnership's: untouched

    done = client.post(url + "/bulk", data={"ids": picked, "active": "1"}, follow_redirects=True)
    assert "2 stakeholders activated." in done.get_data(as_text=True)
    nothing = client.post(url + "/bulk", data={"active": "0"}, follow_redirects=True)
    assert "Tick the stakeholders to change first." in nothing.get_data(as_text=True)


def test_people_added_while_a_survey_is_open_are_invited_in_one_action(client):
    coach = make_user()
    partnership = make_partnership(coach)
    make_stakeholders(partnership, 2, 2)
    survey = make_survey(partnership, make_instrument(partnership))
    login(client, coach)
    client.post(survey_url(survey, "open"))
    assert count(Invitation) == 4
    assert "not invited yet" not in client.get(survey_url(survey)).get_data(as_text=True)

    late = make_stakeholders(partnership, 1, 1)
    page = visible_text(client.get(survey_url(survey)).get_data(as_text=True))
    assert "2 stakeholders not invited yet" in page and late[0].name in page
    listing = visible_text(
        client.get(f"/partnerships/{partnership.id}/stakeholders").get_data(as_text=True)
    )
    assert "2 active stakeholders matching the open survey" in listing and "Invite 2 now" in listing

    emails_before = count(OutboxMessage)
    done = client.post(survey_url(survey, "invite-newcomers"), follow_redirects=True)
    assert "2 invitations queued for sending." in done.get_data(as_text=True)
    invited = set(db.session.scalars(select(Invitation.stakeholder_id)))
    assert {p.id for p in late} <= invited and count(Invitation) == 6
    assert count(OutboxMessage) == emails_before + 2
    assert "not invited yet" not in done.get_data(as_text=True)

    again = client.post(survey_url(survey, "invite-newcomers"))
    assert again.status_code == 400 and "invited already" in again.get_data(as_text=True)
    assert count(Invitation) == 6
