"""The first minutes of a therapist's day, in a real browser: log in, find a client on the
caseload, open their record. Headless Debian Chromium, driven by Playwright; no browser download.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser


def test_a_therapist_logs_in_and_opens_a_client_from_the_caseload(
    world, live_server, page, artifacts
):
    log_in(page, live_server.url, "alice")
    expect(page.get_by_role("heading", level=1)).to_have_text("Caseload")
    expect(page.get_by_text("Dave Marsh")).to_have_count(0)

    page.get_by_role("link", name="Carol Quill").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Carol Quill")
    expect(page.get_by_role("heading", name="Identity and contact")).to_be_visible()

    screenshot(page, artifacts, "client")


def test_the_first_tab_reaches_the_skip_link_and_it_moves_focus_to_the_content(
    world, live_server, page
):
    log_in(page, live_server.url, "alice")
    expect(page.get_by_role("heading", level=1)).to_have_text("Caseload")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    # Hidden off-screen until focused; a sighted keyboard user must see where focus is.
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_the_login_page_loads_everything_from_its_own_server_without_errors(live_server, page):
    requested, failed, errors = [], [], []
    page.on("request", lambda request: requested.append(request.url))
    page.on("response", lambda response: response.ok or failed.append(response.url))

    def on_console(message):
        if message.type == "error":
            errors.append(f"{message.text}: {message.location['url']}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{live_server.url}/login/", wait_until="networkidle")

    # Clinical pages must not tell a CDN who is logging in where, nor depend on one being up.
    elsewhere = [url for url in requested if not url.startswith(f"{live_server.url}/")]
    assert elsewhere == []
    assert any("htmx" in url for url in requested)
    assert page.evaluate("typeof window.htmx") == "object"
    assert failed == []
    assert errors == []
