from __future__ import annotations

import os

import pytest

from partnership.extensions import db
from partnership.surveys.models import Cycle
from tests.builders.basics import PASSWORD, make_partnership, make_user
from tests.e2e.browser import assert_accessible, login_as

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]


def test_coach_sets_up_kpis_and_records_a_cycles_values(page, app, artifacts_dir):
    """Through the KPI pages' plain HTML forms (they carry no script): add a shared and a
    linked local KPI, then record a cycle's values, a typing mistake first."""
    coach = make_user(email="coach.kpi@example.org", name="Rita Coach")
    partnership = make_partnership(
        coach, name="Lumen × Müller", org_a_name="Lumen Software", org_b_name="Müller Fertigung"
    )
    db.session.add(Cycle(partnership_id=partnership.id, label="2026-Q2"))
    db.session.commit()
    login_as(page, coach.email, PASSWORD)
    page.goto(f"/partnerships/{partnership.id}")
    page.get_by_role("link", name="KPIs", exact=True).click()
    page.get_by_role("link", name="Add KPI").click()
    page.get_by_label("Name").fill("On-time joint deliveries")
    page.get_by_label("Target").fill("95")
    page.get_by_label("Unit").fill("%")
    assert_accessible(page)
    page.get_by_role("button", name="Save").click()
    page.get_by_text("KPI “On-time joint deliveries” added.").wait_for()

    page.get_by_role("link", name="Add KPI").click()
    page.get_by_label("Name").fill("Unit cost")
    page.get_by_label("Kind").select_option("local")
    page.get_by_label("Direction").select_option("lower")
    page.get_by_label("Target").fill("42")
    page.get_by_label("Organization").select_option(label="Müller Fertigung")
    page.get_by_label("Serves the shared KPI").select_option(label="On-time joint deliveries")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("KPI “Unit cost” added.").wait_for()
    assert_accessible(page)

    page.goto(f"/partnerships/{partnership.id}/cycles")
    page.get_by_role("link", name="2026-Q2").click()
    page.get_by_role("link", name="KPI values").click()
    page.get_by_label("On-time joint deliveries: value").fill("88")
    page.get_by_label("Unit cost: value").fill("40,8")
    page.get_by_role("button", name="Save values").click()
    page.get_by_text("Please correct this:").wait_for()
    assert_accessible(page)  # the form with its error message
    page.get_by_label("Unit cost: value").fill("40.8")
    page.get_by_role("button", name="Save values").click()
    page.get_by_text("KPI values of 2026-Q2 saved: 2 recorded or changed, 0 cleared.").wait_for()
    table = page.locator("#kpi-values")
    assert table.get_by_text("Off target").count() == 1
    assert table.get_by_text("On target").count() == 1
    assert_accessible(page)
    page.screenshot(path=os.path.join(artifacts_dir, "kpi-values.png"), full_page=True)
