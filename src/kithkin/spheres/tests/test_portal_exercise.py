"""Carol does the spheres-of-influence exercise at home, in the portal: five steps, saved as she
goes, hers alone until she finishes and shares it."""

import pytest
from django.urls import reverse

from kithkin.audit.models import AuditEvent
from kithkin.clients.models import Person
from kithkin.core.spheres import SphereError
from kithkin.core.vocabulary import COMPONENT_KEYS
from kithkin.partners.models import TherapyPartner
from kithkin.spheres import services
from kithkin.spheres.models import SphereEntry, SphereMap

FINISHED = "This map is finished and shared with your therapist"


def step_url(the_map, step):
    return reverse("portal_map_step", args=[the_map.pk, step])


def save(browser, the_map, step, go="next", **data):
    return browser.post(
        reverse("portal_map_step_save", args=[the_map.pk, step]), {"go": go, **data}
    )


@pytest.fixture
def diane(world):
    return Person.objects.get(client=world.carol, name="Diane")


@pytest.fixture
def home_map(world):
    return services.map_create(client=world.carol, by=world.carol_login, made_by="client")


@pytest.fixture
def placed(world, home_map, diane):
    """Carol's draft with Diane in ring 2."""
    services.entry_save(sphere_map=home_map, person_id=diane.pk, by=world.carol_login, ring=2)
    return home_map


