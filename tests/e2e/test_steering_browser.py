"""In Chromium: a coach plans the steering meeting (its agenda generated from the quarter's
issues), a steering member comments and records the decision, and the coach's portfolio;
screenshots of the agenda and the portfolio at 1280 and 375 px, every page axe-clean."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from tests.builders.basics import PASSWORD, make_partnership, make_user
from tests.builders.governance import add_member, close_quarter
from tests.e2e.browser import assert_accessible, login_as

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]


def shot(page, artifacts_dir: str, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=os.path.join(artifacts_dir, name), full_page=True)


def test_the_agenda_the_decision_and_the_portfolio(page, browser, live_server, app, artifacts_dir):
    coach = make_user(email="coach.steering@example.org", name="Rita Conceição")
    partnership = make_partnership(
        coach, name="Lumen × Müller", org_a_name="Lumen Software", org_b_name="Müller Fertigung"
    )
    ana = make_user("steering", email="ana.steering@example.org", name="Ana Lima")
    jurgen = make_user("steering", email="juergen.steering@example.org", name="Jürgen Müller")
    for person in (ana, jurgen):
        add_member(partnership, person)
    close_quarter(partnership, "2026-Q2")
    base = f"/partnerships/{partnership.id}"

    login_as(page, coach.email, PASSWORD)
    page.goto(base + "/escalation")
    page.get_by_role("heading", name="Escalation path", exact=True).wait_for()
    assert_accessible(page)
    page.goto(base + "/meetings")
    page.get_by_role("link", name="Plan a meeting").click()
    page.get_by_label("Title").fill("Q2 steering committee")
    page.get_by_label("Date").fill(dt.date.today().isoformat())
    page.get_by_label("Ana Lima").first.check()
    page.get_by_label("Jürgen Müller").nth(1).check()
    assert_accessible(page)
    page.get_by_role("button", name="Plan the meeting").click()
    page.get_by_text("Meeting planned; its agenda is ready.").wait_for()
    items = page.locator(".agenda-item")
    assert items.count() >= 1
    # raised in May, their 7 days at the working team long gone: escalations come first
    kinds = [k.lower() for k in page.locator(".agenda-kind").all_inner_texts()]
    assert kinds[0] == "escalation past its deadline" and "red issue" not in kinds
    page.get_by_label("Item", exact=True).fill("Roadmap for 2027")
    page.get_by_role("button", name="Add to the agenda").click()
    page.get_by_text("Item added.").wait_for()
    assert_accessible(page)
    shot(page, artifacts_dir, "steering-agenda.png")
    page.set_viewport_size({"width": 375, "height": 800})
    assert_accessible(page)
    shot(page, artifacts_dir, "steering-agenda-375.png")
    page.set_viewport_size({"width": 1280, "height": 900})
    agenda_url = page.url.split("#")[0]

    page.goto("/portfolio")
    page.get_by_role("heading", name="Portfolio").wait_for()
    assert "Lumen × Müller" in page.locator("table.portfolio").inner_text()
    assert_accessible(page)
    shot(page, artifacts_dir, "steering-portfolio.png")
    page.set_viewport_size({"width": 375, "height": 800})
    assert_accessible(page)
    shot(page, artifacts_dir, "steering-portfolio-375.png")

    # a steering member comments on an item and records the decision
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    member = context.new_page()
    try:
        login_as(member, ana.email, PASSWORD)
        member.goto(agenda_url)
        first = member.locator(".agenda-item").first
        first.locator("summary").click()
        first.get_by_label("Comment").fill("Both CTOs must be in the room.")
        first.get_by_role("button", name="Add comment").click()
        member.get_by_text("Comment added.").wait_for()
        assert "Both CTOs must be in the room." in member.locator(".agenda").inner_text()
        assert member.get_by_role("button", name="Up").count() == 0
        member.locator(".agenda-item").first.get_by_role("link", name="Record a decision").click()
        member.get_by_label("Decision", exact=True).fill("Joint execution team from July")
        member.get_by_label("Options considered").fill("Joint team\nWeekly review only")
        member.get_by_label("Ana Lima").first.check()
        member.get_by_label("Jürgen Müller").nth(1).check()
        assert_accessible(member)
        member.get_by_role("button", name="Save the decision").click()
        member.get_by_text("Decision recorded.").wait_for()
        assert_accessible(member)
        member.goto(agenda_url)
        assert "1 decision made" in member.locator("#outcome").inner_text()
        assert_accessible(member)
    finally:
        context.close()
