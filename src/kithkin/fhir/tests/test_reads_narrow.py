"""Reads by id load their own rows and the client's people, never the whole record (issue 7:
a read p95 <= 20 ms for a client with 300 sessions), and answer exactly as the whole record did.

Personas (STYLE.md): alice treats carol; Diane is carol's roommate, who must not know she is
discussed (unaware); Maria, her mother, comes to joint sessions.
"""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kithkin.audit.models import AuditEvent
from kithkin.clients.models import Person
from kithkin.core.disclosure import PLACEHOLDER
from kithkin.fhir import resources as build
from kithkin.fhir import search
from kithkin.fhir.release import outgoing
from kithkin.fhir.selectors import resources_for_client
from kithkin.fhir.tests.conftest import models
from kithkin.partners.models import TherapyPartner
from kithkin.plans import services as plans
from kithkin.relationships.models import Episode
from kithkin.schedule.models import Session

BASE = "/fhir/R4/"


def whole_record_read(client, resource_type: str, pk) -> dict | None:
    """What a read answered before it was narrowed: the resource picked from the client's whole
    record, released beside a RelatedPerson of every one of the client's people."""
    found = [
        r
        for r in models(resources_for_client(client))
        if r.get_resource_type() == resource_type and r.id == str(pk)
    ]
    wanted = {f"{resource_type}/{pk}"}
    people = Person.objects.filter(client=client).select_related("partner")
    context = [build.related_person(p) for p in people if f"RelatedPerson/{p.pk}" not in wanted]
    kept = [r for r in outgoing([*found, *context]) if f"{r.get_resource_type()}/{r.id}" in wanted]
    return kept[0].model_dump(mode="json") if kept else None


@pytest.fixture
def plan_history(record):
    """record, with a plan that has lived: version 1 (a goal naming Diane in its text) signed,
    checked in on and revised; version 2 signed (so version 1 is revoked); version 3 a draft."""
    world = record
    v1 = world.version
    world.diane_goal = plans.goal_add(
        version=v1,
        by=world.alice,
        goal=plans.GoalInput(
            description="Tell Diane about the move",
            criterion="Before the lease ends",
            target_date=datetime.date(2026, 7, 1),
        ),
    )
    plans.version_sign(version=v1, by=world.alice)
    progress = {
        goal.pk: plans.Progress(achievement="improving") for goal in plans.reviewed_goals(v1)
    }
    plans.check_in_record(
        plan=v1.plan, by=world.alice, held_on=timezone.localdate(), progress=progress, revise=True
    )
    v2 = v1.plan.versions.get(number=2)
    plans.version_sign(version=v2, by=world.alice)
    v3 = plans.plan_revise(plan=v1.plan, by=world.alice)
    world.versions = [v1, v2, v3]
    world.v3_goal = v3.goals.order_by("number").first()
    # A friend who knows and supports: kept by the guard, and named by nothing but herself.
    world.fran = Person.objects.create(
        practice=world.practice, client=world.carol, name="Fran", role="friend"
    )
    TherapyPartner.objects.create(
        practice=world.practice, person=world.fran, involvement="informed"
    )
    return world


def _reads(world) -> list[tuple[str, object]]:
    return [
        ("Encounter", world.session.pk),
        ("Observation", world.response.pk),
        ("QuestionnaireResponse", world.response.pk),
        ("RelatedPerson", world.maria.pk),
        ("RelatedPerson", world.fran.pk),
        ("EpisodeOfCare", world.episode.pk),
        ("Goal", world.goal.pk),
        ("Goal", world.diane_goal.pk),
        ("Goal", world.v3_goal.pk),
        *(("CarePlan", version.pk) for version in world.versions),
        ("CareTeam", world.carol.pk),
    ]


def _get(client, tokens, path, who="alice"):
    return client.get(BASE + path, HTTP_AUTHORIZATION=f"Bearer {tokens[who]}")


def test_each_read_answers_exactly_what_the_whole_record_answered(plan_history, client, tokens):
    world = plan_history
    for resource_type, pk in _reads(world):
        before = whole_record_read(world.carol, resource_type, pk)
        assert before is not None, (resource_type, pk)
        response = _get(client, tokens, f"{resource_type}/{pk}")
        assert response.status_code == 200, (resource_type, pk, response.content)
        assert response.json() == before, (resource_type, pk)


def test_the_plans_history_reads_as_revoked_active_and_draft(plan_history, client, tokens):
    v1, v2, v3 = plan_history.versions
    found = [_get(client, tokens, f"CarePlan/{v.pk}").json() for v in (v1, v2, v3)]
    assert [plan["status"] for plan in found] == ["revoked", "active", "draft"]
    assert [plan.get("replaces") for plan in found] == [
        None,
        [{"reference": f"CarePlan/{v1.pk}"}],
        [{"reference": f"CarePlan/{v2.pk}"}],
    ]
    assert len(found[0]["activity"]) == 1  # version 1's check-in, and only on version 1
    assert "activity" not in found[1] and "activity" not in found[2]


def test_the_unaware_roommate_is_still_redacted_where_nothing_refers_to_her(
    plan_history, client, tokens
):
    # A goal names no one by reference: Diane must still go to the guard for her name to go.
    goal = _get(client, tokens, f"Goal/{plan_history.diane_goal.pk}").json()
    assert goal["description"]["text"] == f"Tell {PLACEHOLDER} about the move"
    care_plan = _get(client, tokens, f"CarePlan/{plan_history.version.pk}").content.decode()
    assert "Diane" not in care_plan and PLACEHOLDER in care_plan


