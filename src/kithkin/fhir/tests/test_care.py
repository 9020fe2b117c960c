import datetime

import pytest
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.episodeofcare import EpisodeOfCare

from kithkin.fhir.resources import (
    care_plan,
    care_plan_status,
    encounter,
    episode_of_care,
    goal,
)
from kithkin.fhir.tests.conftest import UTC, roundtrip, z
from kithkin.plans import services as plans
from kithkin.relationships import services as episodes
from kithkin.relationships.models import EpisodeTransition
from kithkin.schedule.models import Session, SessionAttendee


def test_an_episode_in_formulation_is_active_with_its_history(world):
    relationship = world.carol.therapy_relationships.get()
    episode = episodes.episode_open(
        relationship=relationship, by=world.alice, on=datetime.date(2026, 1, 5)
    )
    episode = episodes.episode_transition(episode=episode, by=world.alice, to="assessment")
    episode = episodes.episode_transition(episode=episode, by=world.alice, to="formulation")
    transitions = list(EpisodeTransition.objects.filter(episode=episode).order_by("at", "pk"))
    resource = episode_of_care(episode, transitions=transitions)
    assert isinstance(resource, EpisodeOfCare)
    data = roundtrip(resource)
    opened, assessed = transitions[0].at, transitions[1].at
    assert data == {
        "resourceType": "EpisodeOfCare",
        "id": str(episode.pk),
        "meta": {"lastUpdated": z(episode.updated_at)},
        "status": "active",
        "statusHistory": [
            {
                "status": "planned",
                "period": {"start": z(opened), "end": z(assessed)},
            },
            # Assessment and formulation are both "active": one entry, still open.
            {"status": "active", "period": {"start": z(assessed)}},
        ],
        "type": [
            {
                "coding": [
                    {
                        "system": "https://kithkin.example/fhir/CodeSystem/episode-phase",
                        "code": "formulation",
                        "display": episode.get_phase_display(),
                    }
                ]
            }
        ],
        "patient": {"reference": f"Patient/{world.carol.pk}"},
        "careManager": {"reference": f"Practitioner/{world.alice.pk}"},
        "period": {"start": "2026-01-05"},
    }


def _session(world, status="attended", modality="video", kind="joint"):
    return Session.objects.create(
        practice=world.practice,
        client=world.carol,
        therapist=world.alice,
        starts_at=datetime.datetime(2026, 3, 2, 15, 0, tzinfo=UTC),
        duration_minutes=50,
        status=status,
        modality=modality,
        kind=kind,
    )


def test_a_joint_video_session_is_an_encounter_with_the_mother_as_participant(partners):
    session = _session(partners)
    mother = SessionAttendee.objects.create(
        practice=partners.practice, session=session, person=partners.maria, attendance="attended"
    )
    resource = encounter(session, attendees=[mother])
    assert isinstance(resource, Encounter)
    assert resource.class_fhir.code == "VR"
    assert roundtrip(resource) == {
        "resourceType": "Encounter",
        "id": str(session.pk),
        "meta": {"lastUpdated": z(session.updated_at)},
        "extension": [
            {
                "url": "https://kithkin.example/fhir/StructureDefinition/session-status",
                "valueCode": "attended",
            }
        ],
        "status": "finished",
        "class": {
            "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
            "code": "VR",
            "display": "virtual",
        },
        "type": [
            {
                "coding": [
                    {
                        "system": "https://kithkin.example/fhir/CodeSystem/session-kind",
                        "code": "joint",
                        "display": "Joint",
                    }
                ]
            }
        ],
        "subject": {"reference": f"Patient/{partners.carol.pk}"},
        "participant": [
            {
                "type": [
                    {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                "code": "PPRF",
                                "display": "primary performer",
                            }
                        ]
                    }
                ],
                "individual": {"reference": f"Practitioner/{partners.alice.pk}"},
            },
            {
                "type": [
                    {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                "code": "PART",
                                "display": "Participation",
                            }
                        ]
                    }
                ],
                "individual": {"reference": f"RelatedPerson/{partners.maria.pk}"},
            },
        ],
        "period": {"start": "2026-03-02T15:00:00Z", "end": "2026-03-02T15:50:00Z"},
        "length": {
            "value": 50,
            "unit": "min",
            "system": "http://unitsofmeasure.org",
            "code": "min",
        },
    }


