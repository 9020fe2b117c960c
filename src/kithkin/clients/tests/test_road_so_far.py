"""The road so far (issue 9, item 5): carol ended with alice and came back to bob. Bob, now her
therapist, sees the earlier episode on her page with its signed review, the maps from that time
and the first and last scores; alice, whose relationship ended, no longer reads the record."""

import datetime
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from kithkin.audit.models import AuditEvent
from kithkin.endings import services as endings
from kithkin.endings.models import EndingReview
from kithkin.endings.services import ReviewTexts
from kithkin.measures.services import response_submit
from kithkin.measures.tests.conftest import GAD7_MODERATE, PHQ9_MILD, key
from kithkin.notes.models import PsychotherapyNote
from kithkin.relationships.services import episode_open, episode_return, episode_transition
from kithkin.schedule.models import Session
from kithkin.spheres.models import SphereMap

PHQ9_MODERATE = {1: 2, 2: 2, 3: 1, 4: 2, 5: 1, 6: 1, 7: 1, 8: 1, 9: 0}  # 11
PHQ9_SEVERE = {1: 3, 2: 3, 3: 3, 4: 3, 5: 2, 6: 2, 7: 2, 8: 2, 9: 0}  # 20
THEMES = "Finding her voice with Diane"
PRIVATE = "She reminds me of my sister; watch my wish to rescue"
# The client page's own 14 (test_client_page), and the earlier episodes' scores and maps.
QUERIES = 14 + 2


def days_ago(n: int, hour: int = 15) -> datetime.datetime:
    day = timezone.localdate() - datetime.timedelta(days=n)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def page(world):
    return reverse("client_detail", args=[world.carol.pk])


def a_map(world, n_days_ago, *, made_by="therapist", status="final"):
    return SphereMap.objects.create(
        practice=world.practice,
        client=world.carol,
        made_by=made_by,
        author=world.alice if made_by == "therapist" else world.carol_login,
        taken_at=days_ago(n_days_ago),
        status=status,
    )


def score(world, code, answers):
    return response_submit(
        client=world.carol,
        instrument_code=code,
        answers=answers,
        by=world.carol_login,
        via="portal",
        idempotency_key=key(),
    )


def episode_with_alice(world, *, days: int, signed: bool):
    """One episode of carol's with alice, opened ``days`` ago and closed today: planned with
    its review signed, or ended by the client with the review left a draft."""
    relationship = world.carol.therapy_relationships.get(therapist=world.alice)
    episode = episode_open(
        relationship=relationship,
        by=world.alice,
        on=timezone.localdate() - datetime.timedelta(days),
    )
    session = Session.objects.create(
        practice=world.practice,
        client=world.carol,
        therapist=world.alice,
        starts_at=days_ago(days - 5),
        status=Session.Status.ATTENDED,
    )
    PsychotherapyNote.objects.create(
        practice=world.practice, session=session, author=world.alice, text=PRIVATE
    )
    score(world, "phq9", PHQ9_SEVERE)
    score(world, "gad7", GAD7_MODERATE)
    score(world, "phq9", PHQ9_MILD)
    for phase in ("assessment", "formulation", "planning", "active", "ending"):
        episode = episode_transition(episode=episode, by=world.alice, to=phase)
    review = endings.review_start(episode=episode, by=world.alice)
    texts = ReviewTexts(themes=THEMES, future_growth="Sunday calls with her mother")
    review = endings.review_save(review=review, by=world.alice, texts=texts)
    if signed:
        endings.review_sign(review=review, by=world.alice)
    ending = "planned" if signed else "client_ended"
    return episode_transition(episode=episode, by=world.alice, to="closed", ending_type=ending)


def returned(world, *, signed=True):
    """Carol's episode with alice, a map from before it and one during it, then her return to
    bob, and a first score with him."""
    before, during = a_map(world, 200), a_map(world, 60)
    a_map(world, 50, made_by="client", status="draft")  # at home, never shared
    first = episode_with_alice(world, days=120, signed=signed)
    relationship = world.carol.therapy_relationships.get(therapist=world.alice)
    episode_return(relationship=relationship, therapist=world.bob, by=world.alice)
    score(world, "phq9", PHQ9_MODERATE)  # bob's episode's, not the road so far
    return {"episode": first, "maps": (before, during)}


@pytest.fixture
def road(world):
    return returned(world)


