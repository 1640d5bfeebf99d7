"""What the browser tests share: logging in and the accessibility check (axe) of a page."""

from __future__ import annotations


def assert_accessible(page) -> None:
    """axe-core in the page: no serious or critical violations."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
    assert not bad, "accessibility violations on " + page.url + ":\n" + "\n".join(bad)


def login_as(page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/partnerships")
