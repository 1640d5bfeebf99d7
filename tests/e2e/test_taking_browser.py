"""The survey page in Chromium: readable on a phone, usable with the keyboard alone, and free
of serious accessibility violations, with and without error messages."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from partnership.extensions import db
from partnership.surveys.models import Answer, Response
from tests.builders.taking import open_survey
from tests.e2e.browser import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]


@pytest.fixture
def phone(browser, app, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 375, "height": 740}, is_mobile=True
    )
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda msg: (
            problems.append(msg.text)
            if msg.type == "error" and "status of 400" not in msg.text
            else None
        ),
    )
    try:
        yield page
    finally:
        context.close()
    assert not problems, f"console errors (CSP violations included): {problems}"


def _no_horizontal_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page is {width}px wide at a 375px viewport"


def test_on_a_phone_the_page_fits_is_accessible_and_works_by_keyboard(phone, artifacts_dir):
    world = open_survey()
    required = world.item("overall-value")
    required.is_required = True
    db.session.commit()
    phone.goto(f"/s/{world.tokens[0]}")
    assert "Müller Fertigung" in phone.content()
    _no_horizontal_scroll(phone)
    assert_accessible(phone)
    phone.screenshot(path=f"{artifacts_dir}/survey-phone.png")
    phone.locator("fieldset").nth(20).scroll_into_view_if_needed()
    phone.screenshot(path=f"{artifacts_dir}/survey-phone-items.png")

    # Keyboard only: Tab reaches the first question's radios, arrows choose, focus is visible.
    first = world.items[0]
    for _ in range(40):
        phone.keyboard.press("Tab")
        if phone.evaluate("document.activeElement.name") == f"item-{first.id}":
            break
    else:
        pytest.fail("Tab never reached the first question")
    outline = phone.evaluate(
        "(() => { const l = document.activeElement.closest('label');"
        " return getComputedStyle(l).outlineStyle; })()"
    )
    assert outline != "none", "the focused answer shows no focus ring"
    phone.keyboard.press("ArrowRight")  # moves to and selects "Disagree"
    assert phone.evaluate("document.activeElement.value") == "2"

    # Send without the required answer: the summary lists it and links to its first radio.
    phone.get_by_role("button", name="Send my answers").click()
    summary = phone.locator(".error-summary")
    assert "Please choose an answer to this question." in summary.inner_text()
    _no_horizontal_scroll(phone)
    assert_accessible(phone)
    assert phone.locator(f"#item-{first.id}-2").is_checked()  # the answer was kept
    phone.screenshot(path=f"{artifacts_dir}/survey-phone-errors.png")
    summary.get_by_role("link").first.click()
    phone.keyboard.press("Space")  # the link took focus to the first radio: choose it
    assert phone.locator(f"#item-{required.id}-1").is_checked()
    phone.keyboard.press("Enter")  # submits the form
    phone.wait_for_url("**/s/thanks")
    assert "Your answers are saved" in phone.content()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1
    stored = {a.item_id: a.value for a in db.session.scalars(select(Answer))}
    assert stored == {first.id: 2, required.id: 1}
