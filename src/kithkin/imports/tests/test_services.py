"""Importing a client with their previous provider's history: all of it, or nothing."""

import datetime
import itertools
import json

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kithkin.audit.models import AuditEvent
from kithkin.clients.models import Client
from kithkin.imports import services
from kithkin.imports.models import PreviousGoal, PreviousPlan, PreviousRecord, PreviousScore
from kithkin.imports.reader import ImportRefused
from kithkin.imports.services import previous_record_import
from kithkin.imports.tests.conftest import bundle, changed, resource, text
from kithkin.measures.models import Alert, Response
from kithkin.plans.models import Goal, Plan
from kithkin.relationships.models import Episode


def footprint() -> dict:
    """Row counts of everything an import writes."""
    return {
        model.__name__: model.objects.count()
        for model in (
            Client,
            Episode,
            PreviousRecord,
            PreviousPlan,
            PreviousGoal,
            PreviousScore,
            AuditEvent,
        )
    }


def test_a_good_file_makes_a_client_on_the_importers_caseload_with_the_history(world, good):
    client = previous_record_import(by=world.alice, bundle_text=good, ip="10.0.0.7")
    assert (client.given_name, client.family_name, client.preferred_name) == ("Nina", "Park", "Nin")
    assert client.date_of_birth == datetime.date(1994, 5, 17)
    assert client.practice == world.practice
    assert list(client.therapy_relationships.values_list("therapist", flat=True)) == [
        world.alice.pk
    ]
    episode = Episode.objects.get(relationship__client=client)
    assert episode.phase == "reaching_out" and episode.is_open

    record = PreviousRecord.objects.get(client=client)
    assert record.provider_name == "Riverside Counselling"
    assert record.imported_by == world.alice
    assert record.summary.startswith("Nina worked on sleep")
    assert record.bundle_sha256 == read_sha(good)
    [plan] = record.plans.all()
    assert plan.title == "Sleep and friendships"
    assert plan.activities == ["Sleep diary, completed", "Saw two friends in March"]
    assert [g.description for g in plan.goals.order_by("number")] == [
        "Sleep six hours most nights",
        "See a friend every week",
    ]
    assert sorted(record.scores.values_list("instrument", "total")) == [
        ("gad7", 5),
        ("gad7", 12),
        ("phq9", 8),
        ("phq9", 17),
    ]
    assert len(record.not_imported) == 2


def read_sha(bundle_text: str) -> str:
    import hashlib

    return hashlib.sha256(bundle_text.encode()).hexdigest()


