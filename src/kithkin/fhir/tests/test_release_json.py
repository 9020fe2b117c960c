"""The guard's JSON path (``release.released_dicts``): what $everything and $export send is,
byte for byte, what the model path wrote, with each resource validated once as it was built and
again only when the guard changed it. The unaware roommate and the psychotherapy note stay home
on this path as on the other."""

import json

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient

from kithkin.core.disclosure import PLACEHOLDER, Audience, could_name
from kithkin.fhir import release, selectors
from kithkin.fhir.release import (
    as_json,
    bundle_for_release,
    outgoing,
    released_dicts,
    released_json,
    to_json,
)
from kithkin.fhir.resources import encounter, related_person
from kithkin.fhir.tests.conftest import NOTE, models

FHIR_JSON = "application/fhir+json"


def _model_path(resources, **kwargs) -> list[str]:
    """What the guard answered before the JSON path: every released resource validated again
    from its dump, then written by pydantic."""
    return [
        type(m).model_validate(m.model_dump(mode="json")).model_dump_json()
        for m in outgoing(resources, **kwargs)
    ]


def test_carols_released_json_is_byte_for_byte_what_the_model_path_wrote(carols_record):
    found = selectors.resources_for_client(carols_record.carol)
    texts = [to_json(data) for data in released_dicts(found)]
    assert texts == _model_path(found)
    released = {(d["resourceType"], d["id"]): d for d in map(json.loads, texts)}
    # Among them the two the guard changed: the plan whose text named her (redacted) and the
    # joint session she sat in on (her attendance removed).
    [plan] = [d for (kind, _), d in released.items() if kind == "CarePlan"]
    assert PLACEHOLDER in json.dumps(plan) and "Diane" not in json.dumps(plan)
    session = released["Encounter", str(carols_record.session.pk)]
    assert [p["individual"]["reference"] for p in session["participant"]] == [
        f"Practitioner/{carols_record.alice.pk}",
        f"RelatedPerson/{carols_record.maria.pk}",
    ]


def test_skipping_the_scrub_where_the_text_names_no_one_changes_nothing(record, monkeypatch):
    found = selectors.resources_for_client(record.carol)
    quick = released_json(found)
    monkeypatch.setattr(release, "_may_need_scrub", lambda *args: True)
    assert released_json(found) == quick
    # And the quick test did skip some: Carol's scores name no one.
    monkeypatch.undo()
    skipped = [d for d in found if not release._may_need_scrub(d.text, set(), could_name([]))]
    assert any(d["resourceType"] == "Observation" for d in skipped)


def test_the_practices_own_view_is_the_same_json_too(carols_record):
    found = selectors.resources_for_client(carols_record.carol)
    texts = [to_json(d) for d in released_dicts(found, audience=Audience.INTERNAL)]
    assert texts == [r.model_dump_json() for r in models(found)]
    assert any(f"RelatedPerson/{carols_record.diane.pk}" in t for t in texts)


@pytest.mark.parametrize(
    "text",
    [
        "Zoë Łukasiewicz-Ångström, 日本語",
        'quotes " and \\ backslashes / slashes',
        "controls\t\n\r\x01\x1f and\u2028separators\u2029",
        "emoji 🙂 and a lone é",
    ],
)
def test_odd_text_is_written_as_pydantic_writes_it(text):
    patient = Patient.model_validate(
        {
            "id": "7",
            "name": [{"text": text}],
            "birthDate": "1990-02-03",
            "extension": [{"url": "https://x.example/decimal", "valueDecimal": 1.50}],
        }
    )
    assert to_json(as_json(patient)) == patient.model_dump_json()
    assert as_json(patient) == patient.model_dump(mode="json")


def test_only_what_the_guard_changed_is_validated_again(carols_record, validations):
    found = selectors.resources_for_client(carols_record.carol)
    before = {(d["resourceType"], d["id"]): d for d in found}
    validations.clear()  # the builders' own validation, once per resource
    released = released_dicts(found)
    changed = sorted(d["resourceType"] for d in released if d != before[d["resourceType"], d["id"]])
    assert "Encounter" in changed and "CarePlan" in changed
    assert sorted(validations) == changed
    assert len(validations) < len(released) - 5  # most stand as they were built


