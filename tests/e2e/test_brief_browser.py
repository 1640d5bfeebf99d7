"""In Chromium: the coach issues the brief from the cycle page; a steering member reads it on
its page (charts as SVG, tables beside them), downloads the PDF and acknowledges it.
Screenshots at 1280 and 375 px; every page visited is axe-clean."""

from __future__ import annotations

import os

import pytest

from partnership.extensions import db
from tests.builders.basics import PASSWORD, make_partnership, make_user, steering_membership
from tests.builders.governance import close_quarter
from tests.e2e.browser import assert_accessible, login_as

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]


def shot(page, artifacts_dir: str, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=os.path.join(artifacts_dir, name), full_page=True)


def test_issue_read_download_and_acknowledge_the_brief(page, app, artifacts_dir):
    coach = make_user(email="coach.brief@example.org", name="Rita Conceição")
    partnership = make_partnership(
        coach, name="Lumen × Müller", org_a_name="Lumen Software", org_b_name="Müller Fertigung"
    )
    close_quarter(partnership, "2026-Q1", seed=3)
    survey = close_quarter(partnership, "2026-Q2")
    member = make_user(email="zoe.brief@example.org", name="Zoë Łukasiewicz")
    db.session.add(steering_membership(partnership, member, partnership.org_b))
    db.session.commit()
    cycle_url = f"/partnerships/{partnership.id}/cycles/{survey.cycle_id}"

    login_as(page, coach.email, PASSWORD)
    page.goto(cycle_url)
    panel = page.locator("#cycle-brief")
    panel.get_by_role("button", name="Issue the brief").click()
    page.get_by_text("Brief version 1 issued; it is emailed to 1 steering member.").wait_for()
    assert_accessible(page)
    shot(page, artifacts_dir, "brief-versions-coach.png")

    page.locator("form[action='/logout'] button").click()
    page.wait_for_url("**/login")
    login_as(page, member.email, PASSWORD)
    page.goto(cycle_url + "/brief")
    page.get_by_role("link", name="Read the brief on this page").click()
    page.get_by_role("heading", name="Scores", exact=True).wait_for()
    assert page.locator("svg.chart").count() >= 3
    assert_accessible(page)
    shot(page, artifacts_dir, "brief-page-1280.png")
    page.set_viewport_size({"width": 375, "height": 800})
    assert_accessible(page)
    shot(page, artifacts_dir, "brief-page-375.png")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(cycle_url + "/brief")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF of version 1").click()
    assert download.value.suggested_filename == "brief-2026-Q2-v1.pdf"
    page.get_by_role("button", name="I have read version 1").click()
    page.get_by_text("You acknowledged brief version 1.").wait_for()
    assert "Zoë Łukasiewicz" in page.locator("#versions").inner_text()
    assert_accessible(page)
    shot(page, artifacts_dir, "brief-versions-steering.png")