def test_carol_walks_through_the_five_steps_saves_for_later_and_resumes(world, login, diane):
    carol = login(world.carol_login)
    response = carol.post(reverse("portal_map_new"))
    the_map = SphereMap.objects.get(client=world.carol)
    assert response.url == step_url(the_map, 1)
    assert (the_map.made_by, the_map.author, the_map.status) == (
        "client",
        world.carol_login,
        "draft",
    )

    # Step 1: the people already on her record, and one she adds herself.
    body = carol.get(step_url(the_map, 1)).content.decode()
    assert "Step 1 of 5" in body and "Diane" in body
    assert f'href="{step_url(the_map, 1)}" aria-current="step"' in body
    response = carol.post(
        reverse("portal_map_person_add", args=[the_map.pk]), {"name": "My sister", "role": "sister"}
    )
    assert response.url == step_url(the_map, 1)
    sister = Person.objects.get(client=world.carol, name="My sister")
    assert (sister.role, sister.practice_id) == ("sister", world.practice.pk)
    assert save(carol, the_map, 1).url == step_url(the_map, 2)

    # Step 2: she places them, sees the bullseye, and stops for today.
    rings = {f"ring_{diane.pk}": 2, f"ring_{sister.pk}": 1}
    assert save(carol, the_map, 2, go="stay", **rings).url == step_url(the_map, 2)
    body = carol.get(step_url(the_map, 2)).content.decode()
    assert "<svg" in body and "My sister: ring 1" in body
    assert save(carol, the_map, 2, go="later", **rings).url == reverse("portal_maps")
    the_map.refresh_from_db()
    assert the_map.step == 2

    # Another day: the list offers to continue where she left off, and so does starting again.
    body = carol.get(reverse("portal_maps")).content.decode()
    assert "Continue your map" in body and step_url(the_map, 2) in body
    assert "Start a new map" not in body
    assert carol.get(reverse("portal_map", args=[the_map.pk])).url == step_url(the_map, 2)
    assert carol.post(reverse("portal_map_new")).url == step_url(the_map, 2)
    assert SphereMap.objects.filter(client=world.carol).count() == 1

    # Step 3: the types, as many as fit.
    assert save(carol, the_map, 2, **rings).url == step_url(the_map, 3)
    body = carol.get(step_url(the_map, 3)).content.decode()
    assert "The 13 kinds of relationship" in body and "<legend>Diane</legend>" in body
    types = {f"types_{diane.pk}": ["friendship", "casual"], f"types_{sister.pk}": ["family"]}
    response = save(carol, the_map, 3, **types)
    assert response.url == f"{step_url(the_map, 4)}?person={diane.pk}"

    # Step 4: the components, one person at a time.
    body = carol.get(response.url).content.decode()
    assert "Person 1 of 2" in body and "<legend>Communication</legend>" in body
    partly = {"c_communication": 1, "c_respect": 1, "c_quality_time": 1}
    response = save(carol, the_map, 4, person=diane.pk, **partly)
    assert response.url == f"{step_url(the_map, 4)}?person={sister.pk}"
    clearly = {f"c_{key}": 2 for key in COMPONENT_KEYS[:12]}
    assert save(carol, the_map, 4, person=sister.pk, **clearly).url == step_url(the_map, 5)
    # Back from step 5 lands on the last person of step 4.
    assert save(carol, the_map, 5, go="back").url == f"{step_url(the_map, 4)}?person={sister.pk}"
    assert save(carol, the_map, 4, person=sister.pk, **clearly).url == step_url(the_map, 5)

    # Step 5: a gentle question, a reflection kept as a draft, then finished and shared.
    body = carol.get(step_url(the_map, 5)).content.decode()
    assert "Diane sits in ring 2 but shows 3 of 14 components: worth exploring?" in body
    assert "not a diagnosis" in body
    assert "Finish and share with my therapist" in body
    save(carol, the_map, 5, go="stay", reflection="Half a thought")
    the_map.refresh_from_db()
    assert (the_map.reflection, the_map.status) == ("Half a thought", "draft")
    response = carol.post(
        reverse("portal_map_finish", args=[the_map.pk]), {"reflection": "Diane is close; why?"}
    )
    assert response.url == reverse("portal_map", args=[the_map.pk])

    the_map.refresh_from_db()
    assert the_map.status == "final" and the_map.finished_at is not None
    assert the_map.reflection == "Diane is close; why?"
    saved = {e.person.name: (e.ring, e.types, e.ratings) for e in the_map.entries.all()}
    assert saved == {
        "Diane": (
            2,
            ["casual", "friendship"],
            {"communication": 1, "respect": 1, "quality_time": 1},
        ),
        "My sister": (1, ["family"], {key: 2 for key in COMPONENT_KEYS[:12]}),
    }

    # Finished: read-only, with its drawing, its list and her reflection.
    body = carol.get(reverse("portal_map", args=[the_map.pk])).content.decode()
    assert "Finished and shared with your therapist" in body
    assert "<svg" in body and "Your map as a list" in body and "Diane is close; why?" in body
    assert reverse("portal_map_step_save", args=[the_map.pk, 5]) not in body
    assert carol.get(step_url(the_map, 2)).url == reverse("portal_map", args=[the_map.pk])
    assert "Start a new map" in carol.get(reverse("portal_maps")).content.decode()


def test_the_progress_links_move_back_and_forth_without_saving(world, login, placed):
    carol = login(world.carol_login)
    for step in range(1, 6):
        response = carol.get(step_url(placed, step))
        assert response.status_code == 200
        body = response.content.decode()
        assert f"Step {step} of 5" in body
        assert body.count('aria-current="step"') == 1
    placed.refresh_from_db()
    assert placed.step == 1


def test_leaving_someone_off_the_map_removes_their_place(world, login, placed, diane):
    response = save(login(world.carol_login), placed, 2, **{f"ring_{diane.pk}": ""})
    assert response.status_code == 302
    assert not SphereEntry.objects.exists()


