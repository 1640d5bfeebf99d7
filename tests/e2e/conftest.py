"""Playwright driving Debian's Chromium (/usr/bin/chromium); never a downloaded browser."""

from __future__ import annotations

import os

import pytest

from tests.environment import require

CHROMIUM = os.environ.get("PARTNERSHIP_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser():
    require(os.path.exists(CHROMIUM), f"Chromium at {CHROMIUM}", "apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, app, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    # A form re-rendered with its errors answers 4xx on purpose; Chromium logs that document
    # status as a console error. Anything else (a missing asset, a CSP violation) fails the test.
    expected = tuple(f"status of {code} " for code in (400, 401, 409, 422, 429))

    def on_console(msg) -> None:
        if msg.type == "error" and not any(e in msg.text for e in expected):
            errors.append(msg.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"browser console errors (CSP violations included): {errors}"
