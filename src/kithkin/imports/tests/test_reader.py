"""Reading a previous provider's Bundle: what is taken, and every way a file is refused, each
with a message that names the entry and says what is wrong."""

import base64
import json

import pytest

from kithkin.imports.reader import MAX_BYTES, ImportRefused, read_bundle
from kithkin.imports.tests.conftest import (
    GOAL_FRIENDS,
    PATIENT,
    bundle,
    changed,
    resource,
    text,
)


def refused(bundle_text: str) -> list[str]:
    with pytest.raises(ImportRefused) as caught:
        read_bundle(bundle_text)
    return caught.value.problems


def test_it_reads_the_client_plan_goals_scores_summary_and_provider(good):
    received = read_bundle(good)
    assert received.patient.given_name == "Nina"
    assert received.patient.family_name == "Park"
    assert received.patient.preferred_name == "Nin"
    assert str(received.patient.date_of_birth) == "1994-05-17"
    assert received.patient.email == "nina@example.org"
    assert received.provider == "Riverside Counselling"
    assert received.summary.startswith("Nina worked on sleep")
    [plan] = received.plans
    assert plan.title == "Sleep and friendships"
    assert plan.activities == ("Sleep diary, completed", "Saw two friends in March")
    assert plan.notes == ("Prefers morning sessions",)
    assert plan.goal_keys == tuple(g.key for g in received.goals)
    assert [(g.description, g.lifecycle, g.achievement) for g in received.goals] == [
        ("Sleep six hours most nights", "completed", "Achieved"),
        ("See a friend every week", "active", ""),
    ]
    assert [(s.instrument, s.total, str(s.measured_on)) for s in received.scores] == [
        ("phq9", 17, "2025-09-01"),
        ("phq9", 8, "2026-02-20"),
        ("gad7", 12, "2025-09-01"),
        ("gad7", 5, "2026-02-20"),
    ]
    assert received.counts == "1 plan, 2 goals, 4 scores, a summary"


def test_what_it_does_not_take_is_listed_not_dropped_silently(good):
    assert read_bundle(good).not_imported == (
        "1 Observation (Blood pressure): not a PHQ-9 or GAD-7 total (not imported)",
        "1 Encounter (not imported)",
    )


def test_without_an_organization_the_practitioner_names_the_provider():
    def drop_organization(data):
        del data["entry"][0]
        resource(data, "DocumentReference")["author"] = []

    assert read_bundle(changed(drop_organization)).provider == "Ngozi Okafor"


def test_a_composition_is_the_summary_with_its_sections():
    def add_letter(data):
        data["entry"].append(
            {
                "fullUrl": "urn:uuid:letter",
                "resource": {
                    "resourceType": "Composition",
                    "status": "final",
                    "type": {"text": "Discharge summary"},
                    "subject": {"reference": PATIENT},
                    "date": "2026-03-01",
                    "author": [{"reference": "urn:uuid:6f1c0c1e-0000-4000-8000-000000000002"}],
                    "title": "Ending letter",
                    "section": [
                        {
                            "title": "Progress",
                            "text": {
                                "status": "generated",
                                "div": '<div xmlns="http://www.w3.org/1999/xhtml"><p>Sleeps '
                                "<b>well</b> now.</p></div>",
                            },
                        }
                    ],
                },
            }
        )

    summary = read_bundle(changed(add_letter)).summary
    assert summary.startswith("Ending letter\n\nProgress\nSleeps well now.")
    assert "Nina worked on sleep" in summary  # the DocumentReference is kept too


def test_without_a_letter_the_plans_description_is_the_summary():
    def drop_letter(data):
        data["entry"] = [
            e for e in data["entry"] if e["resource"]["resourceType"] != "DocumentReference"
        ]

    summary = read_bundle(changed(drop_letter)).summary
    assert summary == "Twelve sessions of CBT-I and behavioural activation."


def test_a_score_without_a_total_is_not_imported_but_does_not_refuse():
    def incomplete(data):
        score = resource(data, "Observation")
        del score["valueInteger"]
        score["dataAbsentReason"] = {"text": "Incomplete"}

    received = read_bundle(changed(incomplete))
    assert len(received.scores) == 3
    assert "entry[6] (Observation/score-1): a PHQ-9 without a total (not imported)." in (
        received.not_imported
    )


# --- Refusals ---------------------------------------------------------------------------------


def test_it_refuses_text_that_is_not_json():
    assert refused('{"resourceType": "Bundle",') == [
        "The file is not valid JSON (line 1, column 27)."
    ]


def test_it_refuses_a_resource_that_is_not_a_bundle():
    assert refused(json.dumps({"resourceType": "Patient"})) == [
        "The file must be a FHIR Bundle; it is a Patient resource."
    ]
    assert refused("[1, 2]") == ["The file must be a FHIR Bundle; it is not a FHIR resource."]


def test_it_refuses_a_bundle_of_a_type_that_is_not_a_record():
    problems = refused(changed(lambda d: d.update(type="history")))
    assert problems == [
        "A Bundle of type 'history' is not a record to import; the import takes a "
        "collection, document, searchset or transaction Bundle."
    ]


def test_it_refuses_a_bundle_without_a_patient():
    def drop_patient(data):
        data["entry"] = [e for e in data["entry"] if e["resource"]["resourceType"] != "Patient"]

    problems = refused(changed(drop_patient))
    assert "The Bundle holds no Patient: there is no client to import." in problems