def test_unchanged_pages_write_no_entry(world, login, placed, diane):
    before = AuditEvent.objects.filter(action="sphere_entry.save").count()
    save(login(world.carol_login), placed, 2, go="stay", **{f"ring_{diane.pk}": 2})
    assert AuditEvent.objects.filter(action="sphere_entry.save").count() == before


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "data", "message"),
    [
        (2, {"ring_{diane}": "7"}, "Choose a ring for Diane from 1 (closest) to 5 (furthest)"),
        (2, {"ring_{diane}": "0"}, "Choose a ring for Diane from 1 (closest) to 5 (furthest)"),
        (3, {"types_{diane}": ["friendship", "enemy"]}, "enemy is not one of the 13 kinds"),
        (4, {"person": "{diane}", "c_respect": "3"}, "For respect, choose absent, partly or"),
        (4, {"person": "{diane}", "c_safety": "-1"}, "For safety, choose absent, partly or"),
        (2, {"go": "sideways", "ring_{diane}": "3"}, "Choose Back, Next or Save and finish later"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_saved(
    world, login, placed, diane, step, data, message
):
    sister = Person.objects.create(practice=world.practice, client=world.carol, name="Sister")
    data = {
        key.format(diane=diane.pk): [v.format(diane=diane.pk) for v in value]
        if isinstance(value, list)
        else value.format(diane=diane.pk)
        for key, value in data.items()
    }
    # A valid change on the same page is not kept either: the page saves whole or not at all.
    response = save(login(world.carol_login), placed, step, **{f"ring_{sister.pk}": 1, **data})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert "nothing on it was saved" in response.content.decode()
    entry = SphereEntry.objects.get()
    assert (entry.person_id, entry.ring, entry.types, entry.ratings) == (diane.pk, 2, [], {})
    placed.refresh_from_db()
    assert placed.step == 1


def test_a_refusal_from_the_core_midway_undoes_the_whole_page(
    world, login, placed, diane, monkeypatch
):
    sister = Person.objects.create(practice=world.practice, client=world.carol, name="Sister")
    real = services.entry_save

    def refuse_the_sister(**kwargs):
        if kwargs["person_id"] == sister.pk:
            raise SphereError("Ring must be between 1 (closest) and 5 (furthest).", field="ring")
        return real(**kwargs)

    monkeypatch.setattr(services, "entry_save", refuse_the_sister)
    rings = {f"ring_{diane.pk}": 4, f"ring_{sister.pk}": 1}
    response = save(login(world.carol_login), placed, 2, **rings)
    assert response.status_code == 422
    assert "Ring must be between 1 (closest) and 5 (furthest)." in response.content.decode()
    assert list(SphereEntry.objects.values_list("person_id", "ring")) == [(diane.pk, 2)]
    placed.refresh_from_db()
    assert placed.step == 1


def test_a_person_of_another_client_cannot_be_rated_or_placed(world, login, placed, diane):
    stranger = Person.objects.create(practice=world.practice, client=world.dave, name="Dave's boss")
    carol = login(world.carol_login)
    response = save(carol, placed, 4, person=stranger.pk, c_respect=2)
    assert response.status_code == 422
    assert "That person is not on this map." in response.content.decode()
    # A ring for a stranger is not a field of Carol's page: it is ignored, never saved.
    save(carol, placed, 2, **{f"ring_{stranger.pk}": 1, f"ring_{diane.pk}": 2})
    assert not SphereEntry.objects.filter(person=stranger).exists()
    with pytest.raises(SphereError, match="not in this client's life"):
        services.entry_save(sphere_map=placed, person_id=stranger.pk, by=world.carol_login, ring=1)


def test_a_person_needs_a_name(world, login, home_map):
    response = login(world.carol_login).post(
        reverse("portal_map_person_add", args=[home_map.pk]), {"name": "  ", "role": "aunt"}
    )
    assert response.status_code == 422
    assert "Give the person a name or a label." in response.content.decode()
    assert list(Person.objects.filter(client=world.carol).values_list("name", flat=True)) == [
        "Diane"
    ]


def test_an_empty_map_cannot_be_finished(world, login, home_map):
    response = login(world.carol_login).post(
        reverse("portal_map_finish", args=[home_map.pk]), {"reflection": "x"}
    )
    assert response.status_code == 422
    assert (
        "Place at least one person on the bullseye before you finish" in response.content.decode()
    )
    home_map.refresh_from_db()
    assert home_map.status == "draft"


def test_a_step_that_does_not_exist_is_not_found(world, login, home_map):
    carol = login(world.carol_login)
    assert carol.get(step_url(home_map, 6)).status_code == 404
    assert save(carol, home_map, 0).status_code == 404


@pytest.fixture
def finished(world, placed):
    return services.map_finish(sphere_map=placed, by=world.carol_login, reflection="Shared")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("portal_map_step_save", {"go": "next"}),
        ("portal_map_person_add", {"name": "Late addition"}),
        ("portal_map_finish", {"reflection": "Changed my mind"}),
    ],
)
def test_a_finished_map_stays_as_it_was_shared(world, login, finished, diane, name, data):
    args = [finished.pk, 2] if name == "portal_map_step_save" else [finished.pk]
    response = login(world.carol_login).post(
        reverse(name, args=args), {**data, f"ring_{diane.pk}": 5}
    )
    assert response.status_code == 422
    assert FINISHED in response.content.decode()
    finished.refresh_from_db()
    assert (finished.reflection, finished.step) == ("Shared", 1)
    assert SphereEntry.objects.get().ring == 2
    assert not Person.objects.filter(name="Late addition").exists()
    with pytest.raises(SphereError, match="finished and shared"):
        services.entry_save(sphere_map=finished, person_id=diane.pk, by=world.carol_login, ring=5)


