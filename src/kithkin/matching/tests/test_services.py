"""Keeping a profile, counting open slots, and accepting a match: what is written, and what a
refusal leaves unwritten."""

import pytest

from kithkin.audit.models import AuditEvent
from kithkin.clients.models import Client
from kithkin.inquiries.models import Inquiry
from kithkin.matching import selectors
from kithkin.matching.models import TherapistProfile
from kithkin.matching.services import MatchingError, inquiry_match_accept, profile_save
from kithkin.matching.tests.conftest import BASE, inquiry, profile, profiles
from kithkin.relationships.models import Episode, TherapyRelationship
from kithkin.relationships.services import episode_open, episode_transition


def test_a_therapist_writes_and_then_updates_their_profile(world):
    created = profile(world.bob, specialties=["grief"], capacity=3)
    assert created.practice_id == world.practice.pk and created.specialties == ["grief"]
    updated = profile_save(therapist=world.bob, **{**BASE, "capacity": 6, "bio": "Hello"})
    assert updated.pk == created.pk and updated.capacity == 6 and updated.bio == "Hello"
    assert TherapistProfile.objects.count() == 1
    actions = list(
        AuditEvent.objects.filter(resource_type="TherapistProfile").values_list("action", flat=True)
    )
    assert actions == ["therapist_profile.create", "therapist_profile.update"]


def test_a_profile_takes_only_its_own_fields(world):
    with pytest.raises(TypeError, match="not profile fields"):
        profile_save(therapist=world.bob, practice_id=world.elsewhere.pk)


def test_open_slots_count_the_clients_in_an_open_episode_only(world):
    profile(world.alice, capacity=4)
    carol = world.carol.therapy_relationships.get()
    assert selectors.profile_of(world.alice).active_clients == 0
    episode = episode_open(relationship=carol, by=world.alice)
    assert selectors.open_slots(selectors.profile_of(world.alice)) == 3
    # A closed episode frees the slot.
    episode_transition(
        episode=episode,
        by=world.alice,
        to="closed",
        ending_type="client_ended",
        reason="did not return",
    )
    assert selectors.profile_of(world.alice).active_clients == 0


def test_open_slots_are_counted_per_therapist(world):
    found = profiles(world)
    episode_open(relationship=world.dave.therapy_relationships.get(), by=world.bob)
    slots = {
        p.therapist.username: selectors.open_slots(p) for p in selectors.profiles(world.practice)
    }
    assert slots == {"alice": 10, "bob": 3, "sam": 3}
    assert found["mallory"].pk not in [p.pk for p in selectors.profiles(world.practice)]


def test_accepting_creates_the_client_with_the_chosen_therapist_in_reaching_out(world):
    profiles(world)
    robin = inquiry(world)
    client = inquiry_match_accept(inquiry=robin, therapist=world.bob, by=world.alice, ip="1.2.3.4")
    assert (client.given_name, client.family_name, client.email) == (
        "Robin",
        "Hale",
        "robin@example.org",
    )
    relationship = TherapyRelationship.objects.get(client=client)
    assert relationship.therapist == world.bob and relationship.ended_on is None
    episode = Episode.objects.get(relationship=relationship)
    assert episode.phase == "reaching_out" and episode.opened_by == world.alice
    robin.refresh_from_db()
    assert robin.status == Inquiry.Status.MATCHED and robin.client == client
    events = AuditEvent.objects.filter(client_id=client.pk).order_by("pk")
    assert [(e.action, e.resource_type) for e in events] == [
        ("client.create", "Client"),
        ("episode.open", "Episode"),
        ("inquiry.match", "Inquiry"),
    ]
    assert all(e.actor_id == world.alice.pk for e in events)
    assert f"therapist {world.bob.pk}" in events.last().reason
    # The slot is now taken.
    assert selectors.open_slots(selectors.profile_of(world.bob)) == 3


@pytest.mark.parametrize(
    ("name", "given", "family"),
    [
        ("Robin Hale", "Robin", "Hale"),
        ("Robin", "Robin", ""),
        (" Ana de la Cruz ", "Ana de la", "Cruz"),
    ],
)
def test_the_name_to_use_becomes_the_clients_names(world, name, given, family):
    profiles(world)
    client = inquiry_match_accept(
        inquiry=inquiry(world, name=name), therapist=world.bob, by=world.bob
    )
    assert (client.given_name, client.family_name) == (given, family)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (
            lambda w, p: (
                p["bob"].__class__.objects.filter(pk=p["bob"].pk).update(accepting_new=False)
            ),
            "Bob Example is not accepting new clients.",
        ),
        (
            lambda w, p: p["bob"].__class__.objects.filter(pk=p["bob"].pk).update(capacity=0),
            "Bob Example has no open slot.",
        ),
        (
            lambda w, p: TherapistProfile.objects.filter(therapist=w.bob).delete(),
            "Bob Example has no therapist profile yet.",
        ),
        (
            lambda w, p: w.bob.__class__.objects.filter(pk=w.bob.pk).update(is_active=False),
            "Bob Example cannot take clients.",
        ),
    ],
    ids=["not accepting", "no slot", "no profile", "deactivated"],
)
def test_a_therapist_who_cannot_take_the_client_is_refused(world, setup, message):
    found = profiles(world)
    robin = inquiry(world)
    setup(world, found)
    world.bob.refresh_from_db()
    before = AuditEvent.objects.count()
    with pytest.raises(MatchingError) as refused:
        inquiry_match_accept(inquiry=robin, therapist=world.bob, by=world.alice)
    assert str(refused.value) == message and refused.value.field == "therapist_id"
    robin.refresh_from_db()
    assert robin.status == Inquiry.Status.NEW and robin.client is None
    assert not Client.objects.filter(family_name="Hale").exists()
    assert AuditEvent.objects.count() == before


