"""Consent in a real browser (issue 8): the therapist drafts an authorization, the client reads
and signs it in the portal, the therapist releases under it, the client revokes it, and the
next release is refused with its reason."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser


def as_user(page, url, username):
    page.context.clear_cookies()
    log_in(page, url, username)


def test_the_client_signs_the_therapist_releases_the_client_revokes_and_the_next_is_refused(
    world, live_server, page, artifacts
):
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    url = live_server.url
    carol = world.carol.pk

    # The therapist drafts it with the client.
    as_user(page, url, "alice")
    page.goto(f"{url}/clients/{carol}/consents/")
    page.get_by_label("My questionnaire scores (such as PHQ-9 and GAD-7)").check()
    page.get_by_label("Who receives it").fill("Dr Ngozi Okafor")
    page.get_by_label("Their organisation").fill("Riverside Counselling")
    page.get_by_label("Where it is sent").fill("referrals@riverside.example")
    page.get_by_label("Purpose").fill("Continuity of care")
    expires = timezone.localdate() + datetime.timedelta(days=60)
    page.get_by_label("It expires on").fill(expires.isoformat())
    page.get_by_role("button", name="Draft the text").click()
    expect(page.locator("#consent-state")).to_contain_text("Waiting for a signature")

    # The client reads the exact text in the portal and signs it.
    as_user(page, url, "carol")
    page.goto(f"{url}/portal/")
    page.get_by_role("link", name="Your authorizations").click()
    page.get_by_role("link", name="To Dr Ngozi Okafor, Riverside Counselling").click()
    expect(page.locator("pre.exact-text")).to_contain_text("I, Carol Quill, authorize")
    page.get_by_label("Type your full name to sign").fill("Carol Quill")
    page.get_by_role("button", name="Sign this authorization").click()
    expect(page.locator("#consent-state")).to_contain_text("In force")
    expect(page.get_by_role("link", name="Your copy (PDF)")).to_be_visible()
    screenshot(page, artifacts, "signed-in-portal")

    # The therapist releases under it.
    as_user(page, url, "alice")
    page.goto(f"{url}/clients/{carol}/consents/")
    page.get_by_role("link", name="Dr Ngozi Okafor, Riverside Counselling").click()
    page.get_by_role("link", name="Release information under this authorization").click()
    expect(page.get_by_label("Recipient")).to_have_value("Dr Ngozi Okafor")
    page.get_by_role("button", name="Check this release").click()
    expect(page.locator("#release-decision")).to_contain_text("This release is allowed.")
    page.get_by_role("button", name="Release the packet").click()
    expect(page.get_by_role("heading", name="Release to Dr Ngozi Okafor")).to_be_visible()
    screenshot(page, artifacts, "released")

    # The client sees it in their accounting, and revokes.
    as_user(page, url, "carol")
    page.goto(f"{url}/portal/consents/")
    expect(page.locator("#accounting")).to_contain_text("Dr Ngozi Okafor")
    page.get_by_role("link", name="To Dr Ngozi Okafor, Riverside Counselling").click()
    page.get_by_label("I want to revoke this authorization").check()
    page.get_by_role("button", name="Revoke it").click()
    expect(page.locator("#consent-state")).to_contain_text("Revoked on")

    # The next release is refused, with its reason.
    as_user(page, url, "alice")
    page.goto(f"{url}/clients/{carol}/releases/new/")
    page.get_by_label("Recipient").fill("Dr Ngozi Okafor")
    page.get_by_label("Organisation").fill("Riverside Counselling")
    page.get_by_label("Sent to").fill("referrals@riverside.example")
    page.get_by_label("My questionnaire scores (such as PHQ-9 and GAD-7)").check()
    page.get_by_label("Purpose").fill("Continuity of care")
    page.locator("#id_information_from").fill(
        (timezone.localdate() - datetime.timedelta(days=7)).isoformat()
    )
    page.locator("#id_information_to").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Check this release").click()
    refused = page.locator("#release-refused")
    expect(refused).to_contain_text("This release is not allowed.")
    expect(refused).to_contain_text("It was revoked on")
    screenshot(page, artifacts, "refused")
    assert errors == []

    from kithkin.consent.models import Disclosure

    assert Disclosure.objects.count() == 1
