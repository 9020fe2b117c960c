"""A previous provider's Bundle for the import tests: Riverside Counselling's record of Nina
Park, who has just ended therapy there and begins with alice (seed 004)."""

import base64
import copy
import json

import pytest

PATIENT = "urn:uuid:6f1c0c1e-0000-4000-8000-000000000001"
ORGANIZATION = "urn:uuid:6f1c0c1e-0000-4000-8000-000000000002"
PRACTITIONER = "urn:uuid:6f1c0c1e-0000-4000-8000-000000000003"
PLAN = "urn:uuid:6f1c0c1e-0000-4000-8000-000000000004"
GOAL_SLEEP = "urn:uuid:6f1c0c1e-0000-4000-8000-000000000005"
GOAL_FRIENDS = "urn:uuid:6f1c0c1e-0000-4000-8000-000000000006"
SUMMARY = "urn:uuid:6f1c0c1e-0000-4000-8000-000000000007"

SUMMARY_TEXT = "Nina worked on sleep and on reaching out to friends. She ended as planned."


def _entry(full_url, resource):
    return {"fullUrl": full_url, "resource": resource}


def _score(n, code, display, value, day):
    return _entry(
        f"urn:uuid:6f1c0c1e-0000-4000-8000-0000000001{n:02d}",
        {
            "resourceType": "Observation",
            "id": f"score-{n}",
            "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": code}], "text": display},
            "subject": {"reference": PATIENT},
            "effectiveDateTime": f"{day}T10:00:00Z",
            **value,
        },
    )


def bundle() -> dict:
    """The good file: a collection with the client, her plan, two goals, four scores (PHQ-9 as
    valueInteger, GAD-7 as valueQuantity), a blood pressure (not imported), a discharge letter
    and a session (not imported)."""
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            _entry(ORGANIZATION, {"resourceType": "Organization", "name": "Riverside Counselling"}),
            _entry(
                PRACTITIONER,
                {
                    "resourceType": "Practitioner",
                    "name": [{"given": ["Ngozi"], "family": "Okafor"}],
                },
            ),
            _entry(
                PATIENT,
                {
                    "resourceType": "Patient",
                    "id": "nina",
                    "name": [
                        {"use": "official", "given": ["Nina"], "family": "Park"},
                        {"use": "usual", "given": ["Nin"], "family": "Park"},
                    ],
                    "telecom": [
                        {"system": "email", "value": "nina@example.org"},
                        {"system": "phone", "value": "+44 20 7946 0000"},
                    ],
                    "gender": "female",
                    "birthDate": "1994-05-17",
                },
            ),
            _entry(
                PLAN,
                {
                    "resourceType": "CarePlan",
                    "status": "completed",
                    "intent": "plan",
                    "title": "Sleep and friendships",
                    "description": "Twelve sessions of CBT-I and behavioural activation.",
                    "subject": {"reference": PATIENT},
                    "period": {"start": "2025-09-01", "end": "2026-03-01"},
                    "author": {"reference": PRACTITIONER},
                    "goal": [{"reference": GOAL_SLEEP}, {"reference": GOAL_FRIENDS}],
                    "activity": [
                        {"detail": {"status": "completed", "description": "Sleep diary"}},
                        {"progress": [{"text": "Saw two friends in March"}]},
                    ],
                    "note": [{"text": "Prefers morning sessions"}],
                },
            ),
            _entry(
                GOAL_SLEEP,
                {
                    "resourceType": "Goal",
                    "lifecycleStatus": "completed",
                    "achievementStatus": {"coding": [{"code": "achieved", "display": "Achieved"}]},
                    "description": {"text": "Sleep six hours most nights"},
                    "subject": {"reference": PATIENT},
                    "target": [{"dueDate": "2026-01-15"}],
                },
            ),
            _entry(
                GOAL_FRIENDS,
                {
                    "resourceType": "Goal",
                    "lifecycleStatus": "active",
                    "description": {"text": "See a friend every week"},
                    "subject": {"reference": "Patient/nina"},
                },
            ),
            _score(1, "44261-6", "PHQ-9 total", {"valueInteger": 17}, "2025-09-01"),
            _score(2, "44261-6", "PHQ-9 total", {"valueInteger": 8}, "2026-02-20"),
            _score(
                3,
                "70274-6",
                "GAD-7 total",
                {"valueQuantity": {"value": 12, "unit": "{score}"}},
                "2025-09-01",
            ),
            _score(4, "70274-6", "GAD-7 total", {"valueInteger": 5}, "2026-02-20"),
            _score(
                5,
                "85354-9",
                "Blood pressure",
                {"valueQuantity": {"value": 120, "unit": "mm[Hg]"}},
                "2026-02-20",
            ),
            _entry(
                SUMMARY,
                {
                    "resourceType": "DocumentReference",
                    "status": "current",
                    "subject": {"reference": PATIENT},
                    "author": [{"reference": ORGANIZATION}],
                    "content": [
                        {
                            "attachment": {
                                "contentType": "text/plain; charset=utf-8",
                                "data": base64.b64encode(SUMMARY_TEXT.encode()).decode(),
                            }
                        }
                    ],
                },
            ),
            _entry(
                "urn:uuid:6f1c0c1e-0000-4000-8000-000000000008",
                {
                    "resourceType": "Encounter",
                    "status": "finished",
                    "class": {"code": "AMB"},
                    "subject": {"reference": PATIENT},
                },
            ),
        ],
    }


def text(data: dict) -> str:
    return json.dumps(data)


def changed(change) -> str:
    """The good file with ``change`` applied to a copy of it, as text."""
    data = copy.deepcopy(bundle())
    change(data)
    return text(data)


def resource(data: dict, resource_type: str, n: int = 0) -> dict:
    return [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == resource_type][
        n
    ]


@pytest.fixture
def good():
    return text(bundle())