def test_it_writes_the_import_event_naming_the_provider_and_the_counts(world, good):
    client = previous_record_import(by=world.alice, bundle_text=good, ip="10.0.0.7")
    event = AuditEvent.objects.get(action="client.import")
    record = PreviousRecord.objects.get(client=client)
    assert (event.actor_id, event.client_id, event.resource_type, event.resource_id) == (
        world.alice.pk,
        client.pk,
        "PreviousRecord",
        str(record.pk),
    )
    assert event.reason.startswith(
        "from Riverside Counselling: 1 plan, 2 goals, 4 scores, a summary; 2 not imported"
    )
    assert event.ip == "10.0.0.7"
    # The client's creation and the episode's opening are on the record too, in order.
    actions = list(
        AuditEvent.objects.filter(client_id=client.pk)
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["client.create", "episode.open", "client.import"]
    # The clinical text stays out of the audit trail, which is stored in clear.
    assert "Sleep six hours" not in event.reason


def test_at_assessment_the_episode_has_moved_on_from_reaching_out(world, good):
    client = previous_record_import(by=world.alice, bundle_text=good, phase="assessment")
    episode = Episode.objects.get(relationship__client=client)
    assert episode.phase == "assessment"
    assert list(episode.transitions.order_by("at", "pk").values_list("to_phase", flat=True)) == [
        "reaching_out",
        "assessment",
    ]


def test_a_later_phase_is_refused(world, good):
    before = footprint()
    with pytest.raises(ImportRefused) as caught:
        previous_record_import(by=world.alice, bundle_text=good, phase="active")
    assert caught.value.problems == ["An imported client starts at reaching out or at assessment."]
    assert footprint() == before


def test_the_history_is_not_mixed_into_the_practices_own_plans_and_measures(world, good):
    previous_record_import(by=world.alice, bundle_text=good)
    assert Plan.objects.count() == Goal.objects.count() == 0
    assert Response.objects.count() == Alert.objects.count() == 0


def test_the_clinical_text_is_encrypted_at_rest(world, good):
    from django.db import connection

    client = previous_record_import(by=world.alice, bundle_text=good)
    record = PreviousRecord.objects.get(client=client)
    with connection.cursor() as cursor:
        cursor.execute("SELECT summary FROM imports_previousrecord WHERE id = %s", [record.pk])
        [stored] = cursor.fetchone()
        cursor.execute("SELECT description FROM imports_previousgoal")
        goals = [row[0] for row in cursor.fetchall()]
    assert "Nina" not in stored and stored.startswith("gAAAA")
    assert not any("Sleep" in g for g in goals)


BAD = {
    "invalid JSON": lambda: '{"resourceType": "Bundle"',
    "not a Bundle": lambda: json.dumps({"resourceType": "Patient", "id": "x"}),
    "no Patient": lambda: changed(
        lambda d: d.update(
            entry=[e for e in d["entry"] if e["resource"]["resourceType"] != "Patient"]
        )
    ),
    "two Patients": lambda: changed(
        lambda d: d["entry"].append({"resource": {"resourceType": "Patient", "id": "b"}})
    ),
    "broken reference": lambda: changed(
        lambda d: resource(d, "CarePlan")["goal"].append({"reference": "Goal/gone"})
    ),
    "schema error": lambda: changed(
        lambda d: resource(d, "Patient").update(birthDate="17 May 1994")
    ),
    "too big": lambda: changed(
        lambda d: resource(d, "CarePlan").update(description="x" * (5 * 1024 * 1024))
    ),
}
MESSAGES = {
    "invalid JSON": "The file is not valid JSON",
    "not a Bundle": "The file must be a FHIR Bundle; it is a Patient resource.",
    "no Patient": "The Bundle holds no Patient",
    "two Patients": "The Bundle holds 2 Patients",
    "broken reference": "broken reference goal[2] -> Goal/gone",
    "schema error": "is not a valid Patient: birthDate",
    "too big": "the import takes at most 5 MB",
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_each_bad_file_is_refused_with_its_reason_and_writes_nothing(world, case):
    before = footprint()
    with pytest.raises(ImportRefused) as caught:
        previous_record_import(by=world.alice, bundle_text=BAD[case]())
    assert any(MESSAGES[case] in problem for problem in caught.value.problems), (
        caught.value.problems
    )
    assert footprint() == before


def test_a_failure_after_the_client_was_created_leaves_nothing_behind(world, good, monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("the disk filled up")

    monkeypatch.setattr(services, "previous_history_store", fail)
    before = footprint()
    with pytest.raises(RuntimeError):
        previous_record_import(by=world.alice, bundle_text=good, phase="assessment")
    assert footprint() == before
    assert not Client.objects.filter(family_name="Park").exists()
    assert not AuditEvent.objects.filter(action__in=["client.create", "client.import"]).exists()


def test_the_same_file_twice_is_refused_the_second_time(world, good):
    first = previous_record_import(by=world.alice, bundle_text=good)
    before = footprint()
    with pytest.raises(ImportRefused) as caught:
        previous_record_import(by=world.alice, bundle_text=good)
    [problem] = caught.value.problems
    assert problem.startswith("This file was already imported on ")
    assert problem.endswith(f"for {first.display_name}: open their record instead.")
    assert footprint() == before


def test_a_client_on_the_caseload_with_the_same_name_and_birth_date_is_refused(world, good):
    world.carol.given_name, world.carol.family_name = "nina", "PARK"
    world.carol.date_of_birth = datetime.date(1994, 5, 17)
    world.carol.save()
    before = footprint()
    with pytest.raises(ImportRefused) as caught:
        previous_record_import(by=world.alice, bundle_text=good)
    assert caught.value.problems == [
        "nina PARK, born 17 May 1994, is already on your caseload. Nothing was imported, so the "
        "record is not split in two."
    ]
    assert footprint() == before


def test_a_namesake_treated_by_a_colleague_is_not_revealed(world, good):
    # bob does not treat carol: telling him she exists would disclose that she is in therapy.
    world.carol.given_name, world.carol.family_name = "Nina", "Park"
    world.carol.date_of_birth = datetime.date(1994, 5, 17)
    world.carol.save()
    client = previous_record_import(by=world.bob, bundle_text=good)
    assert client.pk != world.carol.pk


def test_kithkins_own_everything_for_a_demo_client_imports_as_a_referral(db):
    """Round trip: a client of the demo practice, as its $everything sends her, imported by a
    therapist of another practice, keeps her plan, goals and scores. (The demo has its own
    alice, so the personas stay out of this one.)"""
    from kithkin.accounts.models import User
    from kithkin.demo.builder import load_demo
    from kithkin.fhir.release import bundle_for_release
    from kithkin.fhir.selectors import resources_for_client
    from kithkin.practices.models import Practice

    load_demo(password="a demo passphrase")
    harbour = Practice.objects.create(name="Harbour", slug="harbour")
    tess = User.objects.create_user(username="tess", role="therapist", practice=harbour)
    alexis = Client.objects.get(given_name="Alexis", practice__slug="demo")
    sent = bundle_for_release(resources_for_client(alexis), base="https://demo.example/fhir/R4/")
    data = json.loads(sent.model_dump_json())
    expect_goals = sum(1 for e in data["entry"] if e["resource"]["resourceType"] == "Goal")
    expect_plans = sum(1 for e in data["entry"] if e["resource"]["resourceType"] == "CarePlan")
    expect_scores = sum(
        1
        for e in data["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and "valueInteger" in e["resource"]
        and e["resource"]["code"]["coding"][0]["code"] in ("44261-6", "70274-6")
    )
    assert expect_goals and expect_plans and expect_scores

    client = previous_record_import(by=tess, bundle_text=sent.model_dump_json())
    record = PreviousRecord.objects.get(client=client)
    assert (client.given_name, client.family_name) == ("Alexis", "Rowan")
    assert client.practice == harbour
    assert record.plans.count() == expect_plans
    assert record.goals.count() == expect_goals
    assert record.scores.count() == expect_scores
    assert "Alice Marlowe" in record.provider_name
    # Every goal of the demo plan belongs to the plan version that named it.
    assert not record.goals.filter(plan__isnull=True).exists()


# --- Whatever the references say: all or nothing ------------------------------------------------

TARGETS = [
    "urn:uuid:6f1c0c1e-0000-4000-8000-000000000001",  # the Patient
    "Patient/nina",
    "urn:uuid:6f1c0c1e-0000-4000-8000-000000000005",  # a Goal
    "urn:uuid:6f1c0c1e-0000-4000-8000-000000000003",  # the Practitioner
    "Goal/gone",
    "Patient/someone-else",
    "urn:uuid:nowhere",
    "https://elsewhere.example/fhir/Patient/nina",
    "#missing",
]
SLOTS = [
    ("CarePlan", 0, ("subject",)),
    ("CarePlan", 0, ("author",)),
    ("CarePlan", 0, ("goal", 0)),
    ("CarePlan", 0, ("goal", 1)),
    ("Goal", 0, ("subject",)),
    ("Goal", 1, ("subject",)),
    ("Observation", 0, ("subject",)),
    ("Observation", 3, ("subject",)),
    ("DocumentReference", 0, ("author", 0)),
]
_names = itertools.count()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    mutations=st.lists(
        st.tuples(st.sampled_from(SLOTS), st.sampled_from(TARGETS)), min_size=1, max_size=4
    )
)
def test_any_change_of_references_imports_completely_or_writes_nothing(world, mutations):
    data = bundle()
    # A fresh client each time, so an earlier example's import is not this one's duplicate.
    resource(data, "Patient")["name"][0]["family"] = f"Park{next(_names)}"
    for (resource_type, n, path), target in mutations:
        holder = resource(data, resource_type, n)
        for step in path[:-1]:
            holder = holder[step]
        holder[path[-1]] = {"reference": target}
    before = footprint()
    try:
        client = previous_record_import(by=world.alice, bundle_text=text(data))
    except ImportRefused as refused:
        event("refused")
        assert refused.problems
        assert footprint() == before
        return
    event("imported")
    record = PreviousRecord.objects.get(client=client)
    assert record.plans.count() == 1
    assert record.goals.count() == 2
    assert record.scores.count() == 4
    assert AuditEvent.objects.filter(action="client.import", client_id=client.pk).count() == 1