def test_a_record_with_no_one_withheld_is_not_validated_again(carols_record, validations):
    found = selectors.resources_for_client(carols_record.carol)
    validations.clear()
    released_dicts(found, audience=Audience.INTERNAL)
    no_diane = [
        d for d in found if d["resourceType"] in ("Patient", "Observation", "QuestionnaireResponse")
    ]
    released_dicts(no_diane)
    assert validations == []


def test_a_resource_that_cannot_stand_without_her_stays_home_on_the_json_path(carols_record):
    diane = related_person(carols_record.diane)
    odd = CarePlan.model_validate(
        {
            "status": "active",
            "intent": "plan",
            "id": "1",
            "subject": {"reference": f"RelatedPerson/{diane.id}"},
        }
    )
    assert released_dicts([diane, odd]) == []


def test_a_reference_to_a_person_the_guard_was_not_shown_is_removed_on_the_json_path(
    carols_record,
):
    session = carols_record.session
    alone = encounter(session, attendees=list(session.attendees.all()))
    [released] = released_dicts([alone])
    assert [p["individual"]["reference"] for p in released["participant"]] == [
        f"Practitioner/{carols_record.alice.pk}"
    ]
    assert to_json(released) == _model_path([alone])[0]


def test_a_very_restricted_resource_is_dropped_on_the_json_path(carols_record):
    [score] = [
        d
        for d in selectors.resources_for_client(carols_record.carol)
        if d["resourceType"] == "Observation"
    ]
    data = {**score, "meta": related_person(carols_record.diane).meta.model_dump(mode="json")}
    assert released_dicts([data]) == []
    assert released_dicts([Observation.model_validate(data)]) == []


# --- $everything ------------------------------------------------------------------------------


def test_everything_is_byte_for_byte_what_the_bundle_model_answered(record, fhir):
    response = fhir(f"Patient/{record.carol.pk}/$everything", "alice")
    assert response.status_code == 200
    assert response["Content-Type"] == FHIR_JSON
    # The view as it was: a collection Bundle model, dumped, made a searchset, validated again.
    bundle = bundle_for_release(
        selectors.resources_for_client(record.carol), base="http://testserver/fhir/R4/"
    )
    data = bundle.model_dump(mode="json")
    data["type"] = "searchset"
    data["total"] = len(data["entry"])
    for entry in data["entry"]:
        entry["search"] = {"mode": "match"}
    assert response.content.decode() == Bundle.model_validate(data).model_dump_json()


def test_every_entry_of_everything_validates_with_its_r4b_model(record, fhir):
    response = fhir(f"Patient/{record.carol.pk}/$everything", "alice")
    found = json.loads(response.content)
    Bundle.model_validate(found)
    assert found["type"] == "searchset" and found["total"] == len(found["entry"]) > 8
    for entry in found["entry"]:
        resource = entry["resource"]
        model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert model.model_dump(mode="json") == resource
        assert entry["search"] == {"mode": "match"}
    text = response.content.decode()
    assert f"RelatedPerson/{record.diane.pk}" not in text
    assert "Diane" not in text and "roommate" not in text.lower()
    assert NOTE not in text and "Transference" not in text


def test_a_list_entry_with_her_anywhere_inside_goes_whole_and_the_rest_stays(carols_record):
    diane, maria = related_person(carols_record.diane), related_person(carols_record.maria)

    def activity(person):
        performer = [{"reference": f"RelatedPerson/{person.id}"}]
        return {"detail": {"status": "scheduled", "performer": performer}}

    plan = CarePlan.model_validate(
        {
            "id": "2",
            "status": "active",
            "intent": "plan",
            "subject": {"reference": f"Patient/{carols_record.carol.pk}"},
            "activity": [activity(diane), activity(maria)],
        }
    )
    [kept_maria, kept_plan] = released_dicts([diane, maria, plan])
    assert kept_maria["id"] == maria.id
    # The activity whose performer is Diane goes whole (not an activity with no performer).
    assert kept_plan["activity"] == [activity(maria)]
    assert to_json(kept_plan) == _model_path([diane, maria, plan])[1]