# --- who reaches what ------------------------------------------------------------------------


def portal_urls(the_map):
    return [
        ("get", reverse("portal_map", args=[the_map.pk])),
        ("get", step_url(the_map, 2)),
        ("post", reverse("portal_map_step_save", args=[the_map.pk, 2])),
        ("post", reverse("portal_map_person_add", args=[the_map.pk])),
        ("post", reverse("portal_map_finish", args=[the_map.pk])),
    ]


def test_dave_cannot_reach_carols_map(world, login, placed):
    dave = login(world.dave_login)
    for method, url in portal_urls(placed):
        data = {"go": "next", "name": "Intruder", "reflection": "x"} if method == "post" else None
        assert getattr(dave, method)(url, data).status_code == 404, url
    placed.refresh_from_db()
    assert placed.status == "draft"
    assert not Person.objects.filter(name="Intruder").exists()
    assert "Quill" not in dave.get(reverse("portal_maps")).content.decode()


def test_staff_have_no_part_in_the_clients_at_home_work(world, login, placed):
    for staff in (world.alice, world.sam, world.bob, world.adam, world.mallory):
        browser = login(staff)
        assert browser.get(reverse("portal_maps")).status_code == 403, staff.username
        assert browser.post(reverse("portal_map_new")).status_code == 403, staff.username
        for method, url in portal_urls(placed):
            assert getattr(browser, method)(url).status_code == 403, (staff.username, url)
    assert SphereMap.objects.count() == 1


def test_a_client_account_without_a_record_finds_nothing(world, login):
    from kithkin.accounts.models import User

    orphan = User.objects.create_user(username="orla", role="client", practice=world.practice)
    assert login(orphan).get(reverse("portal_maps")).status_code == 404


def test_the_client_never_sees_the_therapists_maps_notes_or_partner_modes(
    world, login, placed, diane
):
    diane.notes = "Carol's therapist thinks Diane takes advantage"
    diane.save()
    TherapyPartner.objects.create(practice=world.practice, person=diane, involvement="unaware")
    theirs = services.map_create(client=world.carol, by=world.alice, made_by="therapist")
    services.entry_save(
        sphere_map=theirs, person_id=diane.pk, by=world.alice, ring=5, note="Session note"
    )
    carol = login(world.carol_login)
    assert carol.get(reverse("portal_map", args=[theirs.pk])).status_code == 404
    assert carol.get(step_url(theirs, 2)).status_code == 404
    pages = [carol.get(reverse("portal_maps"))] + [
        carol.get(step_url(placed, step)) for step in range(1, 6)
    ]
    for page in pages:
        body = page.content.decode()
        assert "takes advantage" not in body
        assert "Session note" not in body
        assert "naware" not in body  # Unaware / unaware, the partner's involvement
        assert reverse("portal_map", args=[theirs.pk]) not in body


