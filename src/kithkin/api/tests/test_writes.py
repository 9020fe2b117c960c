"""The REST API's writes, as the treating therapist makes them: each goes through the page's
service and leaves its audit event; a refusal answers 422 in the page's words and writes
nothing; nothing the body says can choose the practice, the therapist or the author."""

import datetime
import json
import uuid

import pytest
from django.utils import timezone

from kithkin.audit.models import AuditEvent
from kithkin.clients.models import Client, Person
from kithkin.partners.models import InvolvementChange, TherapyPartner
from kithkin.plans.models import CheckIn, Goal, PlanVersion
from kithkin.relationships.models import TherapyRelationship
from kithkin.schedule.models import Session
from kithkin.spheres.models import SphereEntry, SphereMap


def send(client, method, path, body, headers, **extra):
    return getattr(client, method)(
        path, data=json.dumps(body), content_type="application/json", **headers, **extra
    )


@pytest.fixture
def alice(world, bearer):
    return bearer(world.alice)


@pytest.fixture
def diane(world):
    return Person.objects.get(client=world.carol, name="Diane")


def carol_path(world, rest=""):
    return f"/api/clients/{world.carol.pk}{rest}"


# --- Clients --------------------------------------------------------------------------------


def test_a_new_client_joins_the_practice_and_the_caseload_of_the_tokens_therapist(
    world, client, alice
):
    response = send(
        client, "post", "/api/clients", {"given_name": "Zoe", "family_name": "Park"}, alice
    )
    assert response.status_code == 201, response.content
    body = response.json()
    made = Client.objects.get(pk=body["id"])
    assert (made.practice_id, body["therapist_ids"]) == (world.practice.pk, [world.alice.pk])
    # The access check is "client.create" on the practice; the service's, on the client.
    event = AuditEvent.objects.filter(action="client.create", resource_type="Client").get()
    assert (event.actor_id, event.client_id) == (world.alice.pk, made.pk)


@pytest.mark.parametrize(
    "extra",
    [{"practice_id": 2}, {"practice": 2}, {"therapist_ids": [3]}, {"portal_user_id": 5}],
    ids=["practice_id", "practice", "therapist_ids", "portal_user_id"],
)
def test_a_body_cannot_choose_the_practice_or_the_therapists(world, client, alice, extra):
    before = Client.objects.count(), TherapyRelationship.objects.count()
    body = {"given_name": "Zoe", "family_name": "Park", **extra}
    response = send(client, "post", "/api/clients", body, alice)
    assert response.status_code == 422
    assert (Client.objects.count(), TherapyRelationship.objects.count()) == before


def test_a_client_is_refused_as_the_page_refuses_and_nothing_is_written(world, client, alice):
    before = Client.objects.count()
    body = {"given_name": "Zoe", "family_name": "Park", "date_of_birth": "2999-01-01"}
    response = send(client, "post", "/api/clients", body, alice)
    assert response.status_code == 422
    assert response.json()["field"] == "date_of_birth"
    assert "future" in response.json()["detail"]
    assert Client.objects.count() == before
    assert not AuditEvent.objects.filter(action="client.create", resource_type="Client").exists()


def test_a_nul_character_is_refused_before_the_database(world, client, alice):
    body = {"given_name": "Zo\x00e", "family_name": "Park"}
    assert send(client, "post", "/api/clients", body, alice).status_code == 422


def test_a_patch_changes_the_fields_sent_and_keeps_the_rest(world, client, alice):
    response = send(client, "patch", carol_path(world), {"pronouns": "she/her"}, alice)
    assert response.status_code == 200, response.content
    world.carol.refresh_from_db()
    assert (world.carol.pronouns, world.carol.email) == ("she/her", "carol@example.org")
    assert AuditEvent.objects.filter(action="client.update", client_id=world.carol.pk).exists()
    change = AuditEvent.objects.filter(action="client.change").latest("seq")
    assert change.reason == "treating therapist [via api]"


def test_a_bad_phone_changes_nothing(world, client, alice):
    response = send(
        client, "patch", carol_path(world), {"phone": "call me", "pronouns": "x"}, alice
    )
    assert response.status_code == 422 and response.json()["field"] == "phone"
    world.carol.refresh_from_db()
    assert (world.carol.phone, world.carol.pronouns) == ("", "")


def test_a_supervisor_reads_but_does_not_change_the_client(world, client, bearer):
    response = send(client, "patch", carol_path(world), {"pronouns": "x"}, bearer(world.sam))
    assert response.status_code == 403
    world.carol.refresh_from_db()
    assert world.carol.pronouns == ""