def test_it_refuses_a_bundle_with_two_patients():
    def second_patient(data):
        data["entry"].append({"resource": {"resourceType": "Patient", "id": "other"}})

    problems = refused(changed(second_patient))
    assert problems == [
        "The Bundle holds 2 Patients (entry[2] (Patient/nina), entry[13] (Patient/other)); the "
        "import takes the record of one client at a time."
    ]


def test_it_refuses_a_broken_reference_naming_both_ends():
    def break_goal(data):
        resource(data, "CarePlan")["goal"][1] = {"reference": "Goal/gone"}

    problems = refused(changed(break_goal))
    assert problems == [
        "entry[3] (CarePlan): broken reference goal[1] -> Goal/gone: the Bundle does not hold "
        "that resource."
    ]


def test_it_refuses_an_absolute_reference_to_another_server():
    def outside(data):
        resource(data, "Observation")["subject"] = {"reference": "https://else.example/Patient/9"}

    [problem] = refused(changed(outside))
    assert problem.startswith("entry[6] (Observation/score-1): broken reference subject ->")


def test_it_refuses_a_subject_that_is_not_the_bundles_patient():
    def about_someone_else(data):
        resource(data, "Goal", 1)["subject"] = {"reference": "Practitioner/x"}
        resource(data, "Practitioner")["id"] = "x"

    assert refused(changed(about_someone_else)) == [
        "entry[5] (Goal): its subject Practitioner/x is not the Bundle's Patient (Patient/nina)."
    ]


def test_it_refuses_schema_errors_with_where_they_are_but_never_the_value():
    def bad(data):
        resource(data, "Patient")["birthDate"] = "17/05/1994"
        resource(data, "Goal")["description"] = {"text": 42}

    problems = refused(changed(bad))
    assert problems == [
        "entry[2] (Patient/nina) is not a valid Patient: birthDate: Date value string does not "
        "match spec regex.",
        "entry[4] (Goal) is not a valid Goal: description.text: Input should be a valid string.",
    ]
    assert not any("17/05/1994" in p for p in problems)


def test_it_refuses_an_unknown_resource_type():
    def unknown(data):
        data["entry"].append({"resource": {"resourceType": "Spaceship"}})

    assert refused(changed(unknown)) == ["entry[13]: 'Spaceship' is not a FHIR R4 resource type."]


def test_it_refuses_a_goal_without_a_description():
    def vague(data):
        resource(data, "Goal")["description"] = {"coding": [{"system": "http://x.example"}]}

    assert refused(changed(vague)) == ["entry[4] (Goal): a Goal without a description."]


def test_it_refuses_a_score_outside_the_instruments_range():
    def too_high(data):
        resource(data, "Observation")["valueInteger"] = 30

    assert refused(changed(too_high)) == [
        "entry[6] (Observation/score-1): a PHQ-9 total lies between 0 and 27."
    ]


def test_it_refuses_a_score_without_a_day():
    def undated(data):
        del resource(data, "Observation", 2)["effectiveDateTime"]

    assert refused(changed(undated)) == [
        "entry[8] (Observation/score-3): a GAD-7 total needs the day it was measured "
        "(effectiveDateTime)."
    ]


def test_it_refuses_a_summary_that_is_not_utf8():
    def latin1(data):
        attachment = resource(data, "DocumentReference")["content"][0]["attachment"]
        attachment["data"] = base64.b64encode("Zoë".encode("latin-1")).decode()

    assert refused(changed(latin1)) == [
        "entry[11] (DocumentReference): its text/plain attachment is not UTF-8."
    ]


def test_it_collects_every_problem_rather_than_stopping_at_the_first():
    def many(data):
        resource(data, "CarePlan")["goal"][0] = {"reference": "Goal/gone"}
        resource(data, "Observation")["valueInteger"] = 99
        data["entry"].append({"resource": {"resourceType": "Patient", "id": "twin"}})

    assert len(refused(changed(many))) == 3


def test_an_invalid_goal_is_reported_once_not_also_as_a_broken_reference():
    def bad_goal(data):
        resource(data, "Goal", 1)["target"] = [{"dueDate": "soon"}]

    problems = refused(changed(bad_goal))
    assert len(problems) == 1 and problems[0].startswith("entry[5] (Goal) is not a valid Goal")


def test_it_refuses_a_file_over_the_size_cap():
    data = bundle()
    resource(data, "CarePlan")["description"] = "x" * MAX_BYTES
    assert refused(text(data)) == [
        "The file is 5.0 MB; the import takes at most 5 MB. Ask for the record without "
        "attachments or images."
    ]


def test_references_resolve_by_type_and_id_as_well_as_by_full_url():
    def by_id(data):
        resource(data, "Goal", 1)["id"] = "friends"
        plan = resource(data, "CarePlan")
        plan["goal"][1] = {"reference": "Goal/friends"}
        assert GOAL_FRIENDS not in json.dumps(plan)

    received = read_bundle(changed(by_id))
    assert received.plans[0].goal_keys == ("entry[4]", "Goal/friends")


def test_a_contained_resource_resolves_within_its_resource():
    def contained(data):
        goal = resource(data, "Goal")
        goal["contained"] = [{"resourceType": "Practitioner", "id": "p1"}]
        goal["expressedBy"] = {"reference": "#p1"}

    assert read_bundle(changed(contained)).goals


def test_it_refuses_json_nested_beyond_reason_without_crashing():
    assert refused("[" * 100_000 + "]" * 100_000) == [
        "The file is nested too deeply to be a FHIR record."
    ]
