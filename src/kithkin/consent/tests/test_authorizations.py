"""Authorizations to release information: drafting, signing the exact text, revoking, expiry,
and the core's decision over what was signed (issue 8).

Personas (STYLE.md): alice treats carol; adam administers the practice; Dr Okafor is the
provider carol is referred to.
"""

import datetime

import pytest
from django.utils import timezone

from kithkin.audit.models import AuditEvent
from kithkin.consent.models import Authorization
from kithkin.consent.selectors import as_core, release_decision
from kithkin.consent.services import (
    ConsentError,
    authorization_event_happened,
    authorization_revoke,
)
from kithkin.consent.tests.conftest import OKAFOR, draft, sign, signed
from kithkin.consent.text import STATEMENTS, sha256
from kithkin.core.consent import Category, Party, ReleaseRequest, defects


def release(**changes):
    asked = {
        "recipient": Party(
            OKAFOR["recipient_name"],
            OKAFOR["recipient_organisation"],
            OKAFOR["recipient_contact"],
        ),
        "categories": frozenset({Category.PLAN}),
        "purpose": "Continuity of care",
        "information_from": datetime.date(2026, 1, 1),
        "information_to": timezone.localdate(),
        "at": timezone.localtime(),
        **changes,
    }
    return ReleaseRequest(**asked)


def test_a_draft_holds_every_element_in_its_text_and_is_audited(world):
    authorization = draft(world)
    text = authorization.text
    assert "I, Carol Quill, authorize" in text and "Dr Ngozi Okafor, Riverside Counselling" in text
    assert "referrals@riverside.example" in text and "Continuity of care" in text
    assert "my treatment plan" in text and "questionnaire scores" in text
    assert all(statement in text for statement in STATEMENTS.values())
    assert authorization.text_sha256 == sha256(text)
    assert authorization.discloser == world.practice.name
    event = AuditEvent.objects.get(action="consent.authorization.draft")
    assert (event.client_id, event.resource_id) == (world.carol.pk, str(authorization.pk))
    # Unsigned, it is everything but the signature.
    assert defects(as_core(authorization)) == ["It is not signed."]


def test_nothing_is_released_under_a_draft(world):
    draft(world)
    decision = release_decision(world.carol, release())
    assert not decision.permitted
    assert any("not signed" in reason for reason in decision.reasons)


def test_the_client_signs_the_exact_text_and_the_release_may_go(world):
    authorization = signed(world)
    assert authorization.signed_name == "Carol Quill"
    assert authorization.signed_sha256 == authorization.text_sha256
    assert authorization.signed_via == "portal" and authorization.signed_at is not None
    assert AuditEvent.objects.filter(action="consent.authorization.sign").count() == 1
    decision = release_decision(world.carol, release())
    assert decision.permitted and decision.authorization_id == authorization.pk


def test_a_signature_on_changed_text_is_refused_and_nothing_is_signed(world):
    authorization = draft(world)
    with pytest.raises(ConsentError, match="changed since it was shown"):
        sign(world, authorization, shown_sha256=sha256(authorization.text + " and my notes"))
    authorization.refresh_from_db()
    assert authorization.signed_at is None
    assert not AuditEvent.objects.filter(action="consent.authorization.sign").exists()


def test_text_changed_after_signing_no_longer_matches_its_signature(world):
    authorization = signed(world)
    # Any edit at all, made behind the services' back.
    Authorization.objects.filter(pk=authorization.pk).update(text=authorization.text + "P.S.")
    decision = release_decision(world.carol, release())
    assert not decision.permitted
    assert any("different text" in reason for reason in decision.reasons)


def test_revocation_stops_the_next_release_at_once(world):
    authorization = signed(world)
    assert release_decision(world.carol, release()).permitted
    authorization_revoke(authorization=authorization, by=world.carol_login, via="portal")
    decision = release_decision(world.carol, release())
    assert not decision.permitted
    assert any("revoked" in reason for reason in decision.reasons)
    assert AuditEvent.objects.filter(action="consent.authorization.revoke").count() == 1
    with pytest.raises(ConsentError, match="revoked already"):
        authorization_revoke(authorization=authorization, by=world.alice, via="portal")


