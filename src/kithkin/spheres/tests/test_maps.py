import pytest
from django.urls import reverse

from kithkin.clients.models import Person
from kithkin.core.spheres import SphereError
from kithkin.spheres import services
from kithkin.spheres.models import SphereEntry, SphereMap


@pytest.fixture
def the_map(world):
    return services.map_create(client=world.carol, by=world.alice, made_by="therapist")


@pytest.fixture
def diane(world):
    return Person.objects.get(client=world.carol, name="Diane")


def post_entry(browser, world, the_map, person, **overrides):
    data = {"person": person.pk, "ring": 2, "types": ["friendship"], "note": "", **overrides}
    return browser.post(
        reverse("sphere_entry_save", args=[world.carol.pk, the_map.pk]),
        data,
        headers={"HX-Request": "true"},
    )


def test_the_therapist_places_someone_and_sees_the_bullseye_and_the_prompt(
    world, login, the_map, diane
):
    alice = login(world.alice)
    response = post_entry(alice, world, the_map, diane, c_communication=1, c_respect=1, c_safety=1)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in body and 'id="map-editor"' in body
    assert "Diane sits in ring 2 but shows 3 of 14 components: worth exploring?" in body
    entry = SphereEntry.objects.get(map=the_map, person=diane)
    assert (entry.ring, entry.types, entry.ratings) == (
        2,
        ["friendship"],
        {"communication": 1, "respect": 1, "safety": 1},
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("ring", "7", "Select a valid choice"),
        ("c_respect", "3", "Select a valid choice"),
        ("types", "enemy", "Select a valid choice"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_saved(
    world, login, the_map, diane, field, value, message
):
    response = post_entry(login(world.alice), world, the_map, diane, **{field: value})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not SphereEntry.objects.exists()


def test_the_core_refuses_what_a_form_might_let_through(world, the_map, diane):
    for bad in ({"ring": 0}, {"ring": 6}, {"ratings": {"respect": 5}}, {"types": ["enemy"]}):
        with pytest.raises(SphereError):
            services.entry_save(
                sphere_map=the_map, person_id=diane.pk, by=world.alice, **{"ring": 2, **bad}
            )
    assert not SphereEntry.objects.exists()


def test_a_person_of_another_client_cannot_be_placed(world, login, the_map):
    stranger = Person.objects.create(
        practice=world.practice, client=world.dave, name="Dave's brother"
    )
    with pytest.raises(SphereError, match="not in this client's life"):
        services.entry_save(sphere_map=the_map, person_id=stranger.pk, by=world.alice, ring=3)
    response = post_entry(login(world.alice), world, the_map, stranger)
    assert response.status_code == 422
    assert not SphereEntry.objects.exists()


def test_saving_the_same_person_again_updates_their_one_entry(world, the_map, diane):
    services.entry_save(sphere_map=the_map, person_id=diane.pk, by=world.alice, ring=2)
    services.entry_save(sphere_map=the_map, person_id=diane.pk, by=world.alice, ring=4)
    assert list(SphereEntry.objects.values_list("ring", flat=True)) == [4]


def test_an_entry_note_is_encrypted_at_rest_and_read_back_as_written(world, the_map, diane):
    from django.db import connection

    from kithkin.spheres.selectors import entries_of

    note = "She lends me money and I never ask twice"
    services.entry_save(sphere_map=the_map, person_id=diane.pk, by=world.alice, ring=2, note=note)
    with connection.cursor() as cursor:
        cursor.execute("SELECT note FROM spheres_sphereentry")
        stored = cursor.fetchone()[0]
    assert "money" not in stored
    assert [e.note for e in entries_of(the_map)] == [note]


def test_two_editors_saving_different_people_lose_nothing(world, the_map, diane):
    mother = Person.objects.create(practice=world.practice, client=world.carol, name="Mother")
    # Two sessions editing at once: each entry is its own row, so both survive, and for one
    # person the last save wins.
    services.entry_save(sphere_map=the_map, person_id=diane.pk, by=world.alice, ring=2)
    services.entry_save(sphere_map=the_map, person_id=mother.pk, by=world.sam, ring=1)
    services.entry_save(sphere_map=the_map, person_id=diane.pk, by=world.sam, ring=3)
    assert dict(SphereEntry.objects.values_list("person__name", "ring")) == {
        "Diane": 3,
        "Mother": 1,
    }


def test_comparing_two_maps_shows_who_moved(world, login, diane):
    earlier = services.map_create(client=world.carol, by=world.alice, made_by="therapist")
    later = services.map_create(client=world.carol, by=world.alice, made_by="therapist")
    services.entry_save(sphere_map=earlier, person_id=diane.pk, by=world.alice, ring=2)
    services.entry_save(sphere_map=later, person_id=diane.pk, by=world.alice, ring=4)
    url = (
        reverse("sphere_compare", args=[world.carol.pk]) + f"?before={earlier.pk}&after={later.pk}"
    )
    body = login(world.alice).get(url).content.decode()
    assert "Diane moved further, from ring 2 to 4." in body


def test_maps_of_another_client_are_not_found(world, login):
    daves = SphereMap.objects.create(
        practice=world.practice,
        client=world.dave,
        made_by="therapist",
        author=world.bob,
        taken_at="2026-11-01T10:00Z",
    )
    assert (
        login(world.alice).get(reverse("sphere_map", args=[world.carol.pk, daves.pk])).status_code
        == 404
    )


def test_the_map_page_query_count_does_not_grow_with_40_people(
    world, login, the_map, django_assert_max_num_queries
):
    for n in range(40):
        person = Person.objects.create(
            practice=world.practice, client=world.carol, name=f"Person {n}"
        )
        services.entry_save(
            sphere_map=the_map,
            person_id=person.pk,
            by=world.alice,
            ring=1 + n % 5,
            types=["friendship"],
        )
    alice = login(world.alice)
    url = reverse("sphere_map", args=[world.carol.pk, the_map.pk])
    alice.get(url)
    with django_assert_max_num_queries(14):
        response = alice.get(url)
    assert response.content.decode().count("<title") >= 41


def test_the_editor_lists_someone_added_since_the_last_view(world, login, the_map):
    from kithkin.partners.services import person_add

    alice = login(world.alice)
    page = reverse("sphere_map", args=[world.carol.pk, the_map.pk])
    assert "Grandmother June" not in alice.get(page).content.decode()
    june = person_add(client=world.carol, by=world.alice, name="Grandmother June")
    body = alice.get(page).content.decode()
    assert f'<option value="{june.pk}">Grandmother June</option>' in body
