import datetime

from django.urls import reverse
from django.utils import timezone

from kithkin.clients.models import Person
from kithkin.schedule.models import Session


def page(client_record):
    return reverse("client_detail", args=[client_record.pk])


def test_the_treating_therapist_sees_identity_people_and_sessions(world, login):
    Session.objects.create(
        practice=world.practice,
        client=world.carol,
        therapist=world.alice,
        starts_at=timezone.now() + datetime.timedelta(days=2),
    )
    response = login(world.alice).get(page(world.carol))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Carol Quill" in body
    assert "carol@example.org" in body
    assert "Diane" in body and "roommate" in body
    assert len(response.context["upcoming_sessions"]) == 1


def test_the_supervisor_of_the_treating_therapist_reads_the_record(world, login):
    assert login(world.sam).get(page(world.carol)).status_code == 200


def test_everyone_else_gets_not_found_so_the_record_stays_secret(world, login):
    # 404, not 403: a denied read must not reveal that the client exists.
    for outsider in (world.bob, world.adam, world.carol_login, world.dave_login, world.mallory):
        assert login(outsider).get(page(world.carol)).status_code == 404, outsider.username


def test_a_missing_client_is_not_found(world, login):
    assert login(world.alice).get(reverse("client_detail", args=[987654])).status_code == 404


def test_its_query_count_does_not_grow_with_the_record(world, login, django_assert_num_queries):
    alice = login(world.alice)
    alice.get(page(world.carol))  # the first visit also starts the practice's audit chain
    # 17: the open measures alerts are one more, whether a previous therapist's record was
    # imported (the link to it) another, whether the latest fit review decided to refer (the
    # link to suggest another therapist) a third, and the episodes (for the road so far) a
    # fourth; with earlier episodes, their scores and maps are two more (test_road_so_far).
    with django_assert_num_queries(14) as small:
        alice.get(page(world.carol))
    start = timezone.now() - datetime.timedelta(days=400)
    Session.objects.bulk_create(
        Session(
            practice=world.practice,
            client=world.carol,
            therapist=world.alice,
            starts_at=start + datetime.timedelta(days=7 * n),
            status=Session.Status.ATTENDED,
        )
        for n in range(60)
    )
    Person.objects.bulk_create(
        Person(practice=world.practice, client=world.carol, name=f"Friend {n}") for n in range(20)
    )
    with django_assert_num_queries(len(small.captured_queries)):
        response = alice.get(page(world.carol))
    assert len(response.context["recent_sessions"]) == 10
