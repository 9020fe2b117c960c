"""What leaves the practice: the unaware roommate and the psychotherapy note never do."""

import ast
import datetime
import pathlib

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.observation import Observation

from kithkin.core.disclosure import PLACEHOLDER, Audience
from kithkin.fhir import selectors
from kithkin.fhir.release import as_json, bundle_for_release, is_very_restricted, outgoing
from kithkin.fhir.resources import encounter, related_person
from kithkin.fhir.tests.conftest import UTC, models, roundtrip
from kithkin.measures import services as measures
from kithkin.measures.tests.conftest import PHQ9_MODERATE, key
from kithkin.schedule.models import Session


def test_the_inside_view_has_everyone_and_every_resource_validates(carols_record):
    found = models(selectors.resources_for_client(carols_record.carol))
    for resource in found:
        roundtrip(resource)
    kinds = sorted({r.get_resource_type() for r in found})
    assert kinds == [
        "CarePlan",
        "CareTeam",
        "Encounter",
        "Observation",
        "Patient",
        "Practitioner",
        "PractitionerRole",
        "QuestionnaireResponse",
        "RelatedPerson",
    ]
    people = {r.id: r for r in found if r.get_resource_type() == "RelatedPerson"}
    diane = people[str(carols_record.diane.pk)]
    assert is_very_restricted(as_json(diane))
    assert [(e.url.rsplit("/", 1)[-1], e.valueCode or e.valueInteger) for e in diane.extension] == [
        ("partner-involvement", "unaware"),
        ("sphere-ring", 3),
    ]


def test_the_unaware_roommate_and_every_reference_to_her_are_absent_from_the_bundle(
    carols_record,
):
    bundle = bundle_for_release(selectors.resources_for_client(carols_record.carol))
    assert isinstance(bundle, Bundle)
    text = bundle.model_dump_json()
    Bundle.model_validate_json(text)
    diane = carols_record.diane
    assert f"RelatedPerson/{diane.pk}" not in text
    assert "Diane" not in text
    # The role identifies her as surely as the name (core.disclosure.redact).
    assert "roommate" not in text.lower()
    assert PLACEHOLDER in text
    people = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "RelatedPerson"]
    assert [p.id for p in people] == [str(carols_record.maria.pk)]
    [session] = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "Encounter"]
    assert [p.individual.reference for p in session.participant] == [
        f"Practitioner/{carols_record.alice.pk}",
        f"RelatedPerson/{carols_record.maria.pk}",
    ]
    assert not any(is_very_restricted(as_json(e.resource)) for e in bundle.entry)


def test_an_unknown_audience_is_treated_as_outbound(carols_record):
    kept = outgoing(selectors.resources_for_client(carols_record.carol), audience="somewhere")
    assert f"RelatedPerson/{carols_record.diane.pk}" not in str([r.model_dump() for r in kept])


def test_the_practices_own_view_keeps_her_with_her_label(carols_record):
    found = selectors.resources_for_client(carols_record.carol)
    kept = outgoing(found, audience=Audience.INTERNAL)
    assert len(kept) == len(found)
    assert any(is_very_restricted(as_json(r)) for r in kept)


def test_any_resource_labelled_very_restricted_is_dropped_whatever_its_type(carols_record):
    [score] = [
        r
        for r in selectors.resources_for_client(carols_record.carol)
        if r["resourceType"] == "Observation"
    ]
    data = {**score, "meta": related_person(carols_record.diane).meta.model_dump(mode="json")}
    assert outgoing([Observation.model_validate(data)]) == []


def test_the_psychotherapy_note_is_in_no_bundle(carols_record):
    for audience in (Audience.FHIR_EXPORT, Audience.INTERNAL):
        found = selectors.resources_for_client(carols_record.carol)
        text = bundle_for_release(found, audience=audience).model_dump_json()
        assert "Transference" not in text and "idealises" not in text


def test_no_module_of_the_facade_knows_the_psychotherapy_note():
    """HIPAA 164.508(a)(2): psychotherapy notes have no FHIR mapping at all, so nothing in the
    facade may import the notes app or name the model."""
    package = pathlib.Path(__file__).resolve().parents[1]
    sources = [p for p in package.rglob("*.py") if "tests" not in p.parts]
    assert len(sources) >= 10
    for path in sources:
        text = path.read_text()
        assert "PsychotherapyNote" not in text and "psychotherapy_note" not in text, path
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("kithkin.notes"), path
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("kithkin.notes") for a in node.names), path


def test_a_bundle_with_a_base_gives_each_entry_its_full_url(carols_record):
    bundle = bundle_for_release(
        selectors.resources_for_client(carols_record.carol), base="https://x.example/fhir/R4/"
    )
    first = bundle.entry[0]
    assert first.fullUrl == f"https://x.example/fhir/R4/Patient/{carols_record.carol.pk}"


def test_an_empty_bundle_is_still_valid():
    assert roundtrip(bundle_for_release([])) == {"resourceType": "Bundle", "type": "collection"}


def test_the_client_view_takes_the_same_queries_however_much_there_is(
    carols_record, django_assert_max_num_queries
):
    # 16: her authorizations and her referrals are one query each.
    with django_assert_max_num_queries(16):
        selectors.resources_for_client(carols_record.carol)
    for n in range(20):
        Session.objects.create(
            practice=carols_record.practice,
            client=carols_record.carol,
            therapist=carols_record.alice,
            starts_at=datetime.datetime(2026, 4, 1 + n, 15, 0, tzinfo=UTC),
        )
        measures.response_submit(
            client=carols_record.carol,
            instrument_code="phq9",
            answers=PHQ9_MODERATE,
            by=carols_record.carol_login,
            via="portal",
            idempotency_key=key(),
        )
    with django_assert_max_num_queries(16):
        assert len(selectors.resources_for_client(carols_record.carol)) > 60


def test_a_reference_to_a_person_the_guard_was_not_shown_is_removed_too(carols_record):
    session = carols_record.session
    alone = encounter(session, attendees=list(session.attendees.all()))
    [released] = outgoing([alone])
    assert [p.individual.reference for p in released.participant] == [
        f"Practitioner/{carols_record.alice.pk}"
    ]


def test_a_resource_that_cannot_stand_without_the_withheld_person_stays_home(carols_record):
    diane = related_person(carols_record.diane)
    # A CarePlan's subject is required; one pointing at the roommate cannot be sent at all.
    odd = CarePlan.model_validate(
        {
            "status": "active",
            "intent": "plan",
            "id": "1",
            "subject": {"reference": f"RelatedPerson/{diane.id}"},
        }
    )
    assert outgoing([diane, odd]) == []


def test_a_resource_the_guard_leaves_alone_is_released_as_the_model_that_was_built(
    carols_record,
):
    found = models(selectors.resources_for_client(carols_record.carol))
    kept = {(r.get_resource_type(), r.id): r for r in outgoing(found)}
    scores = [r for r in found if r.get_resource_type() == "Observation"]
    assert scores and all(kept["Observation", r.id] is r for r in scores)  # no second model
    # The joint session lost Diane: a new model, validated from what was left.
    [session] = [
        r
        for r in found
        if r.get_resource_type() == "Encounter" and r.id == str(carols_record.session.pk)
    ]
    assert kept["Encounter", session.id] is not session
    assert len(kept["Encounter", session.id].participant) == len(session.participant) - 1
