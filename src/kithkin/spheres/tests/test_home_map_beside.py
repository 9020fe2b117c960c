"""Alice sees Carol's latest finished map from home beside her own, read-only: the client's own
writing, shared when finished. Drafts stay with Carol."""

import datetime

import pytest
from django.urls import reverse

from kithkin.clients.models import Person
from kithkin.core.spheres import SphereError
from kithkin.spheres import services
from kithkin.spheres.models import SphereEntry, SphereMap

NOV_3 = datetime.datetime(2026, 11, 3, 12, tzinfo=datetime.UTC)


@pytest.fixture
def diane(world):
    return Person.objects.get(client=world.carol, name="Diane")


@pytest.fixture
def alices_map(world):
    return services.map_create(client=world.carol, by=world.alice, made_by="therapist")


def home_map(world, diane, *, ring=1, reflection="", finished_at=NOV_3):
    the_map = services.map_create(client=world.carol, by=world.carol_login, made_by="client")
    services.entry_save(
        sphere_map=the_map, person_id=diane.pk, by=world.carol_login, ring=ring, types=["family"]
    )
    if finished_at is not None:
        services.map_finish(sphere_map=the_map, by=world.carol_login, reflection=reflection)
        SphereMap.objects.filter(pk=the_map.pk).update(finished_at=finished_at)
        the_map.refresh_from_db()
    return the_map


def map_page(world, the_map):
    return reverse("sphere_map", args=[world.carol.pk, the_map.pk])


def test_alice_sees_carols_finished_map_beside_her_own(world, login, alices_map, diane):
    home_map(world, diane, ring=1, reflection="Diane feels like family now.")
    body = login(world.alice).get(map_page(world, alices_map)).content.decode()
    assert "Made by Carol at home, finished 3 Nov 2026" in body
    assert 'id="home-map-title"' in body and 'id="bullseye-title"' in body
    assert "Carol's map as a list" in body
    assert "Diane: family; shows 0 of 14 components." in body
    assert "Diane feels like family now." in body
    assert "Save this person's place" in body  # her own map stays editable beside it


def test_the_latest_finished_map_is_shown_and_a_draft_is_not(world, login, alices_map, diane):
    home_map(world, diane, ring=4, reflection="The older one")
    home_map(world, diane, ring=3, reflection="The newer one", finished_at=NOV_3.replace(day=10))
    home_map(world, diane, ring=5, finished_at=None)
    alice = login(world.alice)
    body = alice.get(map_page(world, alices_map)).content.decode()
    assert "finished 10 Nov 2026" in body and "The newer one" in body
    assert "The older one" not in body
    listing = alice.get(reverse("sphere_maps", args=[world.carol.pk]))
    assert "The newer one" in listing.content.decode()
    assert len([m for m in listing.context["maps"] if m.made_by == "client"]) == 2


def test_a_clients_draft_stays_with_the_client(world, login, diane):
    draft = home_map(world, diane, finished_at=None)
    alice = login(world.alice)
    assert alice.get(map_page(world, draft)).status_code == 404
    listing = alice.get(reverse("sphere_maps", args=[world.carol.pk]))
    assert listing.context["maps"] == [] and listing.context["home"] is None
    url = reverse("sphere_compare", args=[world.carol.pk]) + f"?before={draft.pk}&after={draft.pk}"
    assert alice.get(url).status_code == 404


def test_alice_reads_carols_finished_map_but_cannot_change_it(world, login, diane):
    finished = home_map(world, diane, ring=1, reflection="Mine")
    alice = login(world.alice)
    page = alice.get(map_page(world, finished))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Made by Carol at home, finished 3 Nov 2026" in body and "Mine" in body
    assert "Save this person" not in body
    response = alice.post(
        reverse("sphere_entry_save", args=[world.carol.pk, finished.pk]),
        {"person": diane.pk, "ring": 5},
    )
    assert response.status_code == 403
    assert SphereEntry.objects.get(map=finished).ring == 1


def test_the_services_refuse_anyone_but_the_client_on_their_own_map(world, diane):
    draft = home_map(world, diane, ring=1, finished_at=None)
    for write in (
        lambda: services.entry_save(sphere_map=draft, person_id=diane.pk, by=world.alice, ring=5),
        lambda: services.entry_remove(sphere_map=draft, person_id=diane.pk, by=world.alice),
        lambda: services.map_step(sphere_map=draft, by=world.alice, step=3),
        lambda: services.map_reflect(sphere_map=draft, by=world.alice, reflection="x"),
        lambda: services.map_finish(sphere_map=draft, by=world.alice),
    ):
        with pytest.raises(SphereError, match="the client's own"):
            write()
    draft.refresh_from_db()
    assert (draft.status, draft.step, draft.reflection) == ("draft", 1, "")
    assert SphereEntry.objects.get(map=draft).ring == 1


def test_a_step_outside_the_exercise_is_refused(world, diane):
    draft = home_map(world, diane, finished_at=None)
    for step in (0, 6, True, "2"):
        with pytest.raises(SphereError):
            services.map_step(sphere_map=draft, by=world.carol_login, step=step)


def grow(world, the_map, by, people=40):
    for n in range(people):
        person = Person.objects.create(
            practice=world.practice, client=world.carol, name=f"Person {n}"
        )
        services.entry_save(
            sphere_map=the_map,
            person_id=person.pk,
            by=by,
            ring=1 + n % 5,
            types=["friendship"],
            ratings={"respect": 2},
        )


@pytest.mark.parametrize("page", ["map", "list"])
def test_the_therapists_pages_cost_the_same_queries_with_40_people_on_both_maps(
    world, login, alices_map, diane, page, django_assert_max_num_queries, django_assert_num_queries
):
    small_home = home_map(world, diane)
    alice = login(world.alice)
    url = (
        map_page(world, alices_map)
        if page == "map"
        else reverse("sphere_maps", args=[world.carol.pk])
    )
    alice.get(url)  # the first visit also starts the practice's audit chain
    with django_assert_max_num_queries(16) as small:
        alice.get(url)
    grow(world, alices_map, world.alice)
    big_home = services.map_create(client=world.carol, by=world.carol_login, made_by="client")
    grow(world, big_home, world.carol_login)
    services.map_finish(sphere_map=big_home, by=world.carol_login, reflection="Big")
    assert small_home.pk != big_home.pk
    with django_assert_num_queries(len(small.captured_queries)):
        response = alice.get(url)
    body = response.content.decode()
    assert "Big" in body
    assert body.count("Person 39") >= 2 if page == "map" else "Person 39" in body
