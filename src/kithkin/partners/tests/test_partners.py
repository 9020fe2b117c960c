import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kithkin.audit.models import AuditEvent
from kithkin.clients.models import Person, PersonKind
from kithkin.partners import services
from kithkin.partners.models import InvolvementChange, PlannedAction, TherapyPartner


@pytest.fixture
def diane(world):
    return Person.objects.get(client=world.carol, name="Diane")


def test_a_person_has_several_types_and_their_history(world):
    day = datetime.date(2026, 1, 10)
    sam = services.person_add(
        client=world.carol, by=world.alice, name="Sam", kinds=["friendship"], since=day
    )
    services.person_set_kinds(
        person=sam, by=world.alice, kinds=["friendship", "romantic"], on=day.replace(month=6)
    )
    services.person_set_kinds(
        person=sam, by=world.alice, kinds=["romantic"], on=day.replace(month=9)
    )
    rows = {
        (k.kind, k.since.month, k.until.month if k.until else None)
        for k in PersonKind.objects.filter(person=sam)
    }
    assert rows == {("friendship", 1, 9), ("romantic", 6, None)}


def test_unknown_types_and_blank_names_are_refused_and_nothing_is_saved(world):
    before = Person.objects.count()
    with pytest.raises(services.PartnerError, match="Unknown relationship type: enemy"):
        services.person_add(client=world.carol, by=world.alice, name="X", kinds=["enemy"])
    with pytest.raises(services.PartnerError, match="name"):
        services.person_add(client=world.carol, by=world.alice, name="  ")
    assert Person.objects.count() == before


def test_the_seed_plan_can_be_written_exactly(world, diane):
    mother = services.person_add(
        client=world.carol, by=world.alice, name="Her mother", role="mother", kinds=["family"]
    )
    partner = services.partner_set(person=mother, by=world.alice, involvement="joint_sessions")
    today = timezone.localdate()
    services.action_plan(
        partner=partner,
        by=world.alice,
        text="Carol will talk to her mother about a joint session",
        window_start=today + datetime.timedelta(days=7),
        window_end=today + datetime.timedelta(days=14),
        client_paced=True,
    )
    world.carol.pronouns = "she/her"
    world.carol.save()
    page = world  # the people page shows the sentence
    del page
    from django.test import Client

    browser = Client()
    browser.force_login(world.alice)
    body = browser.get(reverse("people", args=[world.carol.pk])).content.decode()
    assert (
        "Carol will talk to her mother about a joint session in a week or two, "
        "or whenever she feels ready" in body
    )


def test_lifting_unaware_needs_a_reason_that_is_kept_and_audited(world, diane):
    services.partner_set(person=diane, by=world.alice, involvement="unaware", knows_in_therapy=True)
    with pytest.raises(services.PartnerError, match="reason"):
        services.partner_set(person=diane, by=world.alice, involvement="informed")
    assert TherapyPartner.objects.get(person=diane).involvement == "unaware"
    services.partner_set(
        person=diane,
        by=world.alice,
        involvement="informed",
        reason="Carol told Diane about therapy and wants her to know.",
    )
    change = InvolvementChange.objects.filter(partner__person=diane).latest("pk")
    assert (change.from_involvement, change.to_involvement) == ("unaware", "informed")
    assert change.reason.startswith("Carol told Diane")
    event = AuditEvent.objects.filter(action="partner.involvement_change").latest("seq")
    assert event.reason == f"unaware -> informed (change {change.pk})"
    assert "Diane" not in event.reason  # the reason's words stay encrypted on the change


def test_an_unaware_partner_cannot_be_marked_as_knowing(world, diane):
    with pytest.raises(services.PartnerError):
        services.partner_set(
            person=diane, by=world.alice, involvement="unaware", knows_discussed=True
        )
    assert not TherapyPartner.objects.filter(person=diane).exists()


def test_a_window_that_ends_before_it_starts_is_refused(world, diane):
    partner = services.partner_set(person=diane, by=world.alice, involvement="informed")
    today = timezone.localdate()
    with pytest.raises(services.PartnerError):
        services.action_plan(
            partner=partner,
            by=world.alice,
            text="x",
            window_start=today,
            window_end=today - datetime.timedelta(days=1),
        )
    assert not PlannedAction.objects.exists()


def test_the_worklist_shows_due_and_overdue_and_never_nags_client_paced_actions(
    world, diane, login
):
    partner = services.partner_set(person=diane, by=world.alice, involvement="informed")
    today = timezone.localdate()
    days = datetime.timedelta
    services.action_plan(
        partner=partner,
        by=world.alice,
        text="Talk about rent",
        window_start=today - days(20),
        window_end=today - days(10),
    )
    services.action_plan(
        partner=partner,
        by=world.alice,
        text="Ask about chores",
        window_start=today - days(20),
        window_end=today - days(10),
        client_paced=True,
    )
    services.action_plan(
        partner=partner,
        by=world.alice,
        text="Plan a weekend",
        window_start=today - days(1),
        window_end=today + days(5),
    )
    response = login(world.alice).get(reverse("worklist"))
    groups = {
        status: [r["action"].text for r in rows]
        for status, rows in response.context["groups"].items()
    }
    assert groups["overdue"] == ["Talk about rent"]
    assert groups["waiting_on_client"] == ["Ask about chores"]
    assert groups["due"] == ["Plan a weekend"]
    assert login(world.bob).get(reverse("worklist")).context["groups"]["overdue"] == []