def test_staff_record_a_written_request_to_revoke_and_must_say_what_it_was(world):
    authorization = signed(world)
    with pytest.raises(ConsentError, match="written request"):
        authorization_revoke(authorization=authorization, by=world.alice, via="office")
    authorization_revoke(
        authorization=authorization,
        by=world.alice,
        via="office",
        note="Signed letter received by post on 2026-11-30",
    )
    authorization.refresh_from_db()
    assert authorization.revoked_by == world.alice
    assert authorization.revocation_note.startswith("Signed letter")


def test_an_authorization_expires_on_its_date_or_its_event(world):
    signed(world, expires_on=timezone.localdate())
    later = timezone.localtime() + datetime.timedelta(days=2)
    assert not release_decision(world.carol, release(at=later)).permitted
    Authorization.objects.all().delete()
    by_event = signed(world, expires_on=None, expiry_event="the end of my treatment there")
    assert release_decision(world.carol, release()).permitted
    authorization_event_happened(authorization=by_event, by=world.alice)
    decision = release_decision(world.carol, release())
    assert not decision.permitted
    assert any("end of my treatment there" in reason for reason in decision.reasons)


def test_a_release_to_someone_else_or_for_more_is_refused(world):
    signed(world)
    assert not release_decision(world.carol, release(recipient=Party("Dr Lee"))).permitted
    wider = frozenset({Category.PLAN, Category.ENDING_REVIEW})
    assert not release_decision(world.carol, release(categories=wider)).permitted
    assert not release_decision(world.carol, release(purpose="Legal proceedings")).permitted


def test_psychotherapy_notes_need_an_authorization_of_their_own(world):
    with pytest.raises(ConsentError, match="of their own"):
        draft(world, categories=["plan", "psychotherapy_notes"])
    assert not Authorization.objects.exists()
    signed(world, categories=["full_record"])
    notes = frozenset({Category.PSYCHOTHERAPY_NOTES})
    assert not release_decision(world.carol, release(categories=notes)).permitted
    signed(world, categories=["psychotherapy_notes"])
    assert release_decision(world.carol, release(categories=notes)).permitted


def test_a_representative_signs_with_their_authority(world):
    authorization = draft(world)
    sign(
        world,
        authorization,
        by=world.alice,
        typed_name="Maria Quill",
        via="office",
        representative_authority="Guardian under a court order of 2025-02-01",
    )
    authorization.refresh_from_db()
    assert authorization.signed_by_representative
    assert release_decision(world.carol, release()).permitted


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"categories": []}, "what information"),
        ({"categories": ["everything"]}, "Unknown category"),
        ({"recipient_name": " "}, "who will receive"),
        ({"purposes": [" "]}, "purpose"),
        ({"expires_on": None}, "expiry date or an event"),
        ({"expires_on": datetime.date(2020, 1, 1)}, "in the past"),
        (
            {
                "information_from": datetime.date(2026, 5, 1),
                "information_to": datetime.date(2026, 4, 1),
            },
            "wrong way round",
        ),
    ],
)
def test_a_draft_missing_an_element_is_refused_and_nothing_is_written(world, changes, message):
    with pytest.raises(ConsentError, match=message):
        draft(world, **changes)
    assert not Authorization.objects.exists()
    assert not AuditEvent.objects.filter(action="consent.authorization.draft").exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"typed_name": "  "}, "full name"),
        ({"via": "email"}, "portal or in the office"),
    ],
)
def test_a_signature_without_a_name_or_a_place_is_refused(world, changes, message):
    authorization = draft(world)
    with pytest.raises(ConsentError, match=message):
        sign(world, authorization, **changes)
    authorization.refresh_from_db()
    assert authorization.signed_at is None


def test_a_signed_or_revoked_authorization_is_not_signed_again(world):
    authorization = signed(world)
    with pytest.raises(ConsentError, match="signed already"):
        sign(world, authorization)
    other = draft(world)
    authorization_revoke(authorization=other, by=world.carol_login, via="portal")
    with pytest.raises(ConsentError, match="revoked"):
        sign(world, other)


def test_the_decision_reads_every_authorization_in_one_query(world, django_assert_num_queries):
    for _ in range(3):
        signed(world)
    with django_assert_num_queries(1):
        assert release_decision(world.carol, release()).permitted
