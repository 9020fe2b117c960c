"""The practice view in a real browser: alice opens it from the menu and reads the practice's
figures, with one client's feedback withheld rather than shown."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kithkin.measures import services
from kithkin.schedule.models import Session
from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser


def test_alice_reads_the_practice_view_and_one_clients_feedback_is_withheld(
    world, live_server, page, artifacts
):
    session = Session.objects.create(
        practice=world.practice,
        client=world.carol,
        therapist=world.alice,
        starts_at=timezone.now() - datetime.timedelta(days=1),
        status=Session.Status.ATTENDED,
    )
    services.response_submit(
        client=world.carol,
        instrument_code="alliance",
        answers={item: 9 for item in range(1, 10)},
        by=world.carol_login,
        via="portal",
        session=session,
        idempotency_key="browser-practice-view",
    )
    log_in(page, live_server.url, "alice")
    page.get_by_role("link", name="Practice feedback").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Feedback across the practice")
    practice = page.get_by_role("region", name="The whole practice")
    expect(practice).to_contain_text("Courses with feedback")
    expect(practice).to_contain_text("withheld: fewer than 5 clients gave check-ins")
    expect(page.get_by_role("region", name="Alice Example")).to_be_visible()
    expect(page.get_by_text("Carol")).to_have_count(0)
    expect(page.get_by_text("Bob Example")).to_have_count(0)
    screenshot(page, artifacts, "practice-feedback")