# --- the audit trail -------------------------------------------------------------------------


def events(**filters):
    return list(AuditEvent.objects.filter(**filters).values_list("action", "outcome"))


def test_reads_and_writes_leave_audit_events_by_carol(world, login, diane):
    carol = login(world.carol_login)
    carol.post(reverse("portal_map_new"))
    the_map = SphereMap.objects.get(client=world.carol)
    carol.get(step_url(the_map, 1))
    carol.post(reverse("portal_map_person_add", args=[the_map.pk]), {"name": "Aunt Bea"})
    save(carol, the_map, 2, **{f"ring_{diane.pk}": 3})
    carol.post(reverse("portal_map_finish", args=[the_map.pk]), {"reflection": ""})
    actions = {action for action, _ in events(actor=world.carol_login, client_id=world.carol.pk)}
    assert {
        "portal.exercise",
        "sphere_map.create",
        "person.create",
        "sphere_entry.save",
        "sphere_map.step",
        "sphere_map.finish",
    } <= actions
    assert set(events(actor=world.carol_login, action="portal.exercise")) == {
        ("portal.exercise", "allowed")
    }


def test_refused_attempts_are_audited_too(world, login, placed):
    login(world.alice).get(reverse("portal_maps"))
    assert ("portal.exercise", "denied") in events(actor=world.alice)
    login(world.dave_login).get(step_url(placed, 2))
    refused = AuditEvent.objects.get(actor=world.dave_login, outcome="denied")
    assert (refused.resource_type, refused.resource_id) == ("SphereMap", str(placed.pk))
    assert refused.client_id is None  # the trail of Dave's attempt does not name Carol


# --- the query count of each page stays flat -------------------------------------------------


def grow(world, the_map, people=40):
    for n in range(people):
        person = Person.objects.create(
            practice=world.practice, client=world.carol, name=f"Person {n}", notes="x"
        )
        services.entry_save(
            sphere_map=the_map,
            person_id=person.pk,
            by=world.carol_login,
            ring=1 + n % 5,
            types=["friendship", "family"],
            ratings={"communication": 2, "respect": n % 3},
        )


def more_maps(world, count=10):
    for _ in range(count):
        done = services.map_create(client=world.carol, by=world.carol_login, made_by="client")
        services.map_finish(sphere_map=done, by=world.carol_login)


@pytest.mark.parametrize("page", [1, 2, 3, 4, 5, "list", "finished"])
def test_each_page_costs_the_same_queries_with_40_people_and_10_more_maps(
    world, login, placed, page, django_assert_max_num_queries, django_assert_num_queries
):
    carol = login(world.carol_login)
    if page == "finished":
        services.map_finish(sphere_map=placed, by=world.carol_login)
    url = {
        "list": reverse("portal_maps"),
        "finished": reverse("portal_map", args=[placed.pk]),
    }.get(page) or step_url(placed, page)
    carol.get(url)  # the first visit also starts the practice's audit chain
    with django_assert_max_num_queries(20) as small:
        assert carol.get(url).status_code == 200
    if page == "finished":
        big = services.map_create(client=world.carol, by=world.carol_login, made_by="client")
        grow(world, big)
        services.map_finish(sphere_map=big, by=world.carol_login)
        url = reverse("portal_map", args=[big.pk])
    else:
        grow(world, placed)
    more_maps(world)
    with django_assert_num_queries(len(small.captured_queries)):
        response = carol.get(url)
    assert response.status_code == 200
    assert "Person 39" in response.content.decode() or page == "list"
