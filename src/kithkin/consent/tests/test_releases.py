"""Release of information (issue 8): a packet only under an authorization that covers the
recipient, the categories, the dates and the purpose; only what was authorized; the disclosure
guard on everything; and every release in the accounting of disclosures.

Personas: alice treats carol; Diane is carol's roommate, who must not learn she is discussed
(unaware); Maria, carol's mother, comes to joint sessions; Dr Okafor is the next provider.
"""

import dataclasses
import datetime
import json

import pytest
from django.utils import timezone

from kithkin.audit.models import AuditEvent
from kithkin.consent import packets
from kithkin.consent.models import Disclosure
from kithkin.consent.services import (
    NOTES_STAY,
    ReleaseRefused,
    authorization_revoke,
    release_make,
)
from kithkin.consent.tests.conftest import OKAFOR, draft, sign, signed
from kithkin.core.consent import Category, Party, ReleaseRequest
from kithkin.fhir.tests.conftest import NOTE

UTC = datetime.UTC
DR_OKAFOR = Party(
    OKAFOR["recipient_name"], OKAFOR["recipient_organisation"], OKAFOR["recipient_contact"]
)


def asked(**changes) -> ReleaseRequest:
    fields = {
        "recipient": DR_OKAFOR,
        "categories": frozenset({Category.PLAN, Category.MEASURES}),
        "purpose": "Continuity of care",
        "information_from": datetime.date(2026, 1, 1),
        "information_to": timezone.localdate(),
        "at": timezone.now(),
        **changes,
    }
    return ReleaseRequest(**fields)


def test_it_releases_the_plan_and_scores_to_the_named_recipient(released):
    world = released
    signed(world)
    disclosure = release_make(client=world.carol, by=world.alice, request=asked())
    assert disclosure.recipient_name == "Dr Ngozi Okafor"
    assert disclosure.description.startswith("My questionnaire scores")
    assert disclosure.packet_pdf.startswith(b"%PDF-")
    bundle = json.loads(disclosure.packet_bundle)
    assert bundle["type"] == "collection"
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds[0] == "Composition"
    assert {
        "Patient",
        "Consent",
        "CarePlan",
        "Goal",
        "QuestionnaireResponse",
        "Observation",
    } <= set(kinds)
    # Minimum necessary: no sessions were asked for, so none went.
    assert "Encounter" not in kinds
    event = AuditEvent.objects.get(action="consent.release.disclose")
    assert event.resource_id == str(disclosure.pk) and event.client_id == world.carol.pk


def test_it_hides_the_unaware_partner_from_the_release_packet(released):
    world = released
    signed(world, categories=["full_record"])
    disclosure = release_make(
        client=world.carol,
        by=world.alice,
        request=asked(categories=frozenset({Category.FULL_RECORD})),
    )
    text = disclosure.packet_bundle
    assert "Diane" not in text and "roommate" not in text
    assert "[a person in the client's life]" in text
    # Maria comes to joint sessions: she may be named.
    assert "Maria Quill" in text
    assert packets.PEOPLE_NOTICE.split(",")[0] in text
    assert disclosure.people_withheld == 1
    # Summaries only: the rest of the progress note stays in the record.
    assert "Role-played" not in text and "side with" not in text and "Keep a note" not in text
    assert "Carol felt able to say no" in text
    # Never the psychotherapy note.
    assert NOTE not in text and "idealises" not in text


def test_the_pdf_is_made_from_the_same_guarded_packet(released):
    world = released
    authorization = signed(world, categories=["full_record"])
    request = asked(categories=frozenset({Category.FULL_RECORD}))
    packet = packets.gather(
        client=world.carol,
        authorization=authorization,
        request=request,
        by=world.alice,
        at=request.at,
    )
    from django.template.loader import render_to_string

    html = render_to_string("consent/packet_pdf.html", {"packet": packet, "disclosure": None})
    assert "Diane" not in html and "roommate" not in html
    assert "Rent arguments with [a person in the client&#x27;s life]" in html
    assert "idealises" not in html
    assert "No ending review is on record." in html


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"recipient": Party("Dr Someone Else")}, "different recipient"),
        ({"categories": frozenset({Category.PROGRESS_SUMMARIES})}, "does not cover"),
        ({"purpose": "Marketing"}, "does not cover the purpose"),
    ],
)
def test_a_release_beyond_the_authorization_is_refused_with_its_reason(released, change, reason):
    world = released
    signed(world)
    with pytest.raises(ReleaseRefused) as refused:
        release_make(client=world.carol, by=world.alice, request=asked(**change))
    assert reason in str(refused.value)
    assert not Disclosure.objects.exists()
    event = AuditEvent.objects.get(action="consent.release.refuse")
    assert event.outcome == "denied" and reason in event.reason


