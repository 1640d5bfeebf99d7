from __future__ import annotations

import os

import pytest

from partnership.extensions import db
from partnership.partnerships.models import Partnership
from tests.builders.basics import PASSWORD, make_partnership, make_user, steering_membership
from tests.e2e.browser import assert_accessible, login_as

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]


def test_coach_sets_thresholds_steering_may_not_see_them(page, app, artifacts_dir):
    """Through the plain HTML form (no script): a red level laxer than amber first, then a
    valid change; a steering member is offered no thresholds at all (decisions.md: they are a
    coach's; the page answers them 403)."""
    coach = make_user(email="coach.thresholds@example.org", name="Rita Coach")
    steering = make_user(email="steer.thresholds@example.org")
    partnership = make_partnership(coach, name="Lumen × Müller")
    db.session.add(steering_membership(partnership, steering))
    db.session.commit()

    login_as(page, coach.email, PASSWORD)
    page.goto(f"/partnerships/{partnership.id}")
    page.get_by_role("link", name="Thresholds", exact=True).click()
    page.get_by_role("heading", name="Scoring thresholds").wait_for()
    assert_accessible(page)

    page.get_by_label("Red when J is below").fill("65")
    page.get_by_role("button", name="Save thresholds").click()
    page.get_by_text("Please correct this:").wait_for()
    assert page.get_by_text("Red must be at most the amber value (60 points)").first.is_visible()
    assert_accessible(page)  # the form with its error message

    page.get_by_label("Red when J is below").fill("50")
    page.get_by_label("Amber when J is below (points)", exact=True).fill("80")
    page.get_by_label("Amber when an organization's participation is below").fill("55")
    page.get_by_role("button", name="Save thresholds").click()
    page.get_by_text("Thresholds saved: 2 differ from the scoring.md defaults.").wait_for()
    assert_accessible(page)
    page.screenshot(path=os.path.join(artifacts_dir, "thresholds.png"), full_page=True)
    db.session.expire_all()
    stored = db.session.get(Partnership, partnership.id).thresholds
    assert stored == {"level_amber": 80.0, "participation_amber": 0.55}

    page.get_by_role("button", name="Log out").click()
    login_as(page, steering.email, PASSWORD)
    page.goto(f"/partnerships/{partnership.id}")
    page.get_by_role("link", name="Results", exact=True).wait_for()
    assert page.get_by_role("link", name="Thresholds", exact=True).count() == 0
    assert page.get_by_text("Early-warning thresholds").count() == 0
