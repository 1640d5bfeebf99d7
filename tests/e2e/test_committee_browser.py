"""In Chromium: a coach invites a steering member on the Members page; the member's pages start
with results, at desktop and phone widths, with no serious accessibility violation."""

from __future__ import annotations

import os

import pytest

from partnership.extensions import db
from tests.builders.basics import PASSWORD, make_partnership, make_user, steering_membership
from tests.builders.pulse import build_closed_survey, make_pulse_instrument
from tests.e2e.browser import assert_accessible, login_as

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]


def test_the_coach_invites_and_the_steering_member_reads_results_first(page, app, artifacts_dir):
    coach = make_user(email="coach.committee@example.org", name="Rita Coach")
    member = make_user(email="steer.committee@example.org", name="Jörg Weißmann")
    partnership = make_partnership(
        coach, name="Lumen × Müller", org_a_name="Lumen Software", org_b_name="Müller Fertigung"
    )
    build_closed_survey(partnership, instrument=make_pulse_instrument(partnership), label="2026-Q1")
    db.session.add(steering_membership(partnership, member, partnership.org_b))
    db.session.commit()

    login_as(page, coach.email, PASSWORD)
    page.goto(f"/partnerships/{partnership.id}")
    page.get_by_role("link", name="Members").click()
    page.get_by_role("heading", name="Invite a steering member").wait_for()
    assert page.get_by_text("No steering member represents Lumen Software yet").is_visible()
    page.get_by_label("Name").fill("Amara Lindqvist")
    page.get_by_label("Email").fill("amara@lumen.example")
    page.get_by_label("Represents").select_option("A")
    page.get_by_role("button", name="Invite", exact=True).click()
    page.get_by_text("Amara Lindqvist is invited").wait_for()
    assert page.get_by_text("No steering member represents").count() == 0
    assert_accessible(page)
    page.screenshot(path=os.path.join(artifacts_dir, "committee.png"), full_page=True)
    page.get_by_role("button", name="Log out").click()

    login_as(page, member.email, PASSWORD)
    page.goto(f"/partnerships/{partnership.id}")
    nav = page.get_by_role("navigation", name="Partnership")
    assert nav.get_by_role("link").all_inner_texts()[:3] == ["Overview", "Results", "Trends"]
    assert nav.get_by_role("link", name="Stakeholders").count() == 0
    nav.get_by_role("link", name="Results").click()
    page.get_by_role("heading", name="Quarterly partnership pulse · 2026-Q1").wait_for()
    assert page.get_by_role("link", name="API tokens").count() == 0
    assert_accessible(page)
    page.screenshot(path=os.path.join(artifacts_dir, "steering-results-1280.png"), full_page=True)
    # At phone width the results tables scroll sideways inside wrappers a keyboard can reach
    # (issue 19): the page stays axe-clean there too, as does the member's overview.
    page.set_viewport_size({"width": 375, "height": 800})
    assert_accessible(page)
    page.screenshot(path=os.path.join(artifacts_dir, "steering-results-375.png"), full_page=True)
    page.goto(f"/partnerships/{partnership.id}")
    assert_accessible(page)
    page.screenshot(path=os.path.join(artifacts_dir, "steering-overview-375.png"), full_page=True)