def test_bob_sees_the_earlier_episode_with_alice_its_review_maps_and_scores(world, login, road):
    response = login(world.bob).get(page(world))
    assert response.status_code == 200
    [earlier] = response.context["earlier_episodes"]
    assert (earlier.number, earlier.therapist_name, earlier.ending) == (
        1,
        "Alice Example",
        "planned ending",
    )
    assert [m.map_id for m in earlier.maps] == [m.pk for m in road["maps"]]
    assert [
        (s.name, s.course.first.total, s.course.last.total, s.course.count) for s in earlier.scores
    ] == [
        ("PHQ-9", 20, 5, 2),
        ("GAD-7", 11, 11, 1),
    ]
    body = response.content.decode()
    assert "The road so far" in body and "Episode 1 with Alice Example" in body
    episode = road["episode"]
    assert reverse("ending_review", args=[world.carol.pk, episode.pk]) in body
    before, during = road["maps"]
    assert reverse("sphere_map", args=[world.carol.pk, before.pk]) in body
    compare = reverse("sphere_compare", args=[world.carol.pk])
    assert f"{compare}?before={before.pk}&amp;after={during.pk}" in body
    assert "PHQ-9: 20 on" in body and "then 5 on" in body and "GAD-7: 11 on" in body
    assert PRIVATE not in body


def test_bob_reads_the_signed_review_and_the_maps_of_that_time(world, login, road):
    bob = login(world.bob)
    review = bob.get(reverse("ending_review", args=[world.carol.pk, road["episode"].pk]))
    assert review.status_code == 200 and THEMES in review.content.decode()
    for sphere_map in road["maps"]:
        assert (
            bob.get(reverse("sphere_map", args=[world.carol.pk, sphere_map.pk])).status_code == 200
        )


def test_alice_whose_relationship_ended_no_longer_reads_the_record(world, login, road):
    alice = login(world.alice)
    for url in (
        page(world),
        reverse("client_timeline", args=[world.carol.pk]),
        reverse("ending_review", args=[world.carol.pk, road["episode"].pk]),
    ):
        assert alice.get(url).status_code == 404, url
    denied = AuditEvent.objects.filter(
        actor_id=world.alice.pk, client_id=world.carol.pk, outcome="denied"
    )
    assert denied.count() == 3
    assert {e.reason for e in denied} == {"no therapy relationship with this client"}


def test_a_draft_review_stays_with_alice(world, login):
    returned(world, signed=False)
    bob = login(world.bob)
    response = bob.get(page(world))
    [earlier] = response.context["earlier_episodes"]
    body = response.content.decode()
    assert "No signed ending review." in body
    url = reverse("ending_review", args=[world.carol.pk, earlier.episode_id])
    assert url not in body
    assert url not in bob.get(reverse("client_timeline", args=[world.carol.pk])).content.decode()
    # Not by its address either, nor to sign or share it in her name.
    assert bob.get(url).status_code == 404
    assert bob.post(url, {"themes": "Bob's words"}).status_code == 404
    for act in ("ending_review_sign", "ending_review_share", "ending_review_pdf"):
        method = bob.get if act.endswith("pdf") else bob.post
        assert method(reverse(act, args=[world.carol.pk, earlier.episode_id])).status_code == 404
    review = EndingReview.objects.get()
    assert (review.signed_at, review.themes) == (None, THEMES)


def test_without_an_earlier_episode_there_is_no_road_so_far(world, login):
    episode_open(relationship=world.carol.therapy_relationships.get(), by=world.alice)
    response = login(world.alice).get(page(world))
    assert response.context["earlier_episodes"] == []
    assert "The road so far" not in response.content.decode()


def test_the_road_so_far_keeps_the_pages_query_count(world, login, django_assert_num_queries):
    returned(world)
    bob = login(world.bob)
    bob.get(page(world))  # the first visit also starts the practice's audit chain
    with django_assert_num_queries(QUERIES):
        bob.get(page(world))
    # Three more returns between alice and bob, with maps and scores in each.
    for _ in range(3):
        relationship = world.carol.therapy_relationships.get(ended_on__isnull=True)
        current = relationship.episodes.get(phase="reaching_out")
        episode_transition(
            episode=current, by=relationship.therapist, to="closed", ending_type="client_ended"
        )
        a_map(world, 1)
        score(world, "gad7", GAD7_MODERATE)
        other = world.alice if relationship.therapist == world.bob else world.bob
        episode_return(relationship=relationship, therapist=other, by=relationship.therapist)
    reader = login(world.carol.therapy_relationships.get(ended_on__isnull=True).therapist)
    reader.get(page(world))
    with django_assert_num_queries(QUERIES):
        response = reader.get(page(world))
    assert [e.number for e in response.context["earlier_episodes"]] == [1, 2, 3, 4]


def test_each_earlier_episode_keeps_its_own_scores(world, login, road):
    later = list(
        itertools.chain.from_iterable(
            e.scores for e in login(world.bob).get(page(world)).context["earlier_episodes"]
        )
    )
    # Bob's 11 on the PHQ-9 belongs to his episode, still open.
    assert 11 not in [s.course.last.total for s in later if s.name == "PHQ-9"]