def test_a_clients_own_token_writes_nothing(world, client, bearer):
    headers = bearer(world.carol_login)
    response = send(client, "post", carol_path(world, "/people"), {"name": "Fern"}, headers)
    assert response.status_code == 403
    assert not Person.objects.filter(name="Fern").exists()


# --- People and partners --------------------------------------------------------------------


def test_a_person_is_added_with_their_kinds(world, client, alice):
    body = {"name": "Fern", "role": "aunt", "kinds": ["family"]}
    response = send(client, "post", carol_path(world, "/people"), body, alice)
    assert response.status_code == 201, response.content
    fern = Person.objects.get(pk=response.json()["id"])
    assert (fern.client_id, list(fern.kinds.values_list("kind", flat=True))) == (
        world.carol.pk,
        ["family"],
    )


@pytest.mark.parametrize("body", [{"name": "   "}, {"name": "Fern", "kinds": ["pet"]}])
def test_a_refused_person_writes_nothing(world, client, alice, body):
    before = Person.objects.count()
    response = send(client, "post", carol_path(world, "/people"), body, alice)
    assert response.status_code == 422 and isinstance(response.json()["detail"], str)
    assert Person.objects.count() == before


def test_an_unaware_partner_stays_visible_to_the_treating_therapist(world, client, alice, diane):
    path = carol_path(world, f"/people/{diane.pk}/partner")
    response = send(client, "put", path, {"involvement": "unaware"}, alice)
    assert response.status_code == 200, response.content
    assert response.json()["partner"]["involvement"] == "unaware"
    people = client.get(carol_path(world, "/people"), **alice).json()["items"]
    assert [p["partner"]["involvement"] for p in people if p["id"] == diane.pk] == ["unaware"]


def test_lifting_unaware_needs_a_reason(world, client, alice, diane):
    path = carol_path(world, f"/people/{diane.pk}/partner")
    send(client, "put", path, {"involvement": "unaware"}, alice)
    refused = send(client, "put", path, {"involvement": "informed"}, alice)
    assert refused.status_code == 422 and "reason" in refused.json()["detail"]
    assert TherapyPartner.objects.get(person=diane).involvement == "unaware"
    body = {"involvement": "informed", "reason": "Carol told her, and wants her to know."}
    assert send(client, "put", path, body, alice).status_code == 200
    change = InvolvementChange.objects.latest("pk")
    assert (change.from_involvement, change.to_involvement) == ("unaware", "informed")


def test_an_unaware_partner_cannot_know_they_are_discussed(world, client, alice, diane):
    path = carol_path(world, f"/people/{diane.pk}/partner")
    body = {"involvement": "unaware", "knows_discussed": True}
    assert send(client, "put", path, body, alice).status_code == 422
    assert not TherapyPartner.objects.filter(person=diane).exists()


def test_another_clients_person_is_not_found(world, client, alice):
    daves = Person.objects.create(practice=world.practice, client=world.dave, name="Gus")
    path = carol_path(world, f"/people/{daves.pk}/partner")
    assert send(client, "put", path, {"involvement": "informed"}, alice).status_code == 404
    assert not TherapyPartner.objects.filter(person=daves).exists()


# --- Sessions -------------------------------------------------------------------------------


def book(client, world, headers, key=None, **fields):
    body = {"starts_at": "2027-03-01T10:00:00+00:00", **fields}
    return send(
        client,
        "post",
        carol_path(world, "/sessions"),
        body,
        headers,
        HTTP_IDEMPOTENCY_KEY=key or str(uuid.uuid4()),
    )


def test_a_session_is_booked_once_per_idempotency_key(world, client, alice):
    first = book(client, world, alice, key="same-key-twice")
    again = book(client, world, alice, key="same-key-twice")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Session.objects.filter(client=world.carol).count() == 1
    session = Session.objects.get()
    assert (session.therapist_id, session.practice_id) == (world.alice.pk, world.practice.pk)


def test_a_session_needs_a_time_with_its_offset(world, client, alice):
    response = book(client, world, alice, starts_at="2027-03-01T10:00:00")
    assert response.status_code == 422
    assert not Session.objects.exists()


def test_an_unaware_partner_cannot_attend_and_nothing_is_booked(world, client, alice, diane):
    TherapyPartner.objects.create(practice=world.practice, person=diane, involvement="unaware")
    response = book(client, world, alice, kind="joint", attendee_ids=[diane.pk])
    assert response.status_code == 422
    assert response.json()["field"] == "attendees" and "unaware" in response.json()["detail"]
    assert not Session.objects.exists()


