from __future__ import annotations

import os

import pytest

from tests.builders.basics import PASSWORD, make_user
from tests.e2e.browser import assert_accessible, login_as

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]

CSV = (
    "name,email,organization,function,level\n"
    "Ana Conceição,ana@lumen.example,LUM,product,manager\n"
    "Jürgen Weiß,juergen@mueller.example,MUE,operations,individual contributor\n"
    "Søren Østergaard,soren@mueller.example,Müller Fertigung,procurement,executive\n"
)


def test_coach_creates_partnership_imports_csv_and_sees_stakeholders(
    page, app, tmp_path, artifacts_dir
):
    coach = make_user(email="coach.e2e@example.org", name="Rita Coach")
    login_as(page, coach.email, PASSWORD)
    assert_accessible(page)

    page.get_by_role("link", name="New partnership").first.click()
    page.get_by_label("Partnership name").fill("Lumen × Müller")
    page.get_by_label("First organization").fill("Lumen Software")
    page.locator("#org_a_code").fill("LUM")
    page.get_by_label("Second organization").fill("Müller Fertigung")
    page.locator("#org_b_code").fill("MUE")
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    assert_accessible(page)
    page.get_by_role("button", name="Create partnership").click()
    page.get_by_text("Partnership “Lumen × Müller” created.").wait_for()

    page.get_by_role("link", name="Stakeholders").first.click()
    page.get_by_role("link", name="Import CSV").click()
    csv_path = tmp_path / "people.csv"
    csv_path.write_bytes(b"\xef\xbb\xbf" + CSV.encode())
    page.get_by_label("CSV file").set_input_files(str(csv_path))
    assert_accessible(page)
    page.get_by_role("button", name="Preview the import").click()
    page.get_by_role("heading", name="Import preview").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Apply: add 3, change 0, deactivate 0").click()
    page.get_by_text("Import done: 3 added, 0 changed, 0 deactivated.").wait_for()

    table = page.locator("#stakeholders")
    for name in ("Ana Conceição", "Jürgen Weiß", "Søren Østergaard"):
        assert table.get_by_role("cell", name=name, exact=True).is_visible()
    assert_accessible(page)
    page.screenshot(path=os.path.join(artifacts_dir, "stakeholders.png"), full_page=True)


def test_bad_csv_shows_line_numbers_in_the_browser(page, app, tmp_path):
    coach = make_user(email="coach.e2e2@example.org")
    from tests.builders.basics import make_partnership

    partnership = make_partnership(coach, name="P")
    login_as(page, coach.email, PASSWORD)
    page.goto(f"/partnerships/{partnership.id}/stakeholders/import")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "name,email,organization,function,level\nA,broken,ALP,sales,manager\n", encoding="utf-8"
    )
    page.get_by_label("CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Preview the import").click()
    summary = page.locator("#import-errors")
    summary.wait_for()
    assert "Line 2:" in summary.inner_text()
    assert_accessible(page)


def test_phone_layout_has_no_horizontal_scroll(browser, app, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.goto("/login")
    width = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert width <= 375
