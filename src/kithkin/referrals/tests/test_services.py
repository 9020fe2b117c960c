"""The referral services: each refusal says why and writes nothing; an internal transfer hands
the client over in one transaction. Personas: alice treats carol, bob is her colleague."""

import datetime
import json

import pytest
from django.utils import timezone

from kithkin.audit.models import AuditEvent
from kithkin.clients.models import Person
from kithkin.consent.models import Disclosure
from kithkin.consent.services import authorization_revoke
from kithkin.partners.models import TherapyPartner
from kithkin.referrals import services
from kithkin.referrals.models import Referral
from kithkin.referrals.services import ReferralError
from kithkin.referrals.tests.conftest import (
    SUMMARY,
    carols_episode,
    external,
    for_bob,
    for_okafor,
    internal,
)
from kithkin.relationships.models import Episode, EpisodeTransition, TherapyRelationship


def snapshot(world):
    """Everything a referral service could write, to compare before and after a refusal."""
    return {
        "referrals": list(Referral.objects.values_list("pk", "status", "sent_at")),
        "events": AuditEvent.objects.count(),
        "episodes": list(Episode.objects.values_list("pk", "phase", "ending_type")),
        "transitions": EpisodeTransition.objects.count(),
        "relationships": list(
            TherapyRelationship.objects.values_list("pk", "therapist_id", "ended_on")
        ),
    }


def actions(referral) -> list[str]:
    return list(
        AuditEvent.objects.filter(resource_type="Referral", resource_id=str(referral.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


# --- Drafting -------------------------------------------------------------------------------


def test_alice_drafts_an_external_referral_with_its_audit_event(world):
    referral = external(world)
    assert (referral.status, referral.kind, referral.to_therapist) == ("drafted", "external", None)
    assert referral.recipient_label == "Dr Ngozi Okafor, Riverside Counselling"
    assert Referral.objects.get().handoff_summary == SUMMARY
    assert actions(referral) == ["referral.draft"]
    event = AuditEvent.objects.get(action="referral.draft")
    assert (event.actor_id, event.client_id) == (world.alice.pk, world.carol.pk)
    assert "sleep" not in event.reason  # the summary is clinical text, never in clear


def test_the_same_form_sent_twice_drafts_one_referral(world):
    import uuid

    key = uuid.uuid4()
    authorization = for_okafor(world)
    first = external(world, authorization, key=key)
    assert external(world, authorization, key=key) == first
    assert Referral.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"handoff_summary": "  "}, "Write the handoff summary with the client"),
        ({"written_with_client": False}, "Confirm that the handoff summary was written"),
        ({"recipient_name": ""}, "Name the provider"),
        ({"reason": "fit_review"}, "Choose the client's fit review"),
        ({"reason": "boredom"}, "'boredom' is not a valid Reason"),
    ],
)
def test_a_bad_external_draft_is_refused_and_writes_nothing(world, changes, message):
    authorization = for_okafor(world)
    before = snapshot(world)
    with pytest.raises(ReferralError, match=message):
        external(world, authorization, **changes)
    assert snapshot(world) == before


def test_an_authorization_of_another_client_is_refused(world):
    daves = for_okafor(world, client=world.dave)
    before = snapshot(world)
    with pytest.raises(ReferralError, match="not this client's"):
        external(world, daves)
    assert snapshot(world) == before


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("alice", "not to yourself"),
        ("adam", "a therapist of this practice"),
        ("mallory", "a therapist of this practice"),
        (None, "Choose the therapist"),
    ],
)
def test_a_transfer_to_someone_who_cannot_take_the_client_is_refused(world, who, message):
    authorization = for_bob(world)
    carols_episode(world)
    before = snapshot(world)
    with pytest.raises(ReferralError, match=message):
        internal(world, authorization, to_therapist=getattr(world, who) if who else None)
    assert snapshot(world) == before


def test_a_transfer_to_a_therapist_who_sees_the_client_already_is_refused(world):
    TherapyRelationship.objects.create(
        practice=world.practice, client=world.carol, therapist=world.bob, started_on="2026-02-01"
    )
    authorization = for_bob(world)
    carols_episode(world)
    before = snapshot(world)
    with pytest.raises(ReferralError, match="already sees this client"):
        internal(world, authorization)
    assert snapshot(world) == before


def test_a_transfer_needs_an_open_episode_to_hand_over(world):
    authorization = for_bob(world)
    with pytest.raises(ReferralError, match="open episode"):
        services.referral_draft(
            client=world.carol,
            by=world.alice,
            kind="internal",
            reason="fit",
            handoff_summary=SUMMARY,
            written_with_client=True,
            authorization=authorization,
            to_therapist=world.bob,
        )
    assert not Referral.objects.exists()


# --- Sending ------------------------------------------------------------------------------


