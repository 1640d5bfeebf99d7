"""The coach's schedule and outbox pages in Chromium, at 1280 and 375 px, axe-clean."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from tests.builders.basics import PASSWORD, make_partnership, make_user
from tests.builders.schedule import OPENS, people, plan, tick
from tests.builders.surveys import add_stakeholder, make_instrument
from tests.e2e.browser import assert_accessible, login_as

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]


def test_coach_follows_the_schedule_and_sends_a_failed_email_again(
    page, app, runner, smtp_server, artifacts_dir
):
    coach = make_user(email="coach.schedule@example.org", name="Rita Coach")
    partnership = make_partnership(
        coach, name="Lumen × Müller", org_a_name="Lumen Software", org_b_name="Müller Fertigung"
    )
    pulse = make_instrument(partnership, name="Quarterly pulse")
    check = make_instrument(partnership, name="Plan and execution check")
    people(partnership, 3)
    bad = add_stakeholder(partnership, 2, name="Jörg Weiß", email="joerg@mueller.example")
    smtp_server.rejected.add(bad.email)
    plan(partnership, pulse)
    plan(
        partnership,
        check,
        opens=dt.datetime(2030, 3, 20, 9, 0),
        closes=dt.datetime(2030, 4, 3, 17, 0),
    )

    login_as(page, coach.email, PASSWORD)
    page.goto(f"/partnerships/{partnership.id}/cycles")
    page.get_by_text("The scheduler is not running").wait_for()
    assert "it never ran" in page.locator(".scheduler-alert").inner_text()
    assert_accessible(page)

    tick(runner, OPENS - dt.timedelta(minutes=5))
    tick(runner, OPENS + dt.timedelta(hours=2))  # down across the opening

    page.get_by_role("link", name="Schedule & email").click()
    page.get_by_role("heading", name="Schedule & email").wait_for()
    assert page.locator(".scheduler-alert").count() == 0
    table = page.locator("table.schedule")
    assert "2 h late: the scheduler was not running" in table.inner_text()
    assert "opens 2030-03-20 09:00 Europe/Berlin" in table.inner_text()
    page.get_by_text("1 email could not be delivered").wait_for()
    assert_accessible(page)
    page.screenshot(path=os.path.join(artifacts_dir, "schedule-1280.png"), full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    assert_accessible(page)
    page.screenshot(path=os.path.join(artifacts_dir, "schedule-375.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_label("Second reminder, days before closing").fill("2")
    page.get_by_label("First reminder, days before closing").fill("2")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Please correct this:").wait_for()
    assert_accessible(page)
    page.get_by_label("First reminder, days before closing").fill("5")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Schedule settings saved.").wait_for()

    page.get_by_role("link", name="See the errors and send them again").click()
    row = page.locator("table.outbox tbody tr")
    assert row.count() == 1 and "550 5.1.1" in row.inner_text()
    assert_accessible(page)
    page.screenshot(path=os.path.join(artifacts_dir, "outbox-failed-1280.png"), full_page=True)
    smtp_server.rejected.clear()
    page.get_by_role("button", name="Send again to joerg@mueller.example").click()
    page.get_by_text("1 email queued again").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="All", exact=True).click()
    page.set_viewport_size({"width": 375, "height": 800})
    assert_accessible(page)
    page.screenshot(path=os.path.join(artifacts_dir, "outbox-375.png"), full_page=True)
