"""The whole cycle on the timeline (issue 9): the first contact, a lapse and its letter, the
ending review signed and shared, and referrals, each inside the episode it belongs to."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kithkin.endings import services as endings
from kithkin.endings.services import ReviewTexts
from kithkin.inquiries.models import Inquiry
from kithkin.lapses.models import Lapse
from kithkin.matching.services import inquiry_match_accept
from kithkin.matching.tests.conftest import profile
from kithkin.referrals import services as referrals
from kithkin.referrals.tests.conftest import external, internal
from kithkin.relationships.services import episode_open, episode_transition
from kithkin.relationships.tests.test_timeline import QUERIES
from kithkin.schedule.models import Session

CONCERNS = "Panic attacks at work since the move"
RESPONSE_NOTE = "Left a voicemail; her sister answered"
DECLINE = "Dr Okafor's waiting list is closed because of her own illness"


def days_ago(n: int, hour: int = 10) -> datetime.datetime:
    day = timezone.localdate() - datetime.timedelta(days=n)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def page(world):
    return reverse("client_timeline", args=[world.carol.pk])


def alices(world):
    return world.carol.therapy_relationships.get(therapist=world.alice)


def inquiry(world, **changes):
    fields = {
        "practice": world.practice,
        "received_at": days_ago(40, 9),
        "concerns": CONCERNS,
        "name": "Carol Quill",
        "email": "carol@example.org",
        "status": Inquiry.Status.MATCHED,
        "first_response_at": days_ago(40, 11),
        "responded_by": world.adam,
        "response_how": "phone",
        "response_note": RESPONSE_NOTE,
        "client": world.carol,
        **changes,
    }
    return Inquiry.objects.create(**fields)


def story(response, number=1):
    return response.context["timeline"].episodes[number - 1]


def headlines(story):
    return [event.headline or ("session" if event.session else "") for event in story.events]


def test_the_first_contact_opens_the_episode_it_led_to(world, login):
    inquiry(world)
    episode_open(relationship=alices(world), by=world.alice, on=days_ago(39).date())
    response = login(world.alice).get(page(world))
    assert headlines(story(response)) == [
        "Reached out through the practice's inquiry form",
        "First response by phone",
        "Opened at reaching out",
    ]
    body = response.content.decode()
    assert "<strong>First response by phone</strong>, by Adam Example" in body
    # What they wrote stays on the inquiry, for clinicians who open it.
    assert CONCERNS not in body and RESPONSE_NOTE not in body


def test_an_inquiry_not_yet_answered_shows_only_its_arrival(world, login):
    inquiry(world, first_response_at=None, responded_by=None, response_how="")
    episode_open(relationship=alices(world), by=world.alice)
    assert headlines(story(login(world.alice).get(page(world))))[:2] == [
        "Reached out through the practice's inquiry form",
        "Opened at reaching out",
    ]


def test_a_first_contact_without_an_episode_stands_before_them(world, login):
    inquiry(world)
    response = login(world.alice).get(page(world))
    assert [e.headline for e in response.context["timeline"].before] == [
        "Reached out through the practice's inquiry form",
        "First response by phone",
    ]
    assert "First contact" in response.content.decode()


def test_another_clients_inquiry_is_not_on_carols_timeline(world, login):
    inquiry(world, client=world.dave, name="Dave Marsh")
    inquiry(world, client=None, status=Inquiry.Status.NEW)
    assert login(world.alice).get(page(world)).context["timeline"].before == []


def test_the_client_an_accepted_match_created_shows_the_inquiry_it_came_from(world, login):
    profile(world.alice)
    robin = Inquiry.objects.create(
        practice=world.practice, concerns=CONCERNS, name="Robin Hale", email="r@example.org"
    )
    client = inquiry_match_accept(inquiry=robin, therapist=world.alice, by=world.alice)
    response = login(world.alice).get(reverse("client_timeline", args=[client.pk]))
    assert headlines(story(response))[:2] == [
        "Reached out through the practice's inquiry form",
        "Opened at reaching out",
    ]


def test_a_lapse_and_its_outreach_letter_are_in_the_episode(world, login):
    episode = episode_open(relationship=alices(world), by=world.alice, on=days_ago(90).date())
    Session.objects.create(
        practice=world.practice,
        client=world.carol,
        therapist=world.alice,
        starts_at=days_ago(80),
        status=Session.Status.ATTENDED,
    )
    found = timezone.localdate() - datetime.timedelta(days=30)
    Lapse.objects.create(
        practice=world.practice,
        episode=episode,
        found_on=found,
        letter_sent_on=found + datetime.timedelta(days=2),
        letter_note="Posted to 4 Elm Row",
    )
    response = login(world.alice).get(page(world))
    lines = headlines(story(response))
    assert lines[:3] == [
        "session",
        "Found lapsing: no session attended for a while, none booked",
        "Outreach letter sent, inviting an ending session",
    ]
    body = response.content.decode()
    # The record keeps only the day of these, so the timeline shows only the day.
    assert f'<time datetime="{found.isoformat()}">{found.day} {found:%b %Y}</time>' in body
    assert "Elm Row" not in body


def test_the_review_signed_and_shared_are_in_the_episode(world, login):
    episode = episode_open(relationship=alices(world), by=world.alice)
    for phase in ("assessment", "formulation", "planning", "active", "ending"):
        episode = episode_transition(episode=episode, by=world.alice, to=phase)
    review = endings.review_start(episode=episode, by=world.alice)
    texts = ReviewTexts(themes="Saying no to Diane", future_growth="Keep the Sunday calls")
    review = endings.review_save(review=review, by=world.alice, texts=texts)
    endings.review_sign(review=review, by=world.alice)
    response = login(world.alice).get(page(world))
    assert headlines(story(response))[-1] == "Ending review signed"
    endings.review_share(review=review, by=world.sam)
    body = login(world.alice).get(page(world)).content.decode()
    assert "<strong>Ending review signed</strong>, by Alice Example" in body
    assert "<strong>Ending review shared with the client&#x27;s portal</strong>, by Sam" in body
    assert "Saying no to Diane" not in body


def test_a_transfer_shows_in_the_episode_it_was_made_from(world, login):
    referral = referrals.referral_send(referral=internal(world), by=world.alice)
    referrals.referral_acknowledge(referral=referral, by=world.bob, side="receiver")
    referrals.referral_first_session(referral=referral, by=world.bob, side="receiver")
    response = login(world.bob).get(page(world))
    first, second = response.context["timeline"].episodes
    assert headlines(first)[1:] == [
        "Transfer to Bob Example sent (the therapist's capacity)",
        "Transfer acknowledged: Bob Example will take the client",
        "Closed from reaching out: referred on",
        "First session with Bob Example",
    ]
    assert headlines(second) == ["Opened at reaching out"]


def test_a_declined_referral_keeps_its_reason_on_the_referral(world, login):
    episode_open(relationship=alices(world), by=world.alice)
    referral = referrals.referral_send(referral=external(world), by=world.alice)
    referrals.referral_decline(referral=referral, by=world.alice, reason=DECLINE)
    body = login(world.alice).get(page(world)).content.decode()
    assert "Referral to Dr Ngozi Okafor, Riverside Counselling sent (a specialty" in body
    assert "Referral to Dr Ngozi Okafor, Riverside Counselling declined" in body
    assert "waiting list" not in body


def test_a_drafted_referral_is_not_an_event_yet(world, login):
    episode_open(relationship=alices(world), by=world.alice)
    external(world)
    assert headlines(story(login(world.alice).get(page(world)))) == ["Opened at reaching out"]


@pytest.fixture
def cycle(world):
    """Carol reached out, lapsed with alice and was written to, came back and ended with a
    review signed and shared, then was referred out; her next episode is under way."""
    inquiry(world)
    relationship = alices(world)
    first = episode_open(relationship=relationship, by=world.alice, on=days_ago(39).date())
    Lapse.objects.create(
        practice=world.practice,
        episode=first,
        found_on=timezone.localdate() - datetime.timedelta(days=10),
        letter_sent_on=timezone.localdate() - datetime.timedelta(days=9),
        resolved_on=timezone.localdate() - datetime.timedelta(days=5),
    )
    for phase in ("assessment", "formulation", "planning", "active", "ending"):
        first = episode_transition(episode=first, by=world.alice, to=phase)
    review = endings.review_start(episode=first, by=world.alice)
    texts = ReviewTexts(themes="Saying no", future_growth="Sunday calls")
    review = endings.review_save(review=review, by=world.alice, texts=texts)
    endings.review_share(review=endings.review_sign(review=review, by=world.alice), by=world.alice)
    referrals.referral_send(referral=external(world), by=world.alice)
    episode_transition(episode=first, by=world.alice, to="closed", ending_type="planned")
    return episode_open(relationship=relationship, by=world.alice)


def test_the_whole_cycle_keeps_the_timelines_query_count(
    world, login, cycle, django_assert_num_queries
):
    alice = login(world.alice)
    alice.get(page(world))  # the first visit also starts the practice's audit chain
    with django_assert_num_queries(QUERIES):
        response = alice.get(page(world))
    kinds = [event.kind for event in story(response).events]
    assert {"contact", "lapse", "review", "referral", "move"} <= set(kinds)
    # More of everything: still the same queries.
    inquiry(world, received_at=days_ago(45))
    for _ in range(3):
        referrals.referral_send(referral=external(world), by=world.alice)
    with django_assert_num_queries(QUERIES):
        response = alice.get(page(world))
    stories = response.context["timeline"].episodes
    kinds = [event.kind for s in stories for event in s.events]
    assert (kinds.count("referral"), kinds.count("contact")) == (4, 4)