def test_an_external_referral_is_sent_under_its_authorization(world):
    referral = services.referral_send(referral=external(world), by=world.alice)
    assert referral.status == "sent" and referral.sent_at is not None
    assert actions(referral) == ["referral.draft", "referral.send"]
    event = AuditEvent.objects.get(action="referral.send")
    assert event.reason == f"under authorization {referral.authorization_id}"


def _refused_send(world, referral, message):
    before = snapshot(world)
    with pytest.raises(ReferralError, match=message):
        services.referral_send(referral=referral, by=world.alice)
    assert snapshot(world) == before
    referral.refresh_from_db()
    assert (referral.status, referral.sent_at) == ("drafted", None)


def test_a_revoked_authorization_refuses_sending_with_its_reason(world):
    referral = external(world)
    authorization_revoke(authorization=referral.authorization, by=world.carol_login, via="portal")
    today = timezone.localdate().isoformat()
    _refused_send(world, referral, f"It was revoked on {today}")


def test_an_expired_authorization_refuses_sending_with_its_reason(world):
    referral = external(world)
    expired = timezone.localdate() - datetime.timedelta(days=1)
    type(referral.authorization).objects.filter(pk=referral.authorization_id).update(
        expires_on=expired
    )
    _refused_send(world, referral, f"It expired on {expired.isoformat()}")


def test_an_authorization_for_someone_else_refuses_sending(world):
    other = for_okafor(world, recipient_name="Dr Someone Else")
    referral = external(world, other)
    _refused_send(world, referral, r"It names a different recipient \(Dr Someone Else")


def test_an_authorization_without_summaries_of_the_therapy_refuses_an_external_referral(world):
    referral = external(world, for_okafor(world, categories=["measures"]))
    _refused_send(world, referral, "progress summaries")


def test_a_summary_naming_someone_who_must_not_know_refuses_sending_outside(world):
    diane = Person.objects.get(client=world.carol, name="Diane")
    TherapyPartner.objects.create(practice=world.practice, person=diane, involvement="unaware")
    referral = external(world, handoff_summary="Rows with Diane about the rent.")
    _refused_send(world, referral, r"may not be named outside the practice \(Diane\)")


def test_a_transfer_authorization_must_name_the_receiving_therapist(world):
    wrong = for_bob(world, recipient_name="Robert Someone")
    referral = internal(world, wrong)
    _refused_send(world, referral, "It names a different recipient")


def test_a_transfer_authorization_must_cover_the_full_record(world):
    referral = internal(world, for_bob(world, categories=["plan"]))
    _refused_send(world, referral, "must cover the full record")


def test_a_referral_is_sent_once(world):
    referral = services.referral_send(referral=external(world), by=world.alice)
    before = snapshot(world)
    with pytest.raises(ReferralError, match="already sent"):
        services.referral_send(referral=referral, by=world.alice)
    assert snapshot(world) == before


# --- Answers ------------------------------------------------------------------------------


def test_an_external_referral_is_answered_by_its_referrer_and_the_episode_stays_open(world):
    episode = carols_episode(world)
    referral = services.referral_send(referral=external(world), by=world.alice)
    services.referral_acknowledge(referral=referral, by=world.alice)
    done = services.referral_first_session(referral=referral, by=world.alice)
    assert done.status == "first_session_held" and done.new_episode is None
    episode.refresh_from_db()
    # A specialist may see the client alongside: alice closes the episode herself, if at all.
    assert episode.is_open
    assert actions(done) == [
        "referral.draft",
        "referral.send",
        "referral.acknowledge",
        "referral.first_session",
    ]


def test_a_decline_keeps_its_reason_and_changes_no_episode(world):
    episode = carols_episode(world)
    referral = services.referral_send(referral=external(world), by=world.alice)
    before = snapshot(world)
    with pytest.raises(ReferralError, match="Say why"):
        services.referral_decline(referral=referral, by=world.alice, reason=" ")
    assert snapshot(world) == before
    declined = services.referral_decline(referral=referral, by=world.alice, reason="No capacity")
    assert declined.status == "declined" and declined.decline_reason == "No capacity"
    assert AuditEvent.objects.get(action="referral.decline").reason == "declined by the referrer"
    assert "No capacity" not in AuditEvent.objects.get(action="referral.decline").reason
    episode.refresh_from_db()
    assert episode.is_open
    with pytest.raises(ReferralError, match="stays as it ended"):
        services.referral_acknowledge(referral=declined, by=world.alice)


def test_the_referrer_cannot_answer_a_transfer_for_the_receiver(world):
    referral = services.referral_send(referral=internal(world), by=world.alice)
    before = snapshot(world)
    with pytest.raises(ReferralError, match="receiving therapist answers"):
        services.referral_acknowledge(referral=referral, by=world.alice, side="referrer")
    assert snapshot(world) == before


# --- The internal transfer, end to end -----------------------------------------------------


