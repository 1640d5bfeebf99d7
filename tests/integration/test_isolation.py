"""Every route that takes a partnership or child id answers 404 to anyone who is not a member
of that partnership, 403 to its steering members where the route is a coach's, and works for
its coaches. The tests walk the app's url_map, so routes added later are covered: a route with
an id argument the world builder does not know fails them until tests/builders/world.py makes
one, and a new route is a coach's (403 to steering members) unless it is listed below."""

from __future__ import annotations

from partnership.extensions import db
from tests.builders.basics import (
    login,
    make_partnership,
    make_stakeholders,
    make_user,
    steering_membership,
)
from tests.routes import id_rules, rule_url

#: (endpoint, method) a steering member may use on their partnership (decisions.md: results,
#: trends, KPIs, governance records and briefs; record decisions, comment, add lessons). With
#: an empty form the POSTs answer 400, never 403. Every other route answers them 403.
STEERING_MAY = {
    ("partnerships.show", "GET"),
    ("results.overview", "GET"),
    ("results.survey", "GET"),
    ("results.trends", "GET"),
    ("downloads.results_csv", "GET"),
    ("downloads.results_json", "GET"),
    ("downloads.results_xlsx", "GET"),
    ("api.cycle_results", "GET"),
    ("api.survey_results", "GET"),
    ("surveys.index", "GET"),
    ("surveys.cycle", "GET"),
    ("surveys.survey", "GET"),
    ("kpis.index", "GET"),
    ("kpis.cycle_values", "GET"),
    ("governance.issues", "GET"),
    ("governance.issue", "GET"),
    ("governance.issue_comment", "POST"),
    ("governance.issue_decision", "POST"),
    ("governance.actions", "GET"),
    ("governance.action", "GET"),
    ("governance.lessons", "GET"),
    ("governance.new_lesson", "GET"),
    ("governance.new_lesson", "POST"),
    ("governance.playbook_page", "GET"),
    ("governance.playback", "GET"),
    ("governance.settings", "GET"),
    ("steering.path", "GET"),
    ("steering.meetings", "GET"),
    ("steering.meeting", "GET"),
    ("steering.item_comment", "POST"),
    ("steering.decisions", "GET"),
    ("steering.decision", "GET"),
    ("steering.new_decision", "GET"),
    ("steering.new_decision", "POST"),
    # The world's decision is a requested one: whoever may record decisions makes it.
    ("steering.edit_decision", "GET"),
    ("steering.edit_decision", "POST"),
}


def child_ids(partnership) -> dict[str, object]:
    """A real id of each kind of child row, all belonging to `partnership`."""
    from tests.builders.world import build_children

    return build_children(partnership)


def _walk(app, client, ids):
    """(endpoint, method, status) of every id route of the partnership, with an empty form."""
    with app.test_request_context():
        urls = [(rule, rule_url(rule, ids)) for rule, _ in id_rules(app)]
    for rule, url in urls:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url, client.open(url, method=method, data={}).status_code


def test_every_id_route_is_404_for_a_member_of_another_partnership(app):
    """The outsider coaches one partnership and sits on the steering committee of another:
    neither role opens anything of a third."""
    owner, outsider = make_user(), make_user()
    target = make_partnership(owner, name="Target")
    make_partnership(outsider, name="Outsider's own")
    committee = make_partnership(make_user(), name="Outsider's committee")
    db.session.add(steering_membership(committee, outsider))
    db.session.commit()
    make_stakeholders(target, 2, 2)
    ids = child_ids(target)
    client = app.test_client()
    login(client, outsider)
    checked = 0
    with app.test_request_context():
        urls = [(rule, rule_url(rule, ids)) for rule, _ in id_rules(app)]
    for rule, url in urls:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={})
            assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
            checked += 1
    assert checked >= 10  # the walk found the partnership routes
    # the one page across partnerships lists only the outsider's own
    portfolio = client.get("/portfolio").get_data(as_text=True)
    assert "Outsider&#39;s own" in portfolio and "Target" not in portfolio


def test_the_owner_reaches_the_same_pages(app):
    owner = make_user()
    target = make_partnership(owner)
    make_stakeholders(target, 2, 2)
    ids = child_ids(target)
    client = app.test_client()
    login(client, owner)
    with app.test_request_context():
        urls = [(rule, rule_url(rule, ids)) for rule, _ in id_rules(app) if "GET" in rule.methods]
    for _rule, url in urls:
        response = client.get(url)
        assert response.status_code in (200, 302), f"GET {url} answered {response.status_code}"


def test_anonymous_visitors_are_sent_to_login(app):
    owner = make_user()
    target = make_partnership(owner)
    ids = child_ids(target)
    client = app.test_client()
    with app.test_request_context():
        urls = [(rule, rule_url(rule, ids)) for rule, _ in id_rules(app) if "GET" in rule.methods]
    for rule, url in urls:
        if rule.endpoint.startswith("api."):
            continue
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_a_coach_of_one_partnership_has_steering_rights_only_where_steering(app):
    """The role matrix: the user coaches X and is a steering member of Y. On Y each coach-only
    route answers 403 and only the steering member's routes work; on X every page opens."""
    user = make_user()
    x = make_partnership(user, name="X, coached")
    y = make_partnership(make_user(), name="Y, on its committee")
    db.session.add(steering_membership(y, user, y.org_b))
    db.session.commit()
    make_stakeholders(y, 2, 2)
    client = app.test_client()
    login(client, user)
    seen = set()
    for endpoint, method, url, status in _walk(app, client, child_ids(y)):
        seen.add((endpoint, method))
        if (endpoint, method) in STEERING_MAY:
            assert status in (200, 302, 400), f"{method} {url} answered {status}"
        else:
            assert status == 403, f"{method} {url} answered {status} to a steering member"
    assert seen >= STEERING_MAY  # the list names only routes that exist

    make_stakeholders(x, 2, 2)
    ids = child_ids(x)
    with app.test_request_context():
        urls = [rule_url(r, ids) for r, _ in id_rules(app) if "GET" in r.methods]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 302), f"GET {url} answered {response.status_code}"
