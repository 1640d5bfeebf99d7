"""In Chromium: a quarter's turn from the closed survey's issues to an owned action and on to
Communicate, with screenshots of the cycle page and the issue-to-action flow (1280 and 375 px);
every page visited is axe-clean."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from partnership.extensions import db
from partnership.governance.models import Issue
from tests.builders.basics import PASSWORD, make_partnership, make_user
from tests.builders.governance import close_quarter
from tests.e2e.browser import assert_accessible, login_as

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]


def shot(page, artifacts_dir: str, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=os.path.join(artifacts_dir, name), full_page=True)


def test_from_the_quarters_issues_to_an_owned_action_and_on_to_communicate(
    page, app, artifacts_dir
):
    coach = make_user(email="coach.governance@example.org", name="Rita Conceição")
    partnership = make_partnership(
        coach, name="Lumen × Müller", org_a_name="Lumen Software", org_b_name="Müller Fertigung"
    )
    survey = close_quarter(partnership, "2026-Q2")
    cycle_id = survey.cycle_id
    red = db.session.scalars(
        select(Issue).where(Issue.cycle_id == cycle_id, Issue.severity == "red").order_by(Issue.id)
    ).all()
    gap = next(i for i in red if i.rule == "GAP")
    others = [i for i in red if i.id != gap.id]
    base = f"/partnerships/{partnership.id}"
    login_as(page, coach.email, PASSWORD)

    # the cycle page: stage bar, guard, issues
    page.goto(f"{base}/cycles/{cycle_id}")
    page.get_by_role("heading", name="This cycle's turn").wait_for()
    assert (
        page.locator(".stage-bar li[aria-current='step']").inner_text().strip().startswith("Assess")
    )
    assert_accessible(page)
    page.get_by_role("button", name="Move to Adapt").click()
    page.get_by_text("Cycle 2026-Q2 moved to Adapt.").wait_for()
    guard = page.locator("#guard")
    assert f"Red issue “{gap.title}” has no action or decision yet." in guard.inner_text()
    assert page.get_by_role("button", name="Move to Communicate").count() == 0
    assert_accessible(page)
    shot(page, artifacts_dir, "governance-cycle-adapt.png")

    # the issue and its suggestions: one click makes the action, then its owner and due date
    page.locator("#cycle-issues").get_by_role("link", name=gap.title).click()
    page.get_by_role("heading", name="Suggested interventions").wait_for()
    assert_accessible(page)
    shot(page, artifacts_dir, "governance-issue.png")
    page.get_by_role(
        "button", name="Make it an action for “Joint team with shared objectives”"
    ).click()
    page.get_by_text("Action created from the suggestion.").wait_for()
    assert page.get_by_label("Title").input_value() == "Joint team with shared objectives"
    page.get_by_label("Owner organization").select_option(label="Müller Fertigung")
    page.get_by_label("Owner", exact=True).select_option(label="Rita Conceição")
    page.get_by_label("Due on").fill("2026-07-15")
    assert_accessible(page)
    shot(page, artifacts_dir, "governance-action-edit.png")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Action saved.").wait_for()
    facts = page.locator(".facts").first.inner_text()
    assert "Rita Conceição, Müller Fertigung" in facts and "2026-07-15" in facts
    assert "waiting for the next closed survey" in page.locator("#gap").inner_text()
    assert_accessible(page)
    shot(page, artifacts_dir, "governance-action.png")

    # the other red issues get a decision each; then the cycle moves on
    for issue in others:
        page.goto(f"{base}/issues/{issue.id}")
        page.get_by_role("textbox", name="Decision").fill(
            "Accepted for this quarter; revisit in Q3."
        )
        page.get_by_role("button", name="Record the decision").click()
        page.get_by_text("Decision recorded.").wait_for()
    page.goto(f"{base}/cycles/{cycle_id}")
    page.get_by_role("button", name="Move to Communicate").click()
    page.get_by_text("Cycle 2026-Q2 moved to Communicate.").wait_for()
    assert (
        page.locator(".stage-bar li[aria-current='step']")
        .inner_text()
        .strip()
        .startswith("Communicate")
    )
    assert_accessible(page)
    shot(page, artifacts_dir, "governance-cycle.png")
    page.set_viewport_size({"width": 375, "height": 800})
    assert_accessible(page)
    shot(page, artifacts_dir, "governance-cycle-375.png")
    page.goto(f"{base}/issues/{gap.id}")
    shot(page, artifacts_dir, "governance-issue-375.png")
    page.set_viewport_size({"width": 1280, "height": 900})

    # the lists, the playbook, the playback preview
    for path, heading in (
        ("/issues", "Issues"),
        ("/actions", "Actions"),
        ("/lessons", "Lessons"),
        ("/playbook", "Playbook"),
        ("/governance/settings", "Stage targets"),
        (f"/cycles/{cycle_id}/playback", "Playback of 2026-Q2"),
    ):
        page.goto(base + path)
        page.get_by_role("heading", name=heading, exact=True).wait_for()
        assert_accessible(page)
    shot(page, artifacts_dir, "governance-playback.png")
