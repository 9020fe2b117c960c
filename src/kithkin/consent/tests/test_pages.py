"""The consent pages through HTTP: drafting and signing in the office, signing and revoking in
the portal, a release checked then made, the packet as sent, and the accounting of
disclosures; the audit rows each leaves; and the query counts of the lists.

Personas: alice treats carol; sam supervises alice; carol and dave are clients.
"""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from kithkin.audit.models import AuditEvent
from kithkin.consent.models import Authorization, Disclosure
from kithkin.consent.services import release_make
from kithkin.consent.tests.conftest import OKAFOR, carols_release, draft, sign, signed
from kithkin.core.consent import Category, Party, ReleaseRequest


def draft_form(**changes):
    return {
        "categories": ["plan", "measures"],
        "purposes": "Continuity of care",
        "expires_on": (timezone.localdate() + datetime.timedelta(days=60)).isoformat(),
        **OKAFOR,
        **changes,
    }


def release_form(**changes):
    return {
        **OKAFOR,
        "categories": ["measures"],
        "purpose": "Continuity of care",
        "information_from": (timezone.localdate() - datetime.timedelta(days=30)).isoformat(),
        "information_to": timezone.localdate().isoformat(),
        **changes,
    }


def test_alice_drafts_an_authorization_and_carol_signs_it_in_the_office(world, login):
    web = login(world.alice)
    answer = web.post(reverse("consent_new", args=[world.carol.pk]), draft_form())
    row = Authorization.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse(
        "consent", args=[world.carol.pk, row.pk]
    )
    page = web.get(answer["Location"]).content.decode()
    assert "Waiting for a signature" in page
    assert "My treatment does not depend on whether I sign" in page
    signed_page = web.post(
        reverse("consent_sign", args=[world.carol.pk, row.pk]),
        {"shown": row.text_sha256, "typed_name": "Carol Quill", "read_aloud": "on"},
        follow=True,
    ).content.decode()
    row.refresh_from_db()
    assert row.signed_via == "office" and row.signed_by == world.alice
    assert row.signed_name == "Carol Quill" and row.signed_sha256 == row.text_sha256
    assert "In force" in signed_page
    copy = web.get(reverse("consent_pdf", args=[world.carol.pk, row.pk]))
    assert copy["Content-Type"] == "application/pdf" and copy.content.startswith(b"%PDF-")
    actions = list(
        AuditEvent.objects.filter(client_id=world.carol.pk).values_list("action", flat=True)
    )
    assert {"consent.authorization.draft", "consent.authorization.sign"} <= set(actions)
    assert "consent.document.view" in actions


def test_a_draft_missing_its_elements_is_refused_with_each_reason(world, login):
    web = login(world.alice)
    answer = web.post(
        reverse("consent_new", args=[world.carol.pk]),
        draft_form(expires_on="", expiry_event="", categories=["plan", "psychotherapy_notes"]),
    )
    assert answer.status_code == 422
    assert "Psychotherapy notes need an authorization of their own" in answer.content.decode()
    assert not Authorization.objects.exists()


def test_a_signature_on_changed_text_is_refused_and_nothing_is_signed(world, login):
    row = draft(world)
    web = login(world.carol_login)
    answer = web.post(
        reverse("portal_consent_sign", args=[row.pk]),
        {"shown": "0" * 64, "typed_name": "Carol Quill"},
    )
    assert answer.status_code == 422
    assert "The text has changed since it was shown" in answer.content.decode()
    row.refresh_from_db()
    assert row.signed_at is None and not row.signed_pdf


def test_carol_reads_signs_keeps_a_copy_and_revokes_in_her_portal(world, login):
    row = draft(world)
    web = login(world.carol_login)
    listing = web.get(reverse("portal_consents")).content.decode()
    assert "Dr Ngozi Okafor" in listing and "Waiting for a signature" in listing
    office = login(world.alice).get(reverse("consents", args=[world.carol.pk])).content.decode()
    assert "My questionnaire scores" in office and "My treatment plan" in office
    assert "My questionnaire scores (such as PHQ-9 and GAD-7)</label>" in office
    web = login(world.carol_login)
    page = web.get(reverse("portal_consent", args=[row.pk])).content.decode()
    assert "I, Carol Quill, authorize Riverside" in page
    web.post(
        reverse("portal_consent_sign", args=[row.pk]),
        {"shown": row.text_sha256, "typed_name": "Carol Quill"},
    )
    row.refresh_from_db()
    assert row.signed_via == "portal" and row.signed_by == world.carol_login
    copy = web.get(reverse("portal_consent_pdf", args=[row.pk]))
    assert copy.content.startswith(b"%PDF-")
    answer = web.post(reverse("portal_consent_revoke", args=[row.pk]), {"confirm": "on"})
    assert answer.status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None and row.revoked_by == world.carol_login
    assert "Revoked on" in web.get(reverse("portal_consent", args=[row.pk])).content.decode()


def test_dave_cannot_reach_carols_authorization(world, login):
    row = draft(world)
    web = login(world.dave_login)
    assert web.get(reverse("portal_consent", args=[row.pk])).status_code == 404
    answer = web.post(
        reverse("portal_consent_sign", args=[row.pk]),
        {"shown": row.text_sha256, "typed_name": "Dave Marsh"},
    )
    assert answer.status_code == 404
    row.refresh_from_db()
    assert row.signed_at is None