def test_the_unaware_roommate_and_another_clients_rows_are_not_found(plan_history, client, tokens):
    world = plan_history
    missing = _get(client, tokens, "RelatedPerson/987654321")
    there = _get(client, tokens, f"RelatedPerson/{world.diane.pk}")
    assert (there.status_code, there.content) == (404, missing.content)
    # Another client's rows are never read as carol's, even when asked for directly.
    daves = Person.objects.create(practice=world.practice, client=world.dave, name="Ed")
    daves_episode = Episode.objects.create(
        practice=world.practice,
        relationship=world.dave.therapy_relationships.get(),
        opened_on=datetime.date(2026, 3, 1),
        opened_by=world.bob,
    )
    assert search.read(world.carol, "RelatedPerson", daves.pk) is None
    assert search.read(world.carol, "EpisodeOfCare", daves_episode.pk) is None
    for resource_type in ("Goal", "CarePlan", "Encounter", "Observation"):
        assert search.read(world.carol, resource_type, 987654321) is None
    with pytest.raises(ValueError):
        search.read(world.carol, "Patient", world.carol.pk)


@pytest.mark.parametrize(
    "resource_type", ["RelatedPerson", "EpisodeOfCare", "Goal", "CarePlan", "Encounter"]
)
def test_each_read_writes_the_one_audit_event_of_a_read(
    plan_history, client, tokens, resource_type
):
    pk = dict(_reads(plan_history))[resource_type]
    _get(client, tokens, f"{resource_type}/{pk}")  # the token's last use is written once a minute
    seq = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    assert _get(client, tokens, f"{resource_type}/{pk}").status_code == 200
    [event] = AuditEvent.objects.filter(seq__gt=seq)
    assert (event.action, event.client_id, event.actor_id) == (
        "client.view",
        plan_history.carol.pk,
        plan_history.alice.pk,
    )
    assert event.outcome == AuditEvent.Outcome.ALLOWED
    assert event.reason == "treating therapist [via fhir]"


@pytest.mark.parametrize(
    ("resource_type", "untouched"),
    [
        ("RelatedPerson", ("schedule_session", "measures_response", "plans_")),
        ("EpisodeOfCare", ("schedule_session", "measures_response", "plans_", "spheres_")),
        ("Goal", ("schedule_session", "measures_response", "spheres_", "plans_checkin")),
        ("CarePlan", ("schedule_session", "measures_response", "spheres_")),
        ("Encounter", ("measures_response", "plans_", "spheres_")),
        ("Observation", ("schedule_session", "plans_", "spheres_")),
    ],
)
def test_a_read_loads_nothing_of_the_record_but_its_own_rows(
    plan_history, client, tokens, resource_type, untouched
):
    pk = dict(_reads(plan_history))[resource_type]
    _get(client, tokens, f"{resource_type}/{pk}")
    with CaptureQueriesContext(connection) as captured:
        assert _get(client, tokens, f"{resource_type}/{pk}").status_code == 200
    for query in captured:
        for table in untouched:
            assert f'"{table}' not in query["sql"], (resource_type, query["sql"])


def test_people_the_guard_keeps_go_along_only_where_they_are_named(plan_history, monkeypatch):
    """Building a RelatedPerson costs about as much as the read: a goal takes Diane (withheld,
    for her name) and not Maria or Fran (kept, and named nowhere in it)."""
    world = plan_history
    built = []
    real = build.related_person.data

    def counted(person, **kwargs):
        built.append(person.name)
        return real(person, **kwargs)

    monkeypatch.setattr(search.build.related_person, "data", counted)
    search.read(world.carol, "Goal", world.goal.pk)
    assert built == ["Diane"]
    built.clear()
    encounter = search.read(world.carol, "Encounter", world.session.pk)
    assert sorted(built) == ["Diane", "Maria Quill"]  # Maria sat in on the session
    assert f"RelatedPerson/{world.maria.pk}" in json.dumps(encounter)


@pytest.mark.parametrize(
    "resource_type", ["Encounter", "RelatedPerson", "EpisodeOfCare", "Goal", "CarePlan", "CareTeam"]
)
def test_a_read_asks_as_many_queries_with_one_session_as_with_three_hundred(
    plan_history, client, tokens, django_assert_num_queries, resource_type
):
    world = plan_history
    pk = dict(_reads(world))[resource_type]
    _get(client, tokens, f"{resource_type}/{pk}")  # the token's last use: not counted below
    with CaptureQueriesContext(connection) as one:
        assert _get(client, tokens, f"{resource_type}/{pk}").status_code == 200
    Session.objects.bulk_create(
        Session(
            practice=world.practice,
            client=world.carol,
            therapist=world.alice,
            starts_at=datetime.datetime(2026, 4, 1, 15, 0, tzinfo=datetime.UTC)
            + datetime.timedelta(days=day),
            status="attended",
        )
        for day in range(299)
    )
    with django_assert_num_queries(len(one)):
        assert _get(client, tokens, f"{resource_type}/{pk}").status_code == 200


@pytest.mark.parametrize(
    ("resource_type", "queries"),
    [
        # The client's people (one query, for the guard) and the read's own rows.
        ("Goal", 2),  # the goal
        ("EpisodeOfCare", 3),  # the episode with its relationship, its transitions
        ("RelatedPerson", 3),  # the latest finished sphere map, its entries (the ring)
        ("Encounter", 4),  # the session, its attendees, the episodes it may fall in
        ("Observation", 4),  # the response, its answers, the instruments on record
        ("CarePlan", 4),  # the version with its plan and neighbours, goals, check-ins
    ],
)
def test_each_read_by_id_asks_its_own_few_queries(
    plan_history, django_assert_num_queries, resource_type, queries
):
    pk = dict(_reads(plan_history))[resource_type]
    with django_assert_num_queries(queries):
        assert search.read(plan_history.carol, resource_type, pk) is not None
