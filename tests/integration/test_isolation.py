"""Every route that takes a partnership or child id answers 404 to a coach of another
partnership. The test walks the app's url_map, so routes added later are covered: a route with
an id argument this test does not know fails it until the argument is added to CHILD_IDS."""

from __future__ import annotations

from tests.builders.basics import login, make_partnership, make_stakeholders, make_user
from tests.routes import id_rules, rule_url


def child_ids(partnership) -> dict[str, object]:
    """A real id of each kind of child row, all belonging to `partnership`."""
    from tests.builders.world import build_children

    return build_children(partnership)


def test_every_id_route_is_404_for_a_coach_of_another_partnership(app):
    owner, outsider = make_user(), make_user()
    target = make_partnership(owner, name="Target")
    make_partnership(outsider, name="Outsider's own")
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
