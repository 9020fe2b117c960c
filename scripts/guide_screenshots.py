"""Takes the user guide's screenshots from the demo practice: `.venv/bin/python
scripts/guide_screenshots.py`. Builds the demo in a throw-away folder, serves it with `kithkin
serve`, and drives Debian's headless Chromium with Playwright (no browser download). Writes
docs/guide/img/*.png; commit them when the pages they show change.
"""

import datetime
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "guide" / "img"
KITHKIN = [str(Path(sys.executable).with_name("kithkin"))]
PASSWORD = "guide-screenshots-2026"  # noqa: S105 - the throw-away demo's password
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own local server
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def log_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def crop(page, path: Path, top: str, bottom: str) -> None:
    """A picture of the page from the top of ``top`` to the bottom of ``bottom`` (selectors), so a
    long page is shown by the part the guide talks about."""
    main = page.locator("main").bounding_box()
    first = page.locator(top).first.bounding_box()
    last = page.locator(bottom).last.bounding_box()
    clip = {
        "x": main["x"],
        "y": max(0, first["y"] - 16),
        "width": main["width"],
        "height": last["y"] + last["height"] - first["y"] + 32,
    }
    page.screenshot(path=path, full_page=True, clip=clip)


def journey(page, base: str) -> None:
    """Alexis's timeline, plan and a signed note, and alice's week and caseload, for the pages on
    the journey, sessions and notes, the treatment plan and the caseload."""
    page.goto(f"{base}/caseload/")
    page.locator("main").screenshot(path=OUT / "caseload.png")
    page.get_by_role("link", name=re.compile("Alexis")).first.click()
    record = page.url
    page.get_by_role("link", name="Timeline: episodes, phases and sessions").click()
    page.locator("article.episode").first.screenshot(path=OUT / "timeline.png")
    page.goto(record)
    page.get_by_role("link", name="Treatment plan").click()
    crop(page, OUT / "treatment-plan.png", "h1", "ol.goals")
    page.goto(record)
    page.get_by_role("link", name="Sessions", exact=True).click()
    # The week of the joint session with her mother, planned a fortnight ahead.
    joint = page.locator("tr", has_text="Joint").first.locator("time").get_attribute("datetime")
    year, week, _ = datetime.datetime.fromisoformat(joint).isocalendar()
    attended = [
        row.locator("a").get_attribute("href")
        for row in page.locator("tr", has_text="Attended").all()
    ]
    # The signed note that has an addendum: the demo puts one on the sixth of eight notes.
    for href in attended:
        page.goto(f"{base}{href}note/")
        if page.locator("article.addendum").count():
            break
    crop(page, OUT / "progress-note.png", "h1", "article.addendum")
    page.goto(f"{base}/calendar/?week={year}-W{week:02d}")
    page.locator("main").screenshot(path=OUT / "calendar.png")


def ending_review(page, base: str) -> None:
    """The review of the road travelled of Camila's first episode (closed as planned, signed
    and shared; she has since come back), for the page on the ending review."""
    page.goto(f"{base}/caseload/")
    page.get_by_role("link", name=re.compile("Camila")).first.click()
    page.get_by_role("link", name="Timeline: episodes, phases and sessions").click()
    page.get_by_role("link", name="The ending review of episode 1").click()
    page.get_by_role("heading", name=re.compile("^The road travelled")).wait_for()
    crop(page, OUT / "ending-review.png", "h1", "section[aria-labelledby=door-heading]")


def shoot(base: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        log_in(page, base, "alice")
        page.get_by_role("link", name=re.compile("Alexis")).first.click()
        page.get_by_role("link", name="Spheres of influence").click()
        page.get_by_role("link", name=re.compile(r"\d")).first.click()  # the latest map
        page.locator(".bullseye svg").first.screenshot(path=OUT / "bullseye.png")
        page.screenshot(path=OUT / "therapist-map.png", full_page=False)
        journey(page, base)
        ending_review(page, base)
        log_in(page, base, "alexis")
        page.goto(f"{base}/portal/maps/")
        page.get_by_role("link", name="Look at this map").first.click()
        page.screenshot(path=OUT / "client-map.png", full_page=False)
        browser.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as var:
        env = {
            **os.environ,
            "KITHKIN_VAR_DIR": var,
            "KITHKIN_DATABASE_URL": f"sqlite:///{var}/guide.sqlite3",
            "KITHKIN_DEMO_PASSWORD": PASSWORD,
            "KITHKIN_REQUIRE_2FA": "0",
        }
        env.pop("KITHKIN_PRODUCTION", None)
        subprocess.run([*KITHKIN, "migrate", "--noinput", "-v", "0"], env=env, check=True)  # noqa: S603
        subprocess.run([*KITHKIN, "demo", "--quiet"], env=env, check=True)  # noqa: S603
        port = free_port()
        server = subprocess.Popen(  # noqa: S603
            [*KITHKIN, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/healthz")
            shoot(base)
        finally:
            server.terminate()
            server.wait(timeout=20)
    for shot in sorted(OUT.glob("*.png")):
        print(f"wrote {shot.relative_to(ROOT)} ({shot.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