def test_the_last_slot_taken_refuses_the_next_match(world):
    profiles(world)
    TherapistProfile.objects.filter(therapist=world.bob).update(capacity=1)
    inquiry_match_accept(inquiry=inquiry(world), therapist=world.bob, by=world.alice)
    with pytest.raises(MatchingError, match=r"^Bob Example has no open slot\.$"):
        inquiry_match_accept(
            inquiry=inquiry(world, name="Kim Lee"), therapist=world.bob, by=world.alice
        )
    assert not Client.objects.filter(family_name="Lee").exists()


def test_an_inquiry_already_matched_is_refused(world):
    profiles(world)
    robin = inquiry(world)
    first = inquiry_match_accept(inquiry=robin, therapist=world.bob, by=world.alice)
    before = AuditEvent.objects.count()
    with pytest.raises(MatchingError, match="already matched"):
        inquiry_match_accept(inquiry=robin, therapist=world.sam, by=world.alice)
    robin.refresh_from_db()
    assert robin.client == first and Client.objects.filter(family_name="Hale").count() == 1
    assert AuditEvent.objects.count() == before


def test_a_closed_inquiry_is_refused(world):
    profiles(world)
    robin = inquiry(world, status=Inquiry.Status.CLOSED)
    with pytest.raises(MatchingError, match="closed"):
        inquiry_match_accept(inquiry=robin, therapist=world.bob, by=world.alice)
    assert not Client.objects.filter(family_name="Hale").exists()


def test_a_therapist_of_another_practice_is_refused(world):
    profiles(world)
    robin = inquiry(world)
    before = AuditEvent.objects.count()
    with pytest.raises(MatchingError, match="not one of this practice's"):
        inquiry_match_accept(inquiry=robin, therapist=world.mallory, by=world.alice)
    assert not Client.objects.filter(family_name="Hale").exists()
    assert (
        not TherapyRelationship.objects.filter(therapist=world.mallory)
        .exclude(client=world.eve)
        .exists()
    )
    assert AuditEvent.objects.count() == before


def test_an_inquiry_of_another_practice_is_refused(world):
    profiles(world)
    theirs = inquiry(world, practice=world.elsewhere)
    with pytest.raises(MatchingError, match="not one of your practice's"):
        inquiry_match_accept(inquiry=theirs, therapist=world.bob, by=world.alice)
    assert not Client.objects.filter(family_name="Hale").exists()


def test_suggestions_rank_the_practices_profiles_with_their_reasons(world):
    profiles(world)
    found = selectors.suggestions(
        selectors.preferences_of(inquiry(world)), practice_id=world.practice.pk
    )
    assert [s.profile.therapist.username for s in found.suggested] == ["bob", "alice", "sam"]
    assert found.suggested[0].suggestion.reasons == (
        "specialises in depression",
        "offers evening video sessions",
        "4 open slots",
    )
    assert found.suggested[1].suggestion.cautions == (
        "does not list depression",
        "does not offer weekday evenings",
        "does not offer video sessions",
    )
    assert found.unavailable == []


def test_suggestions_leave_out_the_current_therapist_and_say_who_cannot_take_anyone(world):
    profiles(world)
    TherapistProfile.objects.filter(therapist=world.sam).update(accepting_new=False)
    found = selectors.suggestions(
        selectors.preferences_of(None), practice_id=world.practice.pk, leave_out={world.alice.pk}
    )
    assert [s.profile.therapist.username for s in found.suggested] == ["bob"]
    assert [(u.profile.therapist.username, u.why) for u in found.unavailable] == [
        ("sam", "is not accepting new clients")
    ]


def test_the_fit_review_decides_whether_to_suggest_another_therapist(world):
    from kithkin.matching.tests.conftest import refer

    assert not selectors.fit_says_refer(world.carol)
    refer(world)
    assert selectors.fit_says_refer(world.carol)
    refer(world, decision="continue")  # a later review that decided to go on
    assert not selectors.fit_says_refer(world.carol)
