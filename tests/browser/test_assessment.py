"""The assessment in a real browser: the therapist writes it, finds codes by typing (htmx, under
the strict CSP), ticks one, searches again without losing it, and saves."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def episode(world):
    from kithkin.relationships.services import episode_open

    return episode_open(relationship=world.carol.therapy_relationships.get(), by=world.alice)


def test_a_therapist_writes_the_assessment_and_picks_codes_by_searching(
    world, episode, live_server, page, artifacts
):
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/clients/{world.carol.pk}/assessment/")

    page.get_by_label("Presenting concerns, in the client's own words").fill(
        "I have lived with depression for years."
    )
    page.get_by_label("Familial resources").fill("Her father listens.")
    page.get_by_label("Social challenges").fill("Cannot ask her roommate for anything.")
    page.get_by_label("Low").check()

    search = page.get_by_label("Search codes by code or words")
    search.fill("major depress moderate")
    found = page.get_by_role("checkbox", name="F32.1 Major depressive disorder, single episode")
    found.check()
    search.fill("family discord")
    # The new results replace the old, and the ticked code stays ticked among the chosen.
    expect(page.get_by_role("checkbox", name="Z63.8 Other specified problems")).to_be_visible()
    expect(found).to_be_checked()
    page.get_by_role("checkbox", name="Z63.8 Other specified problems").check()
    screenshot(page, artifacts, "picking")

    page.get_by_role("button", name="Save the assessment").click()
    expect(page.get_by_text("The assessment is saved (version 1).")).to_be_visible()
    expect(page.get_by_text("F32.1", exact=True)).to_be_visible()
    expect(page.get_by_text("Z63.8", exact=True)).to_be_visible()
    expect(page.get_by_text("Her father listens.")).to_be_visible()
    screenshot(page, artifacts, "saved")
    assert errors == []

    from kithkin.assessments.models import AssessmentVersion

    version = AssessmentVersion.objects.get()
    assert [code for code, _ in version.codes] == ["F32.1", "Z63.8"]
