"""A coach hides a comment that names a person: it is kept, marked hidden, logged, and no
longer shown. Steering members read results but cannot hide; the form needs its CSRF token."""

from __future__ import annotations

import re

from sqlalchemy import select

from partnership.extensions import db
from partnership.results.models import AccessLog
from partnership.surveys.models import Comment
from tests.builders.basics import PASSWORD, login, make_user, steering_membership
from tests.builders.pulse import build_closed_survey, setup_coach

NAMING = "Jürgen Weiß in procurement blocks every order."
OTHER = "The joint roadmap review works well."


def _comment(text: str) -> Comment:
    return db.session.scalars(select(Comment).where(Comment.body == text)).one()


def _results_url(partnership, survey) -> str:
    return f"/partnerships/{partnership.id}/surveys/{survey.id}/results"


def test_a_coach_hides_a_comment_and_the_page_stops_showing_it(app, client):
    coach, partnership = setup_coach()
    survey = build_closed_survey(partnership, comments={"A": [NAMING, OTHER], "B": []}).survey
    login(client, coach)
    before = client.get(_results_url(partnership, survey)).get_data(as_text=True)
    assert "Jürgen Weiß in procurement" in before and OTHER in before
    comment = _comment(NAMING)

    response = client.post(f"/partnerships/{partnership.id}/comments/{comment.id}/hide")

    assert response.status_code == 302
    assert response.headers["Location"].endswith(_results_url(partnership, survey) + "#comments")
    after = client.get(_results_url(partnership, survey)).get_data(as_text=True)
    assert "Jürgen Weiß in procurement" not in after
    assert OTHER in after
    assert "The comment is hidden from the results" in after
    hidden = _comment(NAMING)
    assert hidden.is_hidden and hidden.hidden_by_id == coach.id and hidden.hidden_at is not None
    assert hidden.body == NAMING  # kept
    logged = db.session.scalars(
        select(AccessLog).where(AccessLog.partnership_id == partnership.id)
    ).all()
    assert [(row.action, row.user_id) for row in logged] == [("comment.hide", coach.id)]


def test_a_steering_member_reads_results_but_cannot_hide(app, client):
    coach, partnership = setup_coach()
    survey = build_closed_survey(partnership, comments={"A": [NAMING], "B": []}).survey
    member = make_user()
    db.session.add(steering_membership(partnership, member))
    db.session.commit()
    login(client, member)

    page = client.get(_results_url(partnership, survey))
    refused = client.post(f"/partnerships/{partnership.id}/comments/{_comment(NAMING).id}/hide")

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert NAMING.split(" in ")[0] in html and "/hide" not in html
    assert refused.status_code == 403
    assert not _comment(NAMING).is_hidden


def test_a_comment_of_another_partnership_is_not_found(app, client):
    coach, partnership = setup_coach()
    _, other = setup_coach()
    build_closed_survey(other, comments={"A": [NAMING], "B": []})
    build_closed_survey(partnership, comments={"A": [OTHER], "B": []})
    login(client, coach)

    response = client.post(f"/partnerships/{partnership.id}/comments/{_comment(NAMING).id}/hide")

    assert response.status_code == 404
    assert not _comment(NAMING).is_hidden


def _token(html: str) -> str:
    field = re.search(r'<input[^>]*name="csrf_token"[^>]*>', html)
    assert field
    value = re.search(r'value="([^"]+)"', field.group(0))
    assert value
    return value.group(1)


def test_hiding_needs_the_forms_csrf_token(csrf_app):
    client = csrf_app.test_client()
    coach, partnership = setup_coach()
    survey = build_closed_survey(partnership, comments={"A": [NAMING], "B": []}).survey
    token = _token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": coach.email, "password": PASSWORD, "csrf_token": token})
    page = client.get(_results_url(partnership, survey)).get_data(as_text=True)
    url = f"/partnerships/{partnership.id}/comments/{_comment(NAMING).id}/hide"
    assert f'action="{url}"' in page

    forged = client.post(url)

    assert forged.status_code == 400
    assert not _comment(NAMING).is_hidden
    accepted = client.post(url, data={"csrf_token": _token(page)})
    assert accepted.status_code == 302
    assert _comment(NAMING).is_hidden


def test_a_page_seen_before_a_rescore_shows_the_new_version_after_it(app, client):
    coach, partnership = setup_coach()
    survey = build_closed_survey(partnership, comments={"A": [NAMING, OTHER], "B": []}).survey
    login(client, coach)
    before = client.get(_results_url(partnership, survey)).get_data(as_text=True)
    assert OTHER in before and "withheld: fewer than 11 people" not in before
    partnership.min_group = 11  # the 10 respondents of A are too few now
    db.session.commit()
    assert client.post(f"{_results_url(partnership, survey)[:-8]}/rescore").status_code == 302
    after = client.get(_results_url(partnership, survey)).get_data(as_text=True)
    assert OTHER not in after and "withheld: fewer than 11 people" in after


def test_the_page_writes_its_csrf_token_once_for_every_hide_button(app, client):
    coach, partnership = setup_coach()
    survey = build_closed_survey(
        partnership, comments={"A": [NAMING, OTHER], "B": [OTHER + " Yes."]}
    ).survey
    login(client, coach)
    page = client.get(_results_url(partnership, survey)).get_data(as_text=True)
    buttons = re.findall(r'<button type="submit" form="hide-comment" formaction="([^"]+)"', page)
    assert len(buttons) == 3
    assert sorted(buttons) == sorted(
        f"/partnerships/{partnership.id}/comments/{c.id}/hide"
        for c in db.session.scalars(select(Comment))
    )
    assert page.count('<form id="hide-comment"') == 1