def test_the_worklist_query_count_does_not_grow(world, diane, login, django_assert_max_num_queries):
    partner = services.partner_set(person=diane, by=world.alice, involvement="informed")
    for n in range(30):
        services.action_plan(
            partner=partner, by=world.alice, text=f"a{n}", window_start=timezone.localdate()
        )
    alice = login(world.alice)
    alice.get(reverse("worklist"))
    # 10, one count of the practice's overdue inquiries (kithkin.inquiries), and one of the
    # clinician's lapsing relationships (kithkin.lapses).
    with django_assert_max_num_queries(12):
        alice.get(reverse("worklist"))


def test_the_people_page_edits_with_htmx_and_answers_with_the_card(world, diane, login):
    alice = login(world.alice)
    url = reverse("partner_set", args=[world.carol.pk, diane.pk])
    response = alice.post(
        url, {f"p{diane.pk}-involvement": "unaware"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert f'id="person-{diane.pk}"' in response.content.decode()
    assert "<html" not in response.content.decode()
    refused = alice.post(
        url, {f"p{diane.pk}-involvement": "informed"}, headers={"HX-Request": "true"}
    )
    assert refused.status_code == 422
    assert "Give a reason" in refused.content.decode()
    assert TherapyPartner.objects.get(person=diane).involvement == "unaware"


def test_a_person_of_another_client_is_not_found(world, login):
    stranger = Person.objects.create(
        practice=world.practice, client=world.dave, name="Dave's brother"
    )
    url = reverse("partner_set", args=[world.carol.pk, stranger.pk])
    assert (
        login(world.alice).post(url, {f"p{stranger.pk}-involvement": "informed"}).status_code == 404
    )
    assert not TherapyPartner.objects.filter(person=stranger).exists()


def test_the_people_page_query_count_does_not_grow(world, login, django_assert_max_num_queries):
    for n in range(15):
        person = services.person_add(
            client=world.carol, by=world.alice, name=f"P{n}", kinds=["friendship", "online"]
        )
        partner = services.partner_set(person=person, by=world.alice, involvement="informed")
        services.action_plan(
            partner=partner, by=world.alice, text="x", window_start=timezone.localdate()
        )
    alice = login(world.alice)
    alice.get(reverse("people", args=[world.carol.pk]))
    with django_assert_max_num_queries(15):
        alice.get(reverse("people", args=[world.carol.pk]))


def test_the_model_and_the_disclosure_guard_speak_of_the_same_involvements():
    from kithkin.core.disclosure import Involvement

    assert set(TherapyPartner.Involvement.values) == {i.value for i in Involvement}


def test_an_unaware_partner_never_reaches_another_clients_portal(world, diane, login):
    # Today the only page that reaches another person is a client's portal; later outbound
    # paths (letters, packets, FHIR, messages) call kithkin.core.disclosure.guard.
    services.partner_set(person=diane, by=world.alice, involvement="unaware")
    dave = login(world.dave_login)
    dave.post(reverse("portal_map_new"))
    pages = ["portal", "portal_access_log", "portal_maps"]
    home_map = world.dave.sphere_maps.get()
    pages += [reverse("portal_map_step", args=[home_map.pk, step]) for step in range(1, 6)]
    for page in pages:
        response = dave.get(page if page.startswith("/") else reverse(page))
        assert response.status_code == 200
        assert "Diane" not in response.content.decode()


def test_people_reach_each_audience_only_through_the_guard(world, diane, django_assert_num_queries):
    from kithkin.core.disclosure import Audience
    from kithkin.partners.selectors import people_for

    services.partner_set(person=diane, by=world.alice, involvement="unaware")
    mother = services.person_add(client=world.carol, by=world.alice, name="Mother")
    services.partner_set(person=mother, by=world.alice, involvement="joint_sessions")
    neighbour = services.person_add(client=world.carol, by=world.alice, name="Neighbour")

    def names(audience):
        return [p.name for p in people_for(world.carol, audience)]

    # The client named them all: their own portal and the therapist's pages show everyone.
    assert names(Audience.OWN_PORTAL_OF_CLIENT) == ["Diane", "Mother", "Neighbour"]
    assert names(Audience.INTERNAL) == ["Diane", "Mother", "Neighbour"]
    # Outside, only partners known to be safe to name: not unaware Diane, not the neighbour
    # nobody has decided about.
    for audience in set(Audience) - {Audience.OWN_PORTAL_OF_CLIENT, Audience.INTERNAL}:
        assert names(audience) == ["Mother"], audience
    assert neighbour.pk not in {p.pk for p in people_for(world.carol, "a new audience")}
    with django_assert_num_queries(1):
        people_for(world.carol, Audience.LETTER)


def test_the_portal_exercise_lists_the_clients_people_through_the_guard(world, login):
    from unittest import mock

    from kithkin.partners import selectors

    carol = login(world.carol_login)
    carol.post(reverse("portal_map_new"))
    home_map = world.carol.sphere_maps.get(made_by="client")
    with mock.patch(
        "kithkin.spheres.portal_views.people_for", wraps=selectors.people_for
    ) as through_the_guard:
        response = carol.get(reverse("portal_map_step", args=[home_map.pk, 2]))
    assert "Diane" in response.content.decode()
    assert through_the_guard.call_args.args[1] == "own_portal_of_client"
