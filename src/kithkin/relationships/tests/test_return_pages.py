"""The return on the timeline: choosing with whom the returning client starts again."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from kithkin.accounts.models import User
from kithkin.audit.models import AuditEvent
from kithkin.matching.tests.conftest import profile
from kithkin.relationships.models import Episode, TherapyRelationship
from kithkin.relationships.tests.test_return import ended
from kithkin.relationships.tests.test_timeline import QUERIES

# The timeline's own, and the chooser's two: the practice's profiles, and its clinicians.
WITH_CHOOSER = QUERIES + 2


def snapshot(world):
    """What a return writes, with its events (not the login's or the access check's, which
    every visit writes)."""
    return (
        list(TherapyRelationship.objects.order_by("pk").values_list("pk", "ended_on")),
        list(Episode.objects.order_by("pk").values_list("pk", "phase")),
        AuditEvent.objects.filter(resource_type__in=["TherapyRelationship", "Episode"]).count(),
    )


def page(world):
    return reverse("client_timeline", args=[world.carol.pk])


def open_url(world):
    return reverse("episode_open", args=[world.carol.pk])


@pytest.fixture
def returning(world):
    """Carol's first episode with alice has closed; bob has room, sam no profile."""
    profile(world.bob, capacity=3)
    profile(world.mallory)
    return ended(world)


def test_the_form_offers_the_current_therapist_first_then_the_practices_clinicians(
    world, login, returning
):
    response = login(world.alice).get(page(world))
    form = response.context["open_form"]
    assert form["therapist"].value() == world.alice.pk
    assert list(form.fields["therapist"].choices) == [
        (world.alice.pk, "Alice Example (you)"),
        (world.bob.pk, "Bob Example: accepting new clients, 3 open slots"),
        (world.sam.pk, "Sam Example: no therapist profile yet"),
    ]
    body = response.content.decode()
    assert "With whom" in body and "your access to the record" in body


def test_the_form_says_who_is_not_accepting_or_has_no_room(world, login, returning):
    profile(world.bob, accepting_new=False)
    profile(world.sam, capacity=0)
    choices = dict(
        login(world.alice).get(page(world)).context["open_form"].fields["therapist"].choices
    )
    assert choices[world.bob.pk] == "Bob Example: not accepting new clients"
    assert choices[world.sam.pk] == "Sam Example: accepting new clients, no open slot"


def test_choosing_a_colleague_hands_the_client_over_and_leaves_the_record(world, login, returning):
    alice = login(world.alice)
    response = alice.post(
        open_url(world), {"opened_on": str(timezone.localdate()), "therapist": world.bob.pk}
    )
    assert response.status_code == 302 and response.url == reverse("caseload")
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "new episode is open with Bob Example" in message
    assert "Your relationship with the client has ended" in message
    bobs = TherapyRelationship.objects.get(client=world.carol, therapist=world.bob)
    assert bobs.episodes.get().phase == "reaching_out"
    # The record is bob's now: alice is refused as anyone without a relationship is.
    assert alice.get(page(world)).status_code == 404
    denied = AuditEvent.objects.filter(actor_id=world.alice.pk, outcome="denied").last()
    assert (denied.action, denied.client_id) == ("client.view", world.carol.pk)
    body = login(world.bob).get(page(world)).content.decode()
    assert "Episode 2 with Bob Example" in body and "Episode 1 with Alice Example" in body


def test_choosing_oneself_is_the_plain_new_episode(world, login, returning):
    response = login(world.alice).post(
        open_url(world), {"opened_on": str(timezone.localdate()), "therapist": world.alice.pk}
    )
    assert response.url == page(world) + "#now"
    assert returning.relationship.episodes.count() == 2


@pytest.mark.parametrize("who", ["mallory", "adam", "carol_login"])
def test_someone_outside_the_practices_clinicians_is_refused_beside_the_field(
    world, login, returning, who
):
    before = snapshot(world)
    response = login(world.alice).post(
        open_url(world),
        {"opened_on": str(timezone.localdate()), "therapist": getattr(world, who).pk},
    )
    assert response.status_code == 422
    assert response.context["open_form"].errors["therapist"]
    assert snapshot(world) == before


def test_a_refusal_of_the_service_comes_back_beside_its_field(world, login, returning):
    before = snapshot(world)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = login(world.alice).post(
        open_url(world), {"opened_on": str(tomorrow), "therapist": world.bob.pk}
    )
    assert response.status_code == 422
    form = response.context["open_form"]
    assert form.errors["opened_on"] == ["An episode cannot open in the future."]
    assert snapshot(world) == before


def test_no_form_while_an_episode_is_open_and_none_for_the_supervisor(world, login, returning):
    assert login(world.sam).get(page(world)).context["open_form"] is None
    login(world.alice).post(open_url(world), {"opened_on": str(timezone.localdate())})
    assert login(world.alice).get(page(world)).context["open_form"] is None


def test_the_chooser_keeps_the_timelines_query_count_however_many_clinicians(
    world, login, returning, django_assert_num_queries
):
    alice = login(world.alice)
    alice.get(page(world))  # the first visit also starts the practice's audit chain
    with django_assert_num_queries(WITH_CHOOSER):
        alice.get(page(world))
    for n in range(12):
        colleague = User.objects.create_user(
            username=f"colleague{n}",
            role=User.Roles.THERAPIST,
            practice=world.practice,
            first_name=f"Colleague {n}",
        )
        if n % 2:
            profile(colleague)
    with django_assert_num_queries(WITH_CHOOSER):
        response = alice.get(page(world))
    assert len(response.context["open_form"].fields["therapist"].choices) == 15
    assert Episode.objects.count() == 1