@pytest.mark.parametrize(
    ("status", "fhir"),
    [
        ("scheduled", "planned"),
        ("attended", "finished"),
        ("cancelled", "cancelled"),
        ("late_cancelled", "cancelled"),
        ("no_show", "cancelled"),
    ],
)
def test_each_session_status_becomes_an_encounter_status_and_keeps_its_own(world, status, fhir):
    data = roundtrip(encounter(_session(world, status=status, kind="individual")))
    assert data["status"] == fhir
    assert data["extension"][0]["valueCode"] == status


@pytest.mark.parametrize(("modality", "code"), [("in_person", "AMB"), ("phone", "VR")])
def test_each_modality_becomes_an_encounter_class(world, modality, code):
    assert encounter(_session(world, modality=modality, kind="individual")).class_fhir.code == code


def test_an_absent_attendee_is_not_a_participant_and_the_episode_is_referenced(partners):
    session = _session(partners)
    absent = SessionAttendee.objects.create(
        practice=partners.practice, session=session, person=partners.maria, attendance="absent"
    )
    relationship = partners.carol.therapy_relationships.get()
    episode = episodes.episode_open(relationship=relationship, by=partners.alice)
    data = roundtrip(encounter(session, attendees=[absent], episode=episode))
    assert len(data["participant"]) == 1
    assert data["episodeOfCare"] == [{"reference": f"EpisodeOfCare/{episode.pk}"}]


@pytest.fixture
def signed_plan(world):
    plan = plans.plan_start(client=world.carol, by=world.alice, starts_on=datetime.date(2026, 3, 2))
    version = plan.versions.get()
    version.concerns = "Feeling alone at home"
    version.save()
    added = plans.goal_add(
        version=version,
        by=world.alice,
        goal=plans.GoalInput(
            description="Talk to her mother",
            criterion="A joint session",
            target_date=datetime.date(2026, 6, 1),
            lifecycle="active",
            achievement="improving",
        ),
    )
    plans.version_sign(version=version, by=world.alice)
    version.refresh_from_db()
    return version, added


def test_a_goal_has_lifecycle_achievement_description_and_due_date(world, signed_plan):
    _, added = signed_plan
    assert roundtrip(goal(added, client_id=world.carol.pk)) == {
        "resourceType": "Goal",
        "id": str(added.pk),
        "meta": {"lastUpdated": z(added.updated_at)},
        "lifecycleStatus": "active",
        "achievementStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/goal-achievement",
                    "code": "improving",
                    "display": "Improving",
                }
            ]
        },
        "description": {"text": "Talk to her mother"},
        "subject": {"reference": f"Patient/{world.carol.pk}"},
        "target": [{"dueDate": "2026-06-01", "detailString": "A joint session"}],
    }


def test_the_signed_plan_is_an_active_mental_health_care_plan_with_its_goals(world, signed_plan):
    version, added = signed_plan
    status = care_plan_status(version, latest_signed_id=version.pk, episode_closed=False)
    resource = care_plan(version, goals=[added], status=status)
    assert isinstance(resource, CarePlan)
    assert roundtrip(resource) == {
        "resourceType": "CarePlan",
        "id": str(version.pk),
        "status": "active",
        "intent": "plan",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://snomed.info/sct",
                        "code": "718347000",
                        "display": "Mental health care plan",
                    }
                ]
            }
        ],
        "title": "Treatment plan, version 1",
        "subject": {"reference": f"Patient/{world.carol.pk}"},
        "period": {"start": version.starts_on.isoformat()},
        "created": z(version.created_at),
        "author": {"reference": f"Practitioner/{world.alice.pk}"},
        "goal": [{"reference": f"Goal/{added.pk}"}],
        "note": [{"text": "Concerns: Feeling alone at home"}],
    }


def test_plan_versions_are_draft_active_completed_or_revoked(world, signed_plan):
    version, _ = signed_plan
    draft = plans.plan_revise(plan=version.plan, by=world.alice)
    assert care_plan_status(draft, latest_signed_id=version.pk, episode_closed=False) == "draft"
    assert care_plan_status(version, latest_signed_id=version.pk, episode_closed=True) == (
        "completed"
    )
    assert care_plan_status(version, latest_signed_id=version.pk + 1, episode_closed=False) == (
        "revoked"
    )
    data = roundtrip(care_plan(draft, status="draft", previous_id=version.pk))
    assert data["replaces"] == [{"reference": f"CarePlan/{version.pk}"}]