def test_staff_record_a_written_revocation(world, login):
    row = signed(world)
    web = login(world.alice)
    refused = web.post(reverse("consent_revoke", args=[world.carol.pk, row.pk]), {"note": ""})
    assert refused.status_code == 422
    web.post(
        reverse("consent_revoke", args=[world.carol.pk, row.pk]),
        {"note": "Signed letter dated today, handed in at reception"},
    )
    row.refresh_from_db()
    assert row.revoked_at is not None
    assert row.revocation_note == "Signed letter dated today, handed in at reception"


def test_a_release_is_checked_then_made_and_appears_in_the_accounting(world, login):
    row = signed(world)
    web = login(world.alice)
    url = reverse("release_new", args=[world.carol.pk])
    form = web.get(url, {"authorization": row.pk}).content.decode()
    assert 'value="Dr Ngozi Okafor"' in form
    checked = web.post(url, release_form())
    assert "This release is allowed." in checked.content.decode()
    assert not Disclosure.objects.exists()  # checking releases nothing
    made = web.post(url, release_form(confirmed="True"))
    disclosure = Disclosure.objects.get()
    assert made["Location"] == reverse("disclosure", args=[world.carol.pk, disclosure.pk])
    packet = web.get(reverse("disclosure_packet", args=[world.carol.pk, disclosure.pk, "json"]))
    assert json.loads(packet.content)["type"] == "collection"
    accounting = web.get(reverse("disclosures", args=[world.carol.pk])).content.decode()
    assert "Dr Ngozi Okafor" in accounting and "My questionnaire scores" in accounting
    printed = web.get(reverse("disclosures", args=[world.carol.pk]), {"format": "pdf"})
    assert printed.content.startswith(b"%PDF-")
    portal = login(world.carol_login).get(reverse("portal_consents")).content.decode()
    assert "My questionnaire scores" in portal and "Continuity of care" in portal
    given = AuditEvent.objects.filter(action="consent.document.view", resource_type="Disclosure")
    assert given.get().reason == "release packet (json)"


def test_a_release_to_another_recipient_is_refused_on_the_page(world, login):
    signed(world)
    web = login(world.alice)
    answer = web.post(
        reverse("release_new", args=[world.carol.pk]),
        release_form(recipient_name="Someone Else", confirmed="True"),
    )
    assert answer.status_code == 422
    assert "It names a different recipient" in answer.content.decode()
    assert not Disclosure.objects.exists()


def test_a_revoked_authorization_refuses_the_next_release_on_the_page(world, login):
    row = signed(world)
    web = login(world.alice)
    url = reverse("release_new", args=[world.carol.pk])
    assert web.post(url, release_form(confirmed="True")).status_code == 302
    login(world.carol_login).post(
        reverse("portal_consent_revoke", args=[row.pk]), {"confirm": "on"}
    )
    web = login(world.alice)
    checked = web.post(url, release_form()).content.decode()
    assert "This release is not allowed." in checked and "It was revoked on" in checked
    assert web.post(url, release_form(confirmed="True")).status_code == 422
    assert Disclosure.objects.count() == 1


def test_the_supervisor_reads_the_accounting_but_does_not_release(world, login):
    _, disclosure = carols_release(world)
    web = login(world.sam)
    assert web.get(reverse("disclosures", args=[world.carol.pk])).status_code == 200
    assert web.get(reverse("disclosure", args=[world.carol.pk, disclosure.pk])).status_code == 200
    url = reverse("disclosure_packet", args=[world.carol.pk, disclosure.pk, "pdf"])
    assert web.get(url).status_code == 403


@pytest.fixture
def many_releases(world):
    """Carol with 25 authorizations and 25 releases under the last."""
    rows = [draft(world) for _ in range(24)]
    row = signed(world)
    request = ReleaseRequest(
        recipient=Party("Dr Ngozi Okafor", "Riverside Counselling", "referrals@riverside.example"),
        categories=frozenset({Category.MEASURES}),
        purpose="Continuity of care",
        information_from=timezone.localdate(),
        information_to=timezone.localdate(),
        at=timezone.now(),
    )
    for _ in range(25):
        release_make(client=world.carol, by=world.alice, request=request)
    return [*rows, row]


# Measured with 25 of each; the pages read each list in one query.
QUERIES = 16


@pytest.mark.parametrize("page", ["consents", "disclosures"])
def test_the_lists_take_the_same_queries_however_long(
    world, login, many_releases, page, django_assert_max_num_queries
):
    web = login(world.alice)
    with django_assert_max_num_queries(QUERIES):
        answer = web.get(reverse(page, args=[world.carol.pk]))
    assert answer.status_code == 200


def test_the_portal_list_takes_the_same_queries_however_long(
    world, login, many_releases, django_assert_max_num_queries
):
    web = login(world.carol_login)
    with django_assert_max_num_queries(QUERIES):
        answer = web.get(reverse("portal_consents"))
    assert answer.content.decode().count("Dr Ngozi Okafor") >= 50


def test_a_packet_keeps_what_was_sent_even_after_the_record_changes(world, login):
    _, disclosure = carols_release(world)
    before = disclosure.packet_pdf
    sign(world, draft(world))  # later work on the record
    disclosure.refresh_from_db()
    assert disclosure.packet_pdf == before
