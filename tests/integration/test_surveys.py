"""Cycles and surveys as the coach runs them: planning, opening with invitations, closing,
reminders, participation with privacy folding, the CLI."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from sqlalchemy import func, select

from partnership.accounts.models import User
from partnership.extensions import db
from partnership.instruments.models import InstrumentVersion
from partnership.outbox.models import OutboxMessage
from partnership.partnerships.models import Partnership
from partnership.results import services as results_services
from partnership.results.services import current_snapshot
from partnership.surveys import services
from partnership.surveys.models import (
    Cycle,
    Invitation,
    InvitationToken,
    Survey,
    hash_token,
)
from tests.builders.basics import (
    login,
    make_partnership,
    make_stakeholders,
    make_user,
    steering_membership,
    text_of,
)
from tests.builders.surveys import (
    BASE,
    add_stakeholder,
    answer,
    count,
    make_instrument,
    make_survey,
    outbox,
    survey_url,
)
from tests.mail import deliver

# --- helpers ------------------------------------------------------------------------------


@pytest.fixture
def coach(client) -> User:
    user = make_user(name="Clara Coach")
    login(client, user)
    return user


@pytest.fixture
def partnership(coach: User) -> Partnership:
    return make_partnership(coach, name="Nordlicht × São Paulo", min_group=5)


# --- cycles -------------------------------------------------------------------------------


def test_quarter_label_follows_the_partnership_time_zone(app):
    new_year_in_auckland = dt.datetime(2026, 12, 31, 12, 0, tzinfo=dt.UTC)
    auckland = make_partnership(timezone="Pacific/Auckland")
    los_angeles = make_partnership(timezone="America/Los_Angeles")
    assert services.quarter_label(auckland, new_year_in_auckland) == "2027-Q1"
    assert services.quarter_label(los_angeles, new_year_in_auckland) == "2026-Q4"


def test_coach_creates_cycles_with_default_and_custom_labels(client, partnership):
    quarter = services.quarter_label(partnership)
    page = client.get(f"/partnerships/{partnership.id}/cycles")
    assert page.status_code == 200
    assert f'value="{quarter}"' in page.get_data(as_text=True)

    created = client.post(f"/partnerships/{partnership.id}/cycles/new", data={"label": ""})
    assert created.status_code == 302
    cycle = db.session.scalar(select(Cycle))
    assert cycle.label == quarter
    assert client.get(created.headers["Location"]).status_code == 200

    again = client.post(f"/partnerships/{partnership.id}/cycles/new", data={"label": quarter})
    assert again.status_code == 400
    assert "already has a cycle labelled" in again.get_data(as_text=True)
    too_long = client.post(f"/partnerships/{partnership.id}/cycles/new", data={"label": "x" * 41})
    assert too_long.status_code == 400
    assert count(Cycle) == 1

    custom = client.post(
        f"/partnerships/{partnership.id}/cycles/new", data={"label": "  Kick-off   audit "}
    )
    assert custom.status_code == 302
    listing = client.get(f"/partnerships/{partnership.id}/cycles").get_data(as_text=True)
    assert "Kick-off audit" in listing and quarter in listing


# --- planning surveys ---------------------------------------------------------------------


def test_survey_is_planned_in_the_partnership_time_zone(client, partnership):
    instrument = make_instrument(partnership)
    cycle = services.create_cycle(partnership, "2030-Q2")
    response = client.post(
        f"/partnerships/{partnership.id}/cycles/{cycle.id}/surveys/new",
        data={
            "instrument_id": instrument.id,
            "opens_at": "2030-06-01T09:00",
            "closes_at": "2030-06-14T17:00",
            "target_functions": ["operations", "procurement"],
            "target_levels": ["manager"],
        },
    )
    assert response.status_code == 302
    survey = db.session.scalar(select(Survey))
    # Berlin is UTC+2 in June.
    assert survey.opens_at == dt.datetime(2030, 6, 1, 7, 0, tzinfo=dt.UTC)
    assert survey.closes_at == dt.datetime(2030, 6, 14, 15, 0, tzinfo=dt.UTC)
    assert survey.state == "scheduled"
    assert survey.target_functions == ["operations", "procurement"]
    assert survey.target_levels == ["manager"]
    assert survey.instrument_version_id == instrument.latest.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Friday 14 June 2030, 17:00 (Europe/Berlin)" in page
    assert "scheduled" in page

    form = client.get(survey_url(survey, "edit")).get_data(as_text=True)
    assert 'value="2030-06-14T17:00"' in form and "(Europe/Berlin)" in form
    edited = client.post(
        survey_url(survey, "edit"),
        data={"instrument_id": instrument.id, "closes_at": "2030-06-20T12:00"},
    )
    assert edited.status_code == 302
    db.session.expire_all()
    assert survey.state == "draft" and survey.opens_at is None
    assert survey.target_functions == [] and survey.target_levels == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"instrument_id": "0"}, "Choose an instrument."),
        (
            {"opens_at": "2030-06-14T09:00", "closes_at": "2030-06-01T09:00"},
            "The survey must close after it opens.",
        ),
        ({"closes_at": "next friday"}, "Not a valid datetime value."),
        ({"closes_at": "2020-01-01T09:00"}, "This closing time has already passed."),
        ({"opens_at": "2030-03-31T02:30"}, "does not exist in Europe/Berlin"),
        ({"target_functions": ["astrology"]}, "not a valid choice"),
        ({"target_levels": ["intern"]}, "not a valid choice"),
    ],
)
def test_bad_survey_forms_rerender_with_a_message_and_store_nothing(
    client, partnership, data, message
):
    instrument = make_instrument(partnership)
    cycle = services.create_cycle(partnership, "2030-Q2")
    response = client.post(
        f"/partnerships/{partnership.id}/cycles/{cycle.id}/surveys/new",
        data={"instrument_id": instrument.id, **data},
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(Survey) == 0


def test_one_survey_per_instrument_in_a_cycle_and_foreign_instruments_refused(
    client, partnership, coach
):
    instrument = make_instrument(partnership)
    survey = make_survey(partnership, instrument)
    other = make_partnership(coach, name="Other partnership")
    foreign = make_instrument(other, name="Their own pulse")
    url = f"/partnerships/{partnership.id}/cycles/{survey.cycle_id}/surveys/new"
    twice = client.post(url, data={"instrument_id": instrument.id})
    assert twice.status_code == 400
    assert "already has a survey with “Quarterly pulse”" in twice.get_data(as_text=True)
    stolen = client.post(url, data={"instrument_id": foreign.id})
    assert stolen.status_code == 400
    assert count(Survey) == 1


# --- opening ------------------------------------------------------------------------------


def test_open_invites_each_matching_active_stakeholder_once_with_hashed_tokens(client, partnership):
    instrument = make_instrument(partnership)
    targeted = [
        add_stakeholder(partnership, 1, name="Jürgen Müller", email="jm@a.example"),
        add_stakeholder(partnership, 1, name="Ana", email="ana@a.example"),
        add_stakeholder(
            partnership, 2, name="João", email="joao@b.example", function="procurement"
        ),
    ]
    add_stakeholder(partnership, 1, name="Gone", email="gone@a.example", active=False)
    add_stakeholder(partnership, 2, name="Seller", email="sell@b.example", function="sales")
    survey = make_survey(partnership, instrument, functions=["operations", "procurement"])
    page = client.get(survey_url(survey)).get_data(as_text=True)
    assert "3 active stakeholders" in page

    response = client.post(survey_url(survey, "open"))
    assert response.status_code == 302
    db.session.expire_all()
    assert survey.state == "open" and survey.opened_at is not None
    assert db.session.get(InstrumentVersion, survey.instrument_version_id).is_locked
    invitations = list(db.session.scalars(select(Invitation).order_by(Invitation.stakeholder_id)))
    assert [i.stakeholder_id for i in invitations] == [s.id for s in targeted]
    assert [(i.organization_id, i.function, i.level) for i in invitations] == [
        (s.organization_id, s.function, s.level) for s in targeted
    ]
    rows = outbox(f"invite:{survey.id}:")
    assert sorted(m.to_address for m in rows) == sorted(s.email for s in targeted)
    # No link exists before the sender delivers the emails.
    assert count(InvitationToken) == 0
    mails = deliver(client.application)
    assert sorted(m.to for m in mails) == sorted(s.email for s in targeted)
    hashes = {(t.token_hash, t.invitation_id) for t in db.session.scalars(select(InvitationToken))}
    by_email = {s.email: i for s, i in zip(targeted, invitations, strict=True)}
    for mail in mails:
        token = mail.token
        assert (hash_token(token), by_email[mail.to].id) in hashes
        assert f"{BASE}/s/{token}" in mail.text and f'href="{BASE}/s/{token}"' in mail.html

    opened = client.get(survey_url(survey)).get_data(as_text=True)
    assert "Participation" in opened and "Send reminders" in opened
    # Opening again does nothing more.
    assert client.post(survey_url(survey, "open")).status_code == 400
    assert count(Invitation) == 3 and len(outbox("invite:")) == 3


def test_second_open_survey_of_the_same_instrument_is_refused(client, partnership):
    instrument = make_instrument(partnership)
    make_stakeholders(partnership, 2, 2)
    first = make_survey(partnership, instrument, label="2030-Q2")
    second = make_survey(partnership, instrument, label="2030-Q3")
    assert client.post(survey_url(first, "open")).status_code == 302
    refused = client.post(survey_url(second, "open"))
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "Another survey with “Quarterly pulse” is open in cycle 2030-Q2" in text
    db.session.expire_all()
    assert second.state == "draft"
    assert (
        db.session.scalar(
            select(func.count()).select_from(Invitation).where(Invitation.survey_id == second.id)
        )
        == 0
    )
    assert outbox(f"invite:{second.id}:") == []


def test_the_database_index_backs_the_one_open_rule(app, partnership, monkeypatch):
    instrument = make_instrument(partnership)
    make_stakeholders(partnership, 2, 2)
    first = make_survey(partnership, instrument, label="2030-Q2")
    second = make_survey(partnership, instrument, label="2030-Q3")
    services.open_survey(first, base_url=BASE)
    # As if the two were opened at the same moment: the check in Python sees nothing open.
    monkeypatch.setattr(services, "_open_of_lineage", lambda survey: None)
    with pytest.raises(services.SurveyError, match="only one survey per instrument"):
        services.open_survey(second, base_url=BASE)
    db.session.expire_all()
    assert second.state == "draft"
    assert outbox(f"invite:{second.id}:") == []
    assert count(Invitation) == 4


def test_open_is_refused_when_nobody_matches(client, partnership):
    instrument = make_instrument(partnership)
    make_stakeholders(partnership, 3, 3, level="individual")
    survey = make_survey(partnership, instrument, levels=["executive"])
    refused = client.post(survey_url(survey, "open"))
    assert refused.status_code == 400
    assert "No active stakeholder matches" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert survey.state == "draft" and count(Invitation) == 0 and count(OutboxMessage) == 0


# --- closing ------------------------------------------------------------------------------


def test_close_freezes_the_snapshot_with_the_close_and_cannot_reopen(client, partnership):
    instrument = make_instrument(partnership)
    make_stakeholders(partnership, 2, 2)
    survey = make_survey(partnership, instrument)
    client.post(survey_url(survey, "open"))

    response = client.post(survey_url(survey, "close"))
    assert response.status_code == 302
    db.session.expire_all()
    assert survey.state == "closed" and survey.closed_at is not None
    snapshot = current_snapshot(survey)
    assert snapshot is not None and (snapshot.version, snapshot.reason) == (1, "close")

    reopened = client.post(survey_url(survey, "open"))
    assert reopened.status_code == 400
    assert "cannot be reopened" in reopened.get_data(as_text=True)
    assert client.post(survey_url(survey, "close")).status_code == 400
    assert client.get(survey_url(survey, "edit")).status_code == 302
    db.session.expire_all()
    assert survey.state == "closed"


def test_a_failing_freeze_leaves_the_survey_open(app, partnership, monkeypatch):
    instrument = make_instrument(partnership)
    make_stakeholders(partnership, 1, 1)
    survey = make_survey(partnership, instrument)
    services.open_survey(survey, base_url=BASE)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("snapshot failed")

    monkeypatch.setattr(results_services, "freeze_snapshot", broken)
    with pytest.raises(RuntimeError):
        results_services.close_survey(survey)
    db.session.expire_all()
    assert survey.state == "open" and survey.closed_at is None
    assert current_snapshot(survey) is None


# --- reminders ----------------------------------------------------------------------------


def test_reminders_reach_only_non_responders_who_did_not_opt_out_and_every_link_works(
    client, partnership
):
    instrument = make_instrument(partnership)
    waiting = add_stakeholder(partnership, 1, name="Jürgen Müller", email="jm@a.example")
    responded = add_stakeholder(partnership, 1, name="Done", email="done@a.example")
    add_stakeholder(partnership, 2, name="Quiet", email="quiet@b.example", opted_out=True)
    survey = make_survey(partnership, instrument)
    client.post(survey_url(survey, "open"))
    first_mail = next(m for m in deliver(client.application) if m.to == waiting.email)
    invitations = {i.stakeholder_id: i for i in db.session.scalars(select(Invitation))}
    answer(invitations[responded.id])

    response = client.post(survey_url(survey, "remind"))
    assert response.status_code == 302
    assert "1 reminder queued" in client.get(response.headers["Location"]).get_data(as_text=True)
    reminders = outbox(f"remind:{survey.id}:")
    assert [(m.to_address, m.idempotency_key) for m in reminders] == [
        (waiting.email, f"remind:{survey.id}:{invitations[waiting.id].id}:1")
    ]
    [reminder] = deliver(client.application)
    assert reminder.token != first_mail.token
    assert f"{BASE}/s/{reminder.token}/opt-out" in reminder.text
    client.post(survey_url(survey, "remind"))
    [second] = deliver(client.application)
    assert [m.idempotency_key for m in outbox(f"remind:{survey.id}:")][-1].endswith(":2")
    db.session.expire_all()
    assert survey.reminder_rounds == 2 and survey.reminders_sent == 2
    assert survey.last_reminded_at is not None
    page = client.get(survey_url(survey)).get_data(as_text=True)
    assert "Reminders sent</dt><dd>2, last on" in page
    # Every link the stakeholder received opens the form, the first one included.
    for mail in (first_mail, reminder, second):
        assert client.get(f"/s/{mail.token}").status_code == 200
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(InvitationToken)
            .where(InvitationToken.invitation_id == invitations[waiting.id].id)
        )
        == 3
    )


def test_reminders_test_invitations_and_opening_refuse_after_the_closing_time(
    client, partnership, coach
):
    instrument = make_instrument(partnership)
    make_stakeholders(partnership, 2, 2)
    survey = make_survey(partnership, instrument)
    later = make_survey(partnership, instrument, label="2030-Q3")
    client.post(survey_url(survey, "open"))
    deliver(client.application)
    before = count(OutboxMessage)
    with time_machine.travel(dt.datetime(2030, 6, 14, 15, 1, tzinfo=dt.UTC)):  # 17:01 Berlin
        login(client, coach)  # the session of today has expired by then
        refused = client.post(survey_url(survey, "remind"))
        assert refused.status_code == 400
        text = refused.get_data(as_text=True)
        assert "closing time, Friday 14 June 2030, 17:00 (Europe/Berlin), has passed" in text
        assert "Nothing was sent." in text
        test = client.post(survey_url(survey, "test-invitation"))
        assert test.status_code == 400 and "has passed" in test.get_data(as_text=True)
        opening = client.post(survey_url(later, "open"))
        assert opening.status_code == 400
        assert "The planned closing time has passed" in opening.get_data(as_text=True)
    assert count(OutboxMessage) == before
    db.session.expire_all()
    assert survey.reminder_rounds == 0 and later.state == "draft"
    login(client, coach)
    assert client.post(survey_url(survey, "close")).status_code == 302
    closed = client.post(survey_url(survey, "test-invitation"))
    assert closed.status_code == 400 and "This survey is closed" in closed.get_data(as_text=True)
    assert count(OutboxMessage) == before


def test_a_queued_reminder_is_not_sent_once_the_survey_closed(client, partnership):
    instrument = make_instrument(partnership)
    make_stakeholders(partnership, 1, 1)
    survey = make_survey(partnership, instrument)
    client.post(survey_url(survey, "open"))
    deliver(client.application)
    client.post(survey_url(survey, "remind"))
    client.post(survey_url(survey, "close"))
    assert deliver(client.application) == []
    statuses = {m.status for m in outbox(f"remind:{survey.id}:")}
    assert statuses == {"cancelled"}


def test_reminders_only_while_open(client, partnership):
    instrument = make_instrument(partnership)
    make_stakeholders(partnership, 1, 1)
    survey = make_survey(partnership, instrument)
    refused = client.post(survey_url(survey, "remind"))
    assert refused.status_code == 400
    assert "only while the survey is open" in refused.get_data(as_text=True)
    assert count(OutboxMessage) == 0


# --- the coach's test invitation ----------------------------------------------------------


def test_coach_receives_a_test_invitation_with_a_preview_link(client, partnership, coach):
    instrument = make_instrument(partnership)
    make_stakeholders(partnership, 2, 2)
    survey = make_survey(partnership, instrument)
    response = client.post(survey_url(survey, "test-invitation"))
    assert response.status_code == 302
    [row] = outbox(f"test-invite:{survey.id}:")
    assert row.to_address == coach.email
    [mail] = deliver(client.application)
    assert mail.to == coach.email
    assert mail.subject.startswith("[Test] ")
    preview = f"{BASE}/partnerships/{partnership.id}/instruments/{instrument.id}/preview?version=1"
    assert preview in mail.text
    assert "/s/" not in mail.text
    assert "Friday 14 June 2030, 17:00 (Europe/Berlin)" in mail.text
    assert count(Invitation) == 0
    db.session.expire_all()
    assert survey.state == "draft"


# --- participation ------------------------------------------------------------------------


def test_participation_folds_small_segments_with_complementary_suppression(client, partnership):
    instrument = make_instrument(partnership)
    make_stakeholders(partnership, 6, 0, function="operations", level="individual")
    make_stakeholders(partnership, 4, 0, function="finance", level="manager")
    make_stakeholders(partnership, 2, 0, function="sales", level="manager")
    make_stakeholders(partnership, 0, 3, function="procurement", level="executive")
    survey = make_survey(partnership, instrument)
    client.post(survey_url(survey, "open"))
    by_function = {}
    for invitation in db.session.scalars(select(Invitation).order_by(Invitation.id)):
        by_function.setdefault(invitation.function, []).append(invitation)
    for invitation in by_function["operations"][:3] + by_function["sales"][:1]:
        answer(invitation)

    result = services.participation(survey)
    assert (result["invited"], result["responded"]) == (15, 4)
    org_a, org_b = result["organizations"]
    assert (org_a["invited"], org_a["responded"], org_a["rate"]) == (12, 4, pytest.approx(1 / 3))
    # Sales (2) is below 5; folding it alone would reveal it by subtraction, so the next
    # smallest (finance, 4) is folded too.
    assert [(r["key"], r["invited"], r["responded"]) for r in org_a["by_function"]["rows"]] == [
        ("operations", 6, 3)
    ]
    other = org_a["by_function"]["other"]
    assert (other["invited"], other["responded"], other["segments"]) == (6, 1, ["Sales", "Finance"])
    assert [(r["key"], r["invited"]) for r in org_a["by_level"]["rows"]] == [
        ("manager", 6),
        ("individual", 6),
    ]
    assert org_a["by_level"]["other"] is None
    # Every segment of B is small: all of it is folded, nothing is shown on its own.
    assert org_b["by_function"]["rows"] == [] and org_b["by_function"]["other"]["invited"] == 3

    page = text_of(client.get(survey_url(survey)).get_data(as_text=True))
    assert "Other (small groups)" in page and "Sales, Finance" in page
    assert "<td>Sales</td>" not in page and "<td>Finance</td>" not in page
    assert "<td>Operations</td>" in page
    cycle_page = client.get(f"/partnerships/{partnership.id}/cycles/{survey.cycle_id}")
    assert "4 of 15" in cycle_page.get_data(as_text=True)


# --- access -------------------------------------------------------------------------------


def test_steering_members_read_but_cannot_act(app, partnership):
    instrument = make_instrument(partnership)
    make_stakeholders(partnership, 2, 2)
    survey = make_survey(partnership, instrument)
    member = make_user()
    db.session.add(steering_membership(partnership, member))
    db.session.commit()
    steering = app.test_client()
    login(steering, member)
    page = steering.get(survey_url(survey))
    assert page.status_code == 200 and "Open now" not in page.get_data(as_text=True)
    assert steering.post(survey_url(survey, "open")).status_code == 403
    assert steering.post(f"/partnerships/{partnership.id}/cycles/new", data={}).status_code == 403
    db.session.expire_all()
    assert survey.state == "draft" and count(Invitation) == 0


def test_survey_of_another_cycle_is_not_found_under_this_cycle(client, partnership):
    instrument = make_instrument(partnership)
    survey = make_survey(partnership, instrument, label="2030-Q2")
    other_cycle = services.create_cycle(partnership, "2030-Q3")
    url = f"/partnerships/{partnership.id}/cycles/{other_cycle.id}/surveys/{survey.id}"
    assert client.get(url).status_code == 404
    assert client.post(url + "/open").status_code == 404


def test_open_without_csrf_token_is_refused(csrf_app):
    owner = make_user()
    partnership = make_partnership(owner)
    instrument = make_instrument(partnership)
    make_stakeholders(partnership, 1, 1)
    survey = make_survey(partnership, instrument)
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    signed_in = client.post(
        "/login",
        data={"email": owner.email, "password": "correct horse battery", "csrf_token": token},
    )
    assert signed_in.status_code == 302
    assert client.post(survey_url(survey, "open")).status_code == 400
    db.session.expire_all()
    assert survey.state == "draft" and count(Invitation) == 0
    assert client.post(survey_url(survey, "open"), data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert survey.state == "open"


# --- CLI ----------------------------------------------------------------------------------


def test_cli_opens_reminds_and_closes(runner, partnership):
    instrument = make_instrument(partnership)
    make_stakeholders(partnership, 2, 1)
    survey = make_survey(partnership, instrument)
    opened = runner.invoke(args=["surveys", "open", "--survey", str(survey.id)])
    assert opened.exit_code == 0, opened.output
    assert "3 invitations" in opened.output
    reminded = runner.invoke(args=["surveys", "remind", "--survey", str(survey.id)])
    assert reminded.exit_code == 0 and "3 reminders" in reminded.output
    again = runner.invoke(args=["surveys", "open", "--survey", str(survey.id)])
    assert again.exit_code == 1 and "already open" in again.output
    closed = runner.invoke(args=["surveys", "close", "--survey", str(survey.id)])
    assert closed.exit_code == 0, closed.output
    db.session.expire_all()
    assert survey.state == "closed"
    assert len(outbox("invite:")) == 3 and len(outbox("remind:")) == 3
    missing = runner.invoke(args=["surveys", "close", "--survey", "999999"])
    assert missing.exit_code == 1 and "No survey with id 999999" in missing.output


def test_closing_time_in_the_past_blocks_opening(app, partnership):
    instrument = make_instrument(partnership)
    make_stakeholders(partnership, 1, 1)
    survey = make_survey(partnership, instrument)
    later = dt.datetime(2030, 7, 1, tzinfo=dt.UTC)
    with pytest.raises(services.SurveyError, match="closing time has passed"):
        services.open_survey(survey, base_url=BASE, now=later)
    db.session.expire_all()
    assert survey.state == "draft" and count(Invitation) == 0
