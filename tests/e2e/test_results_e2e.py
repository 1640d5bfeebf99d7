"""In Chromium: the coach opens the results of a closed survey and sees the charts."""

from __future__ import annotations

import os

import pytest

from partnership.scoring import fmt_score
from tests.builders.basics import PASSWORD, make_partnership, make_user
from tests.builders.pulse import build_closed_survey, dim, make_pulse_instrument
from tests.e2e.browser import assert_accessible, login_as

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]


def test_coach_sees_the_results_of_a_closed_survey(page, app, artifacts_dir):
    coach = make_user(email="coach.results@example.org", name="Rita Coach")
    partnership = make_partnership(
        coach, name="Lumen × Müller", org_a_name="Lumen Software", org_b_name="Müller Fertigung"
    )
    pulse = make_pulse_instrument(partnership)
    survey, result, _ = build_closed_survey(partnership, instrument=pulse, label="2026-Q1")
    execution = dim(result, "execution")
    login_as(page, coach.email, PASSWORD)

    page.goto(f"/partnerships/{partnership.id}/results")
    page.get_by_role("heading", name="Quarterly partnership pulse · 2026-Q1").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Full results").first.click()
    page.wait_for_url(f"**/surveys/{survey.id}/results")

    radar = page.locator("svg#chart-radar")
    radar.wait_for()
    assert radar.is_visible()
    box = radar.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 150
    assert page.get_by_role("img", name="Dimension scores of both organizations").is_visible()
    row = page.locator("#gap-table tr", has_text="Execution alignment")
    cells = row.locator("td").all_inner_texts()
    assert fmt_score(execution["G"], signed=True) in cells
    assert fmt_score(execution["J"]) in cells
    assert "confirmed" in cells
    # the favorable bars keep their colours under the CSP (a style attribute would be blocked)
    red = page.locator("svg#chart-split rect[fill]").evaluate_all(
        "els => els.map(e => getComputedStyle(e).fill)"
    )
    assert "rgb(179, 38, 30)" in red
    # the table alternative opens
    page.locator("#fig-gap summary").click()
    assert page.locator("#fig-gap details table").is_visible()
    assert_accessible(page)
    page.screenshot(path=os.path.join(artifacts_dir, "results.png"), full_page=True)

    page.goto(f"/partnerships/{partnership.id}/trends")
    page.locator("svg#chart-trend-0-j").wait_for()
    assert_accessible(page)
