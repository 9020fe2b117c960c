import datetime

from fhir.resources.R4B.careteam import CareTeam
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.relatedperson import RelatedPerson

from kithkin.clients.models import Person
from kithkin.fhir import codes
from kithkin.fhir.resources import (
    care_team,
    patient,
    practitioner,
    practitioner_role,
    related_person,
)
from kithkin.fhir.tests.conftest import roundtrip, z
from kithkin.partners.models import TherapyPartner


def test_carol_is_a_patient_with_her_name_birth_date_contact_and_kithkin_identifier(world):
    carol = world.carol
    carol.preferred_name = "Caz"
    carol.date_of_birth = datetime.date(1994, 5, 17)
    carol.phone = "555 0100"
    carol.save()
    resource = patient(carol)
    assert isinstance(resource, Patient)
    data = roundtrip(resource)
    assert data == {
        "resourceType": "Patient",
        "id": str(carol.pk),
        "meta": {"lastUpdated": z(carol.updated_at)},
        "identifier": [
            {"system": "https://kithkin.example/fhir/sid/client", "value": str(carol.pk)}
        ],
        "active": True,
        "name": [
            {"use": "official", "family": "Quill", "given": ["Carol"]},
            {"use": "usual", "family": "Quill", "given": ["Caz"]},
        ],
        "telecom": [
            {"system": "email", "value": "carol@example.org"},
            {"system": "phone", "value": "555 0100"},
        ],
        "birthDate": "1994-05-17",
    }


def test_a_client_without_contact_details_has_no_empty_elements(world):
    world.dave.email = ""
    data = roundtrip(patient(world.dave))
    assert "telecom" not in data and "birthDate" not in data and "address" not in data


def test_alice_is_a_practitioner_and_holds_a_therapist_role(world):
    assert roundtrip(practitioner(world.alice)) == {
        "resourceType": "Practitioner",
        "id": str(world.alice.pk),
        "identifier": [
            {"system": "https://kithkin.example/fhir/sid/therapist", "value": str(world.alice.pk)}
        ],
        "active": True,
        "name": [
            {"use": "official", "family": "Example", "given": ["Alice"], "text": "Alice Example"}
        ],
    }
    assert roundtrip(practitioner_role(world.alice)) == {
        "resourceType": "PractitionerRole",
        "id": str(world.alice.pk),
        "active": True,
        "practitioner": {"reference": f"Practitioner/{world.alice.pk}", "display": "Alice Example"},
        "code": [{"text": "Therapist"}],
    }


def test_a_mother_in_joint_sessions_is_a_related_person_coded_mth_with_mode_and_ring(partners):
    maria = partners.maria
    data = roundtrip(related_person(maria, ring=1))
    assert data == {
        "resourceType": "RelatedPerson",
        "id": str(maria.pk),
        "extension": [
            {
                "url": "https://kithkin.example/fhir/StructureDefinition/partner-involvement",
                "valueCode": "joint_sessions",
            },
            {
                "url": "https://kithkin.example/fhir/StructureDefinition/sphere-ring",
                "valueInteger": 1,
            },
        ],
        "identifier": [
            {"system": "https://kithkin.example/fhir/sid/person", "value": str(maria.pk)}
        ],
        "active": True,
        "patient": {"reference": f"Patient/{partners.carol.pk}"},
        "relationship": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
                        "code": "MTH",
                        "display": "mother",
                    }
                ],
                "text": "mother",
            }
        ],
        "name": [{"text": "Maria Quill"}],
    }
    assert "meta" not in data


def test_the_unaware_roommate_is_marked_very_restricted(partners):
    data = roundtrip(related_person(partners.diane))
    assert data["meta"] == {
        "security": [
            {
                "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
                "code": "V",
                "display": "very restricted",
            }
        ]
    }
    assert data["relationship"][0]["coding"][0]["code"] == "ROOM"
    assert data["extension"] == [{"url": codes.EXT_PARTNER_INVOLVEMENT, "valueCode": "unaware"}]


def test_a_person_who_is_not_a_partner_is_restricted_too_and_an_unknown_role_is_text(world):
    person = Person.objects.create(
        practice=world.practice, client=world.carol, name="The team", role="coworkers"
    )
    data = roundtrip(related_person(person))
    assert data["meta"]["security"][0]["code"] == "V"
    assert data["relationship"] == [{"text": "coworkers"}]
    assert "extension" not in data


def test_informed_and_indirect_partners_are_not_restricted(world):
    for involvement in ("informed", "indirect"):
        person = Person.objects.create(
            practice=world.practice, client=world.carol, name=involvement, role="employer"
        )
        TherapyPartner.objects.create(
            practice=world.practice, person=person, involvement=involvement
        )
        person = Person.objects.select_related("partner").get(pk=person.pk)
        assert "meta" not in roundtrip(related_person(person))


def test_the_care_team_is_the_therapist_and_the_partners_who_take_part(partners):
    resource = care_team(
        partners.carol, therapists=[partners.alice], people=[partners.diane, partners.maria]
    )
    assert isinstance(resource, CareTeam)
    assert roundtrip(resource) == {
        "resourceType": "CareTeam",
        "id": str(partners.carol.pk),
        "status": "active",
        "name": "Care team",
        "subject": {"reference": f"Patient/{partners.carol.pk}"},
        "participant": [
            {
                "role": [{"text": "Therapist"}],
                "member": {
                    "reference": f"Practitioner/{partners.alice.pk}",
                    "display": "Alice Example",
                },
            },
            {
                "role": [{"text": "mother"}],
                "member": {"reference": f"RelatedPerson/{partners.maria.pk}"},
            },
        ],
    }


def test_an_indirect_partner_helps_without_knowing_so_is_not_on_the_care_team(world):
    boss = Person.objects.create(
        practice=world.practice, client=world.carol, name="Boss", role="employer"
    )
    TherapyPartner.objects.create(practice=world.practice, person=boss, involvement="indirect")
    boss = Person.objects.select_related("partner").get(pk=boss.pk)
    data = roundtrip(care_team(world.carol, therapists=[world.alice], people=[boss]))
    assert [p["member"]["reference"] for p in data["participant"]] == [
        f"Practitioner/{world.alice.pk}"
    ]


def test_related_person_is_the_r4b_model(partners):
    assert isinstance(related_person(partners.maria), RelatedPerson)