def test_a_transfer_hands_carol_over_to_bob_at_the_first_session(world):
    old_episode = carols_episode(world)
    referral = services.referral_send(referral=internal(world), by=world.alice)
    services.referral_acknowledge(referral=referral, by=world.bob, side="receiver")
    # Until the first session, alice still treats carol, and bob does not.
    assert not TherapyRelationship.objects.filter(therapist=world.bob, client=world.carol)
    done = services.referral_first_session(referral=referral, by=world.bob, side="receiver")

    old_episode.refresh_from_db()
    assert (old_episode.phase, old_episode.ending_type) == ("closed", "referred")
    closing = old_episode.transitions.get(to_phase="closed")
    assert closing.by == world.bob and "Transferred to Bob Example" in closing.reason
    alices = TherapyRelationship.objects.get(client=world.carol, therapist=world.alice)
    assert alices.ended_on == timezone.localdate()
    bobs = TherapyRelationship.objects.get(client=world.carol, therapist=world.bob)
    assert bobs.ended_on is None
    new_episode = bobs.episodes.get()
    assert new_episode.phase == "reaching_out" and done.new_episode == new_episode
    assert done.status == "first_session_held" and done.first_session_at is not None

    trail = list(
        AuditEvent.objects.filter(client_id=world.carol.pk)
        .exclude(action__startswith="consent.")
        .order_by("seq")
        .values_list("action", "resource_type", "actor_id")
    )
    assert trail[-5:] == [
        ("episode.transition", "Episode", world.bob.pk),
        ("relationship.start", "TherapyRelationship", world.bob.pk),
        ("episode.open", "Episode", world.bob.pk),
        ("relationship.end", "TherapyRelationship", world.bob.pk),
        ("referral.first_session", "Referral", world.bob.pk),
    ]


def test_a_transfer_back_to_a_former_therapist_resumes_that_relationship(world):
    earlier = TherapyRelationship.objects.create(
        practice=world.practice,
        client=world.carol,
        therapist=world.bob,
        started_on="2025-01-06",
        ended_on="2025-06-30",
    )
    referral = services.referral_send(referral=internal(world), by=world.alice)
    services.referral_acknowledge(referral=referral, by=world.bob, side="receiver")
    services.referral_first_session(referral=referral, by=world.bob, side="receiver")
    earlier.refresh_from_db()
    assert earlier.ended_on is None and earlier.episodes.count() == 1
    assert AuditEvent.objects.filter(action="relationship.resume").count() == 1


def test_a_revoked_authorization_stops_the_transfer_and_nothing_is_handed_over(world):
    old_episode = carols_episode(world)
    referral = services.referral_send(referral=internal(world), by=world.alice)
    services.referral_acknowledge(referral=referral, by=world.bob, side="receiver")
    authorization_revoke(authorization=referral.authorization, by=world.carol_login, via="portal")
    before = snapshot(world)
    with pytest.raises(ReferralError, match=r"no longer allows it\. It was revoked"):
        services.referral_first_session(referral=referral, by=world.bob, side="receiver")
    assert snapshot(world) == before
    old_episode.refresh_from_db()
    assert old_episode.is_open


def test_a_failing_step_of_the_transfer_undoes_every_step_before_it(world):
    referral = services.referral_send(referral=internal(world), by=world.alice)
    services.referral_acknowledge(referral=referral, by=world.bob, side="receiver")
    # Bob has meanwhile an open episode with carol of his own: the new one cannot open.
    bobs = TherapyRelationship.objects.create(
        practice=world.practice, client=world.carol, therapist=world.bob, started_on="2026-02-01"
    )
    Episode.objects.create(
        practice=world.practice, relationship=bobs, opened_on="2026-02-01", opened_by=world.bob
    )
    before = snapshot(world)
    with pytest.raises(ReferralError, match="The transfer cannot complete: An episode is"):
        services.referral_first_session(referral=referral, by=world.bob, side="receiver")
    # The old episode was closed on the way; the rollback reopened it.
    assert snapshot(world) == before


def test_sending_an_external_referral_releases_its_packet_for_the_accounting(released):
    world = released
    referral = external(world)
    sent = services.referral_send(referral=referral, by=world.alice)
    disclosure = sent.disclosure
    assert disclosure.recipient_name == "Dr Ngozi Okafor"
    assert disclosure.description.startswith("With a referral: ")
    assert disclosure.authorization_id == referral.authorization_id
    bundle = json.loads(disclosure.packet_bundle)
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert {"ServiceRequest", "Task", "CarePlan", "Encounter"} <= set(kinds)
    # The authorization covers the plan and summaries, not the scores: minimum necessary.
    assert "Observation" not in kinds and "QuestionnaireResponse" not in kinds
    assert "Carol wants a specialist in trauma." in disclosure.packet_bundle
    # The plan's text names Diane, who must not know she is discussed.
    assert "Diane" not in disclosure.packet_bundle
    assert AuditEvent.objects.filter(action="consent.release.disclose").count() == 1


def test_an_internal_transfer_releases_nothing_outside(world):
    referral = internal(world)
    sent = services.referral_send(referral=referral, by=world.alice)
    assert sent.disclosure is None
    assert not Disclosure.objects.exists()