def test_someone_from_another_practice_cannot_attend(world, client, alice):
    elsewhere = Person.objects.create(practice=world.elsewhere, client=world.eve, name="Ivo")
    response = book(client, world, alice, kind="joint", attendee_ids=[elsewhere.pk])
    assert response.status_code == 422
    assert not Session.objects.exists()


@pytest.fixture
def past_session(world):
    from kithkin.schedule.services import session_schedule

    session, _ = session_schedule(
        client=world.carol,
        by=world.alice,
        starts_at=timezone.now() - datetime.timedelta(days=1),
        idempotency_key="past-session-key",
    )
    return session


def test_a_session_is_changed_and_its_outcome_recorded(world, client, alice, past_session):
    path = carol_path(world, f"/sessions/{past_session.pk}")
    changed = send(client, "patch", path, {"duration_minutes": 45}, alice)
    assert changed.status_code == 200 and changed.json()["duration_minutes"] == 45
    recorded = send(client, "post", path + "/status", {"status": "attended"}, alice)
    assert recorded.status_code == 200, recorded.content
    past_session.refresh_from_db()
    assert (past_session.status, past_session.duration_minutes) == ("attended", 45)
    assert AuditEvent.objects.filter(action="session.status", resource_id=str(past_session.pk))


def test_an_outcome_over_a_status_not_seen_is_refused(world, client, alice, past_session):
    path = carol_path(world, f"/sessions/{past_session.pk}/status")
    body = {"status": "no_show", "expected_status": "attended"}
    assert send(client, "post", path, body, alice).status_code == 422
    past_session.refresh_from_db()
    assert past_session.status == "scheduled"


def test_a_future_session_cannot_be_attended(world, client, alice):
    booked = book(client, world, alice).json()
    path = carol_path(world, f"/sessions/{booked['id']}/status")
    response = send(client, "post", path, {"status": "attended"}, alice)
    assert response.status_code == 422 and response.json()["field"] == "status"
    assert Session.objects.get().status == "scheduled"


def test_only_the_sessions_own_therapist_changes_it(world, client, bearer, past_session):
    from kithkin.accounts.models import User

    zed = User.objects.create_user(username="zed", role="therapist", practice=world.practice)
    TherapyRelationship.objects.create(
        practice=world.practice,
        client=world.carol,
        therapist=zed,
        started_on=world.carol.created_at,
    )
    path = carol_path(world, f"/sessions/{past_session.pk}")
    response = send(client, "patch", path, {"duration_minutes": 30}, bearer(zed))
    assert response.status_code == 403
    past_session.refresh_from_db()
    assert past_session.duration_minutes == 50


def test_one_session_is_read_in_a_fixed_number_of_queries(
    world, client, alice, past_session, django_assert_max_num_queries
):
    for n in range(5):
        person = Person.objects.create(practice=world.practice, client=world.carol, name=f"P{n}")
        past_session.attendees.create(practice=world.practice, person=person)
    with django_assert_max_num_queries(12):
        response = client.get(carol_path(world, f"/sessions/{past_session.pk}"), **alice)
    assert len(response.json()["attendees"]) == 5


# --- Plans and check-ins -------------------------------------------------------------------


def test_a_plan_is_written_signed_and_checked_in_on(world, client, alice):
    started = send(client, "post", carol_path(world, "/plans"), {"starts_on": "2026-01-05"}, alice)
    assert started.status_code == 201, started.content
    version = started.json()
    assert (version["number"], version["signed_at"]) == (1, None)
    base = carol_path(world, f"/plan-versions/{version['id']}")
    assert send(client, "patch", base, {"concerns": "Sleep"}, alice).status_code == 200
    goal = send(
        client,
        "post",
        base + "/goals",
        {"description": "Sleep through", "criterion": "Five nights", "target_date": "2027-01-01"},
        alice,
    )
    assert goal.status_code == 201, goal.content
    signed = send(client, "post", base + "/sign", {}, alice)
    assert signed.status_code == 200 and signed.json()["signed_by_id"] == world.alice.pk
    # Signed is locked: the page offers a revision instead.
    locked = send(client, "patch", base, {"concerns": "Something else"}, alice)
    assert locked.status_code == 422 and "revision" in locked.json()["detail"]
    assert PlanVersion.objects.get(pk=version["id"]).concerns == "Sleep"
    today = str(timezone.localdate())
    progress = [{"goal_id": goal.json()["id"], "achievement": "improving"}]
    checked = send(
        client,
        "post",
        carol_path(world, "/check-ins"),
        {"held_on": today, "progress": progress},
        alice,
    )
    assert checked.status_code == 201, checked.content
    assert CheckIn.objects.get().by_id == world.alice.pk
    revision = send(client, "post", carol_path(world, "/plan-versions"), {}, alice)
    assert revision.status_code == 201 and revision.json()["number"] == 2


