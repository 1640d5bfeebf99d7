"""The stakeholder's survey page: personal links, validation, the one-transaction submission,
anonymity of what is stored, opting out of reminders, rate limiting of unknown links."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import OperationalError

from partnership.db import utcnow
from partnership.extensions import db
from partnership.instruments import catalog
from partnership.partnerships.models import Stakeholder
from partnership.surveys.models import (
    Answer,
    Comment,
    Response,
    new_token,
)
from tests.builders.basics import login, make_user
from tests.builders.taking import (
    count,
    full_answers,
    open_survey,
    read_form,
)
from tests.readers import visible_text

# --- data ---------------------------------------------------------------------------------


# --- reading the page like a browser without JavaScript -----------------------------------


# --- GET ----------------------------------------------------------------------------------


def test_the_page_shows_the_pulse_naming_the_partner_and_never_consumes_the_link(client, app):
    world = open_survey(closes_at=dt.datetime(2030, 7, 1, 15, 0, tzinfo=dt.UTC))
    for _ in range(3):  # a mail scanner, a preview pane, the person
        response = client.get(f"/s/{world.tokens[0]}")
        assert response.status_code == 200
    html = response.get_data(as_text=True)
    # Items name the OTHER organization, with its non-ASCII letters intact.
    assert "Müller Fertigung makes decisions at a pace we can work with." in html
    assert "{partner}" not in html
    assert "Beta Hardware makes decisions" not in html
    # Intro: partnership, minutes, close date in the partnership's zone with its name.
    assert world.partnership.name in html
    assert "About 5 minutes" in html
    assert "Monday 1 July 2030, 17:00 (Europe/Berlin)" in html
    # Privacy notice with the threshold.
    assert "groups of at least 5 people" in html and "not linked to you" in html
    # Items in position order, with their scale labels.
    texts = [catalog.render_text(i.text, "Müller Fertigung") for i in world.items]
    positions = [html.index(t.replace("'", "&#39;")) for t in texts]
    assert positions == sorted(positions)
    assert "Strongly disagree" in html and catalog.NA_LABEL in html
    db.session.expire_all()
    assert world.invitations[0].is_used is False
    assert count(Response) == 0


def test_the_form_is_accessible_markup(client, app):
    world = open_survey()
    html = client.get(f"/s/{world.tokens[0]}").get_data(as_text=True)
    form = read_form(html)
    closed = [i for i in world.items if i.kind != "comment"]
    # One fieldset and legend per closed item; every radio has a label.
    assert form.fieldsets == len(closed) and form.legends == len(closed)
    radio_ids = [r["id"] for group in form.radios.values() for r in group]
    assert radio_ids and all(i in form.label_for for i in radio_ids)
    # Agreement items: 5 options plus "not applicable"; likelihood: 11 options 0..10, no NA.
    agree = world.item("cul-decision-pace")
    assert [r["value"] for r in form.radios[f"item-{agree.id}"]] == ["1", "2", "3", "4", "5", "na"]
    recommend = world.item("recommend")
    assert [r["value"] for r in form.radios[f"item-{recommend.id}"]] == [str(v) for v in range(11)]
    assert "0 = not at all likely" in html and "10 = extremely likely" in html
    comment = world.item("start-stop-continue")
    assert form.textareas == [f"item-{comment.id}"]
    assert re.search(rf'<textarea id="item-{comment.id}"[^>]*maxlength="2000"', html)
    assert f'for="item-{comment.id}"' in html
    assert 'lang="en"' in html and 'name="viewport"' in html


def test_unknown_and_not_yet_open_links_get_one_neutral_page(client, app):
    draft = open_survey(state="scheduled")
    unknown = client.get("/s/" + new_token())
    scheduled = client.get(f"/s/{draft.tokens[0]}")
    assert unknown.status_code == scheduled.status_code == 404
    assert b"This link is not valid" in unknown.data
    # The same words whatever the reason: nothing tells a guesser which tokens exist.
    strip = re.compile(rb"<input[^>]*>")
    assert strip.sub(b"", unknown.data) == strip.sub(b"", scheduled.data)
    assert draft.partnership.name.encode() not in scheduled.data


def test_a_used_link_says_already_answered(client, app):
    world = open_survey()
    token = world.tokens[0]
    assert client.post(f"/s/{token}", data=full_answers(world)).status_code == 303
    again = client.get(f"/s/{token}")
    assert again.status_code == 200
    assert b"You have already answered. Thank you." in again.data
    assert b"Send my answers" not in again.data
    resend = client.post(f"/s/{token}", data=full_answers(world))
    assert resend.status_code == 409 and b"already answered" in resend.data
    assert count(Response) == 1


def test_a_closed_survey_says_when_it_closed_and_stores_nothing(client, app):
    closed_at = dt.datetime(2026, 3, 31, 21, 30, tzinfo=dt.UTC)
    world = open_survey(state="closed", closed_at=closed_at, timezone="America/Sao_Paulo")
    page = client.get(f"/s/{world.tokens[0]}")
    assert page.status_code == 410
    assert (
        "This survey closed on Tuesday 31 March 2026, 18:30 (America/Sao_Paulo)"
        in page.get_data(as_text=True)
    )
    post = client.post(f"/s/{world.tokens[0]}", data=full_answers(world))
    assert post.status_code == 410 and b"This survey closed on" in post.data
    assert count(Response) == 0 and count(Answer) == 0
    db.session.expire_all()
    assert world.invitations[0].is_used is False


def test_a_survey_past_its_close_time_refuses_answers_even_before_it_is_closed(client, app):
    closes_at = utcnow() - dt.timedelta(minutes=5)
    world = open_survey(closes_at=closes_at, timezone="UTC")
    post = client.post(f"/s/{world.tokens[0]}", data=full_answers(world))
    assert post.status_code == 410
    assert (
        f"This survey closed on {closes_at:%A} {closes_at.day} {closes_at:%B %Y, %H:%M} (UTC)"
        in (post.get_data(as_text=True))
    )
    assert count(Response) == 0


# --- POST ---------------------------------------------------------------------------------


def test_submitting_stores_one_anonymous_response_with_the_segment_and_day(client, app):
    world = open_survey()
    data = full_answers(world)
    mixed = world.item("cul-risk")
    data[f"item-{mixed.id}"] = "na"
    skipped = world.item("mkt-customers")
    del data[f"item-{skipped.id}"]
    comment = world.item("start-stop-continue")
    data[f"item-{comment.id}"] = "  Keep the joint planning day; stop late forecast changes.  "
    response = client.post(f"/s/{world.tokens[0]}", data=data)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/s/thanks")  # no planned close: no date
    thanks = client.get(response.headers["Location"])
    assert thanks.status_code == 200 and b"Your answers are saved" in thanks.data
    assert world.partnership.name.encode() not in thanks.data

    stored = db.session.scalars(select(Response)).all()
    assert len(stored) == 1
    invitation = world.invitations[0]
    assert stored[0].survey_id == world.survey.id
    assert (stored[0].organization_id, stored[0].function, stored[0].level) == (
        invitation.organization_id,
        "sales",
        "manager",
    )
    assert stored[0].submitted_on == utcnow().date()
    answers = {a.item_id: a.value for a in db.session.scalars(select(Answer))}
    closed_items = [i for i in world.items if i.kind != "comment"]
    assert len(answers) == len(closed_items) - 1  # the skipped item has no row
    assert skipped.id not in answers
    assert answers[mixed.id] is None  # not applicable is NULL, never zero
    assert answers[world.item("recommend").id] == 9
    assert answers[world.item("cul-decision-pace").id] == 4
    comments = db.session.scalars(select(Comment)).all()
    assert [(c.item_id, c.body) for c in comments] == [
        (comment.id, "Keep the joint planning day; stop late forecast changes.")
    ]
    db.session.expire_all()
    assert invitation.is_used is True


def test_responses_cannot_be_traced_to_the_invitation_or_the_person(client, app):
    world = open_survey(invitations=6)
    for token in world.tokens:
        assert client.post(f"/s/{token}", data=full_answers(world)).status_code == 303
    inspector = inspect(db.engine)
    for table in ("responses", "answers", "comments"):
        columns = {c["name"] for c in inspector.get_columns(table)}
        assert not columns & {"invitation_id", "stakeholder_id", "token_hash", "email"}, table
        for fk in inspector.get_foreign_keys(table):
            assert fk["referred_table"] not in ("invitations", "stakeholders"), table
    response_columns = {c["name"]: c for c in inspector.get_columns("responses")}
    assert "submitted_on" in response_columns and "created_at" not in response_columns
    ids = db.session.scalars(select(Response.id)).all()
    assert len(ids) == 6 and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    assert not all(i.isdigit() for i in ids)  # random uuid4s, not a counter
    # Any order of the ids is unrelated to submission order: they are not a sequence.
    assert len({i[:8] for i in ids}) == 6
    # An answer is keyed by its response's random id and its item: no id or counter of its
    # own, and on SQLite no rowid that would follow the order answers were written in.
    assert {c["name"] for c in inspector.get_columns("answers")} == {
        "response_id",
        "item_id",
        "value",
    }
    assert inspector.get_pk_constraint("answers")["constrained_columns"] == [
        "response_id",
        "item_id",
    ]
    if db.is_sqlite:
        with pytest.raises(OperationalError):
            db.session.execute(text("SELECT rowid FROM answers"))
        db.session.rollback()
    keys = db.session.execute(select(Answer.response_id, Answer.item_id)).all()
    assert {response_id for response_id, _ in keys} == set(ids)


def test_missing_required_answer_rerenders_with_answers_kept_and_stores_nothing(client, app):
    world = open_survey()
    required = world.item("overall-value")
    required.is_required = True
    comment = world.item("start-stop-continue")
    db.session.commit()
    data = full_answers(world, value="2")
    del data[f"item-{required.id}"]
    data[f"item-{comment.id}"] = "Less <b>jargon</b> & more trust"
    response = client.post(f"/s/{world.tokens[0]}", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Please choose an answer to this question." in html
    # The error summary links to the field's first radio, which carries the state.
    assert f'href="#item-{required.id}-1"' in html
    assert f'id="item-{required.id}-1"' in html
    assert re.search(rf'id="item-{required.id}-1"[^>]*required[^>]*aria-invalid="true"', html)
    assert f'aria-describedby="item-{required.id}-error' in html
    assert "(required)" in html
    # Answers are kept: every other agreement item still has "2" checked, the comment its text.
    kept = read_form(html)
    for item in world.items:
        if item.kind == "agreement" and item.id != required.id:
            checked = [r["value"] for r in kept.radios[f"item-{item.id}"] if "checked" in r]
            assert checked == ["2"], item.key
    assert "Less &lt;b&gt;jargon&lt;/b&gt; &amp; more trust</textarea>" in html
    assert count(Response) == 0 and count(Answer) == 0 and count(Comment) == 0
    db.session.expire_all()
    assert world.invitations[0].is_used is False


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("cul-decision-pace", "6", "Choose one of the answers offered."),
        ("cul-decision-pace", "0", "Choose one of the answers offered."),
        ("cul-decision-pace", "٣", "Choose one of the answers offered."),
        ("recommend", "11", "Choose one of the answers offered."),
        ("recommend", "na", "is not offered for this question"),
    ],
)
def test_values_outside_the_scale_are_refused(client, app, key, value, message):
    world = open_survey()
    data = full_answers(world)
    data[f"item-{world.item(key).id}"] = value
    response = client.post(f"/s/{world.tokens[0]}", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(Response) == 0 and count(Answer) == 0


def test_a_comment_over_2000_characters_is_refused_and_kept(client, app):
    world = open_survey()
    comment = world.item("start-stop-continue")
    data = full_answers(world)
    data[f"item-{comment.id}"] = "x" * 2001
    response = client.post(f"/s/{world.tokens[0]}", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "please shorten it to 2,000 characters" in html
    assert "x" * 2001 + "</textarea>" in html
    assert count(Response) == 0 and count(Comment) == 0
    # Exactly 2000 after stripping (line breaks count once) is accepted.
    data[f"item-{comment.id}"] = "  " + "y" * 1000 + "\r\n" + "z" * 999 + "  "
    assert client.post(f"/s/{world.tokens[0]}", data=data).status_code == 303
    assert len(db.session.scalar(select(Comment.body))) == 2000


def test_an_empty_submission_asks_first_and_counts_only_once_confirmed(csrf_app):
    # Works without JavaScript: the question is a page with a form of its own.
    client = csrf_app.test_client()
    world = open_survey(closes_at=dt.datetime(2030, 7, 1, 15, 0, tzinfo=dt.UTC))
    page = client.get(f"/s/{world.tokens[0]}").get_data(as_text=True)
    asked = client.post(f"/s/{world.tokens[0]}", data=dict(read_form(page).hidden))
    assert asked.status_code == 200
    html = asked.get_data(as_text=True)
    assert "You have not answered any question" in html
    assert count(Response) == 0  # not a response yet

    confirm = html[
        html.index('id="confirm-empty"') : html.index("</form>", html.index('id="confirm-empty"'))
    ]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', confirm))
    assert set(fields) == {"csrf_token", "confirm_empty"}
    assert f'action="/s/{world.tokens[0]}"' in confirm
    sent = client.post(f"/s/{world.tokens[0]}", data=fields)
    assert sent.status_code == 303
    assert count(Response) == 1 and count(Answer) == 0 and count(Comment) == 0
    # the thank-you page says when the results will be shared
    thanks = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "The survey closes on Monday 1 July 2030, 15:00 (UTC)." in thanks
    assert "the link in your invitation email opens what both organizations heard" in thanks


def test_the_survey_works_without_javascript_with_csrf_on(csrf_app):
    client = csrf_app.test_client()
    world = open_survey()
    page = client.get(f"/s/{world.tokens[0]}")
    assert page.status_code == 200
    assert "Set-Cookie" not in page.headers  # the stakeholder's page sets no cookie
    form = read_form(page.get_data(as_text=True))
    assert form.action == f"/s/{world.tokens[0]}"
    assert set(form.hidden) == {"csrf_token"} and form.hidden["csrf_token"]
    data = dict(form.hidden)
    for name, radios in form.radios.items():
        data[name] = str(radios[0]["value"])  # the first option of every group
    for name in form.textareas:
        data[name] = "Vielen Dank – weiter so."
    response = client.post(form.action, data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    stored = {a.item_id: a.value for a in db.session.scalars(select(Answer))}
    assert stored[world.item("cul-decision-pace").id] == 1
    assert stored[world.item("recommend").id] == 0
    assert db.session.scalar(select(Comment.body)) == "Vielen Dank – weiter so."


def test_a_post_without_a_valid_csrf_token_stores_nothing_and_keeps_the_answers(csrf_app):
    client = csrf_app.test_client()
    world = open_survey()
    data = full_answers(world, value="5")
    response = client.post(f"/s/{world.tokens[0]}", data=dict(data, csrf_token="forged"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "We could not verify that this form came from your survey page" in html
    agree = world.item("cul-decision-pace")
    assert [r["value"] for r in read_form(html).radios[f"item-{agree.id}"] if "checked" in r] == [
        "5"
    ]
    assert count(Response) == 0
    # The page it returned carries a working token: sending again succeeds.
    token = read_form(html).hidden["csrf_token"]
    assert client.post(f"/s/{world.tokens[0]}", data=dict(data, csrf_token=token)).status_code == (
        303
    )


def test_the_survey_page_keeps_working_when_left_open_for_days(csrf_app):
    import time_machine

    world = open_survey(invitations=2)
    opened = csrf_app.test_client()
    with time_machine.travel(utcnow() - dt.timedelta(days=3), tick=False):
        page = opened.get(f"/s/{world.tokens[0]}")
    token = read_form(page.get_data(as_text=True)).hidden["csrf_token"]
    # The token of another person's link does not fit this one.
    other = read_form(opened.get(f"/s/{world.tokens[1]}").get_data(as_text=True))
    wrong = opened.post(
        f"/s/{world.tokens[0]}",
        data=dict(full_answers(world), csrf_token=other.hidden["csrf_token"]),
    )
    assert wrong.status_code == 400 and count(Response) == 0
    # Three days later, even in a browser that lost its cookies, the page's form still works.
    later = csrf_app.test_client()
    response = later.post(f"/s/{world.tokens[0]}", data=dict(full_answers(world), csrf_token=token))
    assert response.status_code == 303
    assert count(Response) == 1


# --- rate limiting ------------------------------------------------------------------------


def test_unknown_links_are_rate_limited_per_ip_and_valid_ones_never_count(client, app):
    world = open_survey()
    app.config.update(SURVEY_TOKEN_FREE_ATTEMPTS=5, SURVEY_TOKEN_MAX_DELAY_SECONDS=60)
    for _ in range(30):  # successful lookups never count
        assert client.get(f"/s/{world.tokens[0]}").status_code == 200
    statuses = [client.get("/s/" + new_token()).status_code for _ in range(6)]
    assert statuses[:5] == [404] * 5
    assert statuses[5] == 429
    blocked = client.get(f"/s/{world.tokens[0]}")  # a blocked client learns nothing more
    assert blocked.status_code == 429
    assert b"Please wait" in blocked.data and int(blocked.headers["Retry-After"]) >= 1
    post = client.post("/s/" + new_token(), data={})
    assert post.status_code == 429
    # Another client is not affected.
    other = client.get(f"/s/{world.tokens[0]}", environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert other.status_code == 200


# --- opting out of reminders --------------------------------------------------------------


def test_opting_out_of_reminders_needs_a_post(client, app):
    world = open_survey()
    token = world.tokens[0]
    stakeholder = db.session.get(Stakeholder, world.invitations[0].stakeholder_id)
    page = client.get(f"/s/{token}/opt-out")
    assert page.status_code == 200 and b"Stop reminders" in page.data
    db.session.expire_all()
    assert stakeholder.is_reminder_opt_out is False  # a GET (a mail scanner) changes nothing
    done = client.post(f"/s/{token}/opt-out", data={})
    assert done.status_code == 200 and b"no more reminders" in done.data
    db.session.expire_all()
    assert stakeholder.is_reminder_opt_out is True
    assert world.invitations[0].is_used is False  # the survey can still be answered
    assert client.get(f"/s/{token}").status_code == 200
    again = client.get(f"/s/{token}/opt-out")
    assert b"already asked" in again.data
    assert client.get(f"/s/{new_token()}/opt-out").status_code == 404
    assert client.post(f"/s/{new_token()}/opt-out", data={}).status_code == 404


def test_opting_out_is_csrf_protected(csrf_app):
    client = csrf_app.test_client()
    world = open_survey()
    stakeholder_id = world.invitations[0].stakeholder_id
    forged = client.post(f"/s/{world.tokens[0]}/opt-out", data={"csrf_token": "x"})
    assert forged.status_code == 400
    assert db.session.get(Stakeholder, stakeholder_id).is_reminder_opt_out is False
    page = client.get(f"/s/{world.tokens[0]}/opt-out").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(f"/s/{world.tokens[0]}/opt-out", data={"csrf_token": token}).status_code == (
        200
    )
    db.session.expire_all()
    assert db.session.get(Stakeholder, stakeholder_id).is_reminder_opt_out is True


# --- the coach's preview ------------------------------------------------------------------


def test_the_preview_renders_the_same_page_without_a_way_to_send(app):
    from flask import render_template

    from partnership.surveys.taking import survey_page_context

    world = open_survey()
    partnership = world.partnership
    context = survey_page_context(world.version, partnership.org_b, partnership, preview=True)
    with app.test_request_context("/preview"):
        html = render_template("take/survey.html", **context)
    assert "Preview — answers are not saved" in html
    assert "Müller Fertigung makes decisions at a pace we can work with." in html
    form = read_form(html)
    assert form.action is None and "csrf_token" not in form.hidden
    assert re.search(r'<button type="button" class="button primary" disabled>', html)
    assert 'type="submit"' not in html
    assert len(form.radios) == len([i for i in world.items if i.kind != "comment"])


def test_a_survey_closed_between_reading_and_writing_stores_nothing(client, app, monkeypatch):
    from partnership.surveys import taking

    world = open_survey()
    closed_at = utcnow() - dt.timedelta(seconds=1)
    real_gate = taking._gate
    calls = []

    def gate_as_if_still_open(link, now):
        # The first check sees the survey as it was when the page was read; the coach has
        # closed it since. Only the conditional UPDATE stands between the POST and the data.
        calls.append(link.state)
        return None if len(calls) == 1 else real_gate(link, now)

    monkeypatch.setattr(taking, "_gate", gate_as_if_still_open)
    world.survey.state, world.survey.closed_at = "closed", closed_at
    db.session.commit()
    response = client.post(f"/s/{world.tokens[0]}", data=full_answers(world))
    assert response.status_code == 410 and b"This survey closed on" in response.data
    assert count(Response) == 0 and count(Answer) == 0
    db.session.expire_all()
    assert world.invitations[0].is_used is False


def test_hint_text_names_the_partner_too(client, app):
    world = open_survey()
    world.items[0].help = "Think of how {partner} decided last quarter."
    db.session.commit()
    html = client.get(f"/s/{world.tokens[0]}").get_data(as_text=True)
    assert "Think of how Müller Fertigung decided last quarter." in html
    assert "{partner}" not in html


def test_the_questions_come_in_parts_under_their_dimension(client, app):
    world = open_survey()
    html = client.get(f"/s/{world.tokens[0]}").get_data(as_text=True)
    text = visible_text(html)
    assert "22 questions in 7 parts." in text
    parts = [
        "Part 1 of 7 Cultural alignment",
        "Part 2 of 7 Market alignment",
        "Part 3 of 7 Execution alignment",
        "Part 4 of 7 Governance",
        "Part 5 of 7 Communication",
        "Part 6 of 7 Overall",
        "Part 7 of 7 In your own words",
    ]
    assert [text.index(p) for p in parts] == sorted(text.index(p) for p in parts)
    # each question under its own dimension's heading
    market = world.item("mkt-customers")
    assert (
        html.index('id="part-2"')
        < html.index(f'name="item-{market.id}"')
        < html.index('id="part-3"')
    )
    assert '<p class="survey-progress" hidden></p>' in html  # survey.js shows "n of 22"


def test_a_page_kept_for_visitors_without_cookies_follows_the_survey_and_the_visitor(client, app):
    world = open_survey(invitations=3)
    first = client.get(f"/s/{world.tokens[0]}").get_data(as_text=True)
    second = client.get(f"/s/{world.tokens[1]}").get_data(as_text=True)
    # Each page posts to its own link with its own token (the rest is the same page).
    assert read_form(first).action == f"/s/{world.tokens[0]}"
    assert read_form(second).action == f"/s/{world.tokens[1]}"
    # A new close time shows at once: the kept page depends on what it shows.
    world.survey.closes_at = utcnow() + dt.timedelta(days=9)
    db.session.commit()
    later = client.get(f"/s/{world.tokens[1]}").get_data(as_text=True)
    assert "Open until" in later and "Open until" not in second
    # A coach signed in on the same browser sees her own navigation on the page.
    coach = make_user(name="Coach Ana")
    login(client, coach)
    signed_in = client.get(f"/s/{world.tokens[2]}").get_data(as_text=True)
    assert "Coach Ana" in signed_in and "Log out" in signed_in
    assert "Log out" not in first
