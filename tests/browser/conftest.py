"""Shared set-up of the browser tests: Debian's headless Chromium driven by Playwright (no browser
download), a signed-in page, and a folder for screenshots kept after the run."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def page(live_server, monkeypatch):
    """A Chromium page. Tests that need data request it after `world`, so it is committed before
    Playwright starts (live_server makes the test transactional: the server thread sees commits).

    While the browser is open, Playwright's sync API keeps an asyncio loop running in this thread,
    and Django then refuses any ORM call here with SynchronousOnlyOperation. Tests that check a
    saved row after a click need the ORM, so the guard is lifted. It is lifted by monkeypatch, for
    these tests only: set at import time it would stay set for the whole session, hiding real
    async-safety bugs in every other test.
    """
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; under CI=true the browser tests must run")
        pytest.skip(f"NOTICE: browser tests SKIPPED: {message}")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(10_000)
            yield page
        finally:
            browser.close()


@pytest.fixture
def artifacts(request) -> Path:
    """Where this test's screenshots go: kept after the run (CI keeps the folder), one folder per
    test, emptied first. KITHKIN_TEST_ARTIFACTS moves it; the default is var/test-artifacts/."""
    base = Path(os.environ.get("KITHKIN_TEST_ARTIFACTS", ROOT / "var" / "test-artifacts"))
    folder = base / "browser" / re.sub(r"[^\w.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    return folder


def log_in(page, url, username):
    page.goto(f"{url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def screenshot(page, folder: Path, name: str) -> Path:
    shot = folder / f"{name}.png"
    page.screenshot(path=shot, full_page=True)
    assert shot.read_bytes().startswith(b"\x89PNG")
    assert shot.stat().st_size > 1000
    return shot