def test_a_draft_without_goals_is_not_signed(world, client, alice):
    started = send(client, "post", carol_path(world, "/plans"), {"starts_on": "2026-01-05"}, alice)
    path = carol_path(world, f"/plan-versions/{started.json()['id']}/sign")
    assert send(client, "post", path, {}, alice).status_code == 422
    assert PlanVersion.objects.get().signed_at is None


def test_a_goal_before_the_plan_starts_is_refused(world, client, alice):
    started = send(client, "post", carol_path(world, "/plans"), {"starts_on": "2026-01-05"}, alice)
    body = {"description": "x", "criterion": "y", "target_date": "2025-01-01"}
    path = carol_path(world, f"/plan-versions/{started.json()['id']}/goals")
    response = send(client, "post", path, body, alice)
    assert response.status_code == 422 and response.json()["field"] == "target_date"
    assert not Goal.objects.exists()


def test_a_check_in_must_name_every_goal_under_review(world, client, alice):
    started = send(client, "post", carol_path(world, "/plans"), {"starts_on": "2026-01-05"}, alice)
    base = carol_path(world, f"/plan-versions/{started.json()['id']}")
    for words in ("one", "two"):
        body = {"description": words, "criterion": "c", "target_date": "2027-01-01"}
        send(client, "post", base + "/goals", body, alice)
    send(client, "post", base + "/sign", {}, alice)
    first = Goal.objects.order_by("number").first()
    body = {
        "held_on": str(timezone.localdate()),
        "progress": [{"goal_id": first.pk, "achievement": "improving"}],
    }
    assert send(client, "post", carol_path(world, "/check-ins"), body, alice).status_code == 422
    assert not CheckIn.objects.exists()


def test_a_goal_of_another_clients_plan_is_not_found(world, client, alice, bearer):
    from kithkin.plans import services as plans

    plan = plans.plan_start(client=world.dave, by=world.bob, starts_on=datetime.date(2026, 1, 5))
    daves = plan.versions.get()
    mine = send(client, "post", carol_path(world, "/plans"), {"starts_on": "2026-01-05"}, alice)
    assert mine.status_code == 201
    path = carol_path(world, f"/plan-versions/{daves.pk}")
    assert send(client, "patch", path, {"concerns": "mine now"}, alice).status_code == 404
    daves.refresh_from_db()
    assert daves.concerns == ""


# --- Sphere maps ----------------------------------------------------------------------------


def test_a_map_is_made_and_a_person_placed_on_it(world, client, alice, diane):
    made = send(client, "post", carol_path(world, "/maps"), {}, alice)
    assert made.status_code == 201, made.content
    the_map = SphereMap.objects.get(pk=made.json()["id"])
    assert (the_map.author_id, the_map.made_by) == (world.alice.pk, "therapist")
    path = carol_path(world, f"/maps/{the_map.pk}/entries/{diane.pk}")
    body = {"ring": 2, "types": ["friendship"], "ratings": {"trust_reliability": 2}}
    placed = send(client, "put", path, body, alice)
    assert placed.status_code == 200, placed.content
    assert [e["ring"] for e in placed.json()["entries"]] == [2]


@pytest.mark.parametrize(
    "body", [{"ring": 9}, {"ring": 2, "types": ["pet"]}, {"ring": 2, "ratings": {"trust": 7}}]
)
def test_a_refused_entry_writes_nothing(world, client, alice, diane, body):
    made = send(client, "post", carol_path(world, "/maps"), {}, alice).json()
    path = carol_path(world, f"/maps/{made['id']}/entries/{diane.pk}")
    assert send(client, "put", path, body, alice).status_code == 422
    assert not SphereEntry.objects.exists()


def test_the_clients_own_map_is_theirs(world, client, alice, diane):
    home = SphereMap.objects.create(
        practice=world.practice,
        client=world.carol,
        made_by="client",
        author=world.carol_login,
        taken_at=timezone.now(),
        status="final",
        finished_at=timezone.now(),
    )
    path = carol_path(world, f"/maps/{home.pk}/entries/{diane.pk}")
    assert send(client, "put", path, {"ring": 1}, alice).status_code == 403
    assert not SphereEntry.objects.exists()