def test_a_release_without_consent_is_refused(released):
    world = released
    draft(world)  # drafted, never signed
    with pytest.raises(ReleaseRefused, match="It is not signed"):
        release_make(client=world.carol, by=world.alice, request=asked())
    assert not Disclosure.objects.exists()


def test_a_release_after_revocation_is_refused(released):
    world = released
    authorization = signed(world)
    release_make(client=world.carol, by=world.alice, request=asked())
    authorization_revoke(authorization=authorization, by=world.carol_login, via="portal")
    with pytest.raises(ReleaseRefused, match="revoked"):
        release_make(client=world.carol, by=world.alice, request=asked())
    assert Disclosure.objects.count() == 1


def test_a_release_after_expiry_is_refused(released):
    world = released
    signed(world)
    later = timezone.now() + datetime.timedelta(days=91)
    with pytest.raises(ReleaseRefused, match="expired"):
        release_make(client=world.carol, by=world.alice, request=asked(at=later))
    assert not Disclosure.objects.exists()


def test_psychotherapy_notes_never_go_in_a_packet_even_under_their_own_authorization(released):
    world = released
    signed(world, categories=["psychotherapy_notes"])
    with pytest.raises(ReleaseRefused) as refused:
        release_make(
            client=world.carol,
            by=world.alice,
            request=asked(categories=frozenset({Category.PSYCHOTHERAPY_NOTES})),
        )
    assert refused.value.reasons == (NOTES_STAY,)
    assert not Disclosure.objects.exists()


def test_a_failure_while_making_the_packet_leaves_no_disclosure(released, monkeypatch):
    world = released
    signed(world)

    def broken(*args, **kwargs):
        raise RuntimeError("the renderer failed")

    monkeypatch.setattr("kithkin.consent.services.render_pdf", broken)
    with pytest.raises(RuntimeError):
        release_make(client=world.carol, by=world.alice, request=asked())
    assert not Disclosure.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="consent.release").exists()


def test_only_the_dates_asked_for_are_released(released):
    world = released
    signed(world, categories=["full_record"])
    before = asked(
        categories=frozenset({Category.MEASURES, Category.PROGRESS_SUMMARIES}),
        information_from=datetime.date(2025, 1, 1),
        information_to=datetime.date(2025, 12, 31),
    )
    disclosure = release_make(client=world.carol, by=world.alice, request=before)
    kinds = {e["resource"]["resourceType"] for e in json.loads(disclosure.packet_bundle)["entry"]}
    assert kinds == {"Composition", "Patient", "Practitioner", "Consent"}
    assert "None on record for these dates." in disclosure.packet_bundle


def test_a_signature_on_changed_text_releases_nothing(released):
    world = released
    authorization = signed(world)
    authorization.text = authorization.text.replace("Continuity", "Continuation")
    authorization.save(update_fields=["text"])
    with pytest.raises(ReleaseRefused, match="different text"):
        release_make(client=world.carol, by=world.alice, request=asked())


def test_the_signed_copy_is_kept_encrypted_with_the_signature(released):
    world = released
    authorization = sign(world, draft(world))
    assert authorization.signed_pdf.startswith(b"%PDF-")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT signed_pdf FROM consent_authorization WHERE id = %s", [authorization.pk]
        )
        stored = cursor.fetchone()[0]
    # "%PDF-", not "PDF": "%" is outside the token's base64 alphabet, while "PDF" turns up in a
    # long enough token by chance (it once did).
    assert stored.startswith("gAAAAA") and "%PDF-" not in stored
    assert dataclasses.is_dataclass(packets.Packet)
