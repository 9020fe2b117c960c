"""Referrals out as ServiceRequest and Task: the builders, and reads and searches through the
facade (audited like every read, and through the release guard)."""

import pytest
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from kithkin.audit.models import AuditEvent
from kithkin.clients.models import Person
from kithkin.core.disclosure import PLACEHOLDER
from kithkin.fhir.resources import service_request, task
from kithkin.fhir.tests.conftest import z
from kithkin.partners.models import TherapyPartner
from kithkin.referrals import services
from kithkin.referrals.models import Referral
from kithkin.referrals.tests.conftest import SUMMARY, external, for_okafor, internal


def test_a_drafted_external_referral_is_a_draft_order_for_a_named_provider(world):
    referral = Referral.objects.get(pk=external(world).pk)
    resource = service_request(referral)
    assert isinstance(resource, ServiceRequest)
    assert service_request.data(referral) == {
        "resourceType": "ServiceRequest",
        "id": str(referral.pk),
        "meta": {"lastUpdated": z(referral.updated_at)},
        "status": "draft",
        "intent": "order",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://snomed.info/sct",
                        "code": "3457005",
                        "display": "Patient referral",
                    }
                ]
            }
        ],
        "subject": {"reference": f"Patient/{world.carol.pk}"},
        "authoredOn": z(referral.created_at),
        "requester": {"reference": f"Practitioner/{world.alice.pk}"},
        "performer": [{"display": "Dr Ngozi Okafor, Riverside Counselling"}],
        "reasonCode": [
            {
                "coding": [
                    {
                        "system": "https://kithkin.example/fhir/CodeSystem/referral-reason",
                        "code": "specialty",
                        "display": "A specialty the client needs",
                    }
                ],
                "text": "A specialty the client needs",
            }
        ],
        "supportingInfo": [{"reference": f"Consent/{referral.authorization_id}"}],
        "note": [{"text": SUMMARY}],
    }


def test_the_task_follows_the_referral_through_its_statuses(world):
    referral = external(world)
    statuses = [(service_request.data(referral)["status"], task.data(referral)["status"])]
    referral = services.referral_send(referral=referral, by=world.alice)
    statuses.append((service_request.data(referral)["status"], task.data(referral)["status"]))
    referral = services.referral_acknowledge(referral=referral, by=world.alice)
    statuses.append((service_request.data(referral)["status"], task.data(referral)["status"]))
    referral = services.referral_decline(referral=referral, by=world.alice, reason="Moved away")
    statuses.append((service_request.data(referral)["status"], task.data(referral)["status"]))
    assert statuses == [
        ("draft", "draft"),
        ("active", "requested"),
        ("active", "accepted"),
        ("revoked", "rejected"),
    ]
    declined = task.data(Referral.objects.get(pk=referral.pk))
    assert isinstance(task(referral), Task)
    assert declined["statusReason"] == {"text": "Moved away"}
    assert declined["focus"] == {"reference": f"ServiceRequest/{referral.pk}"}
    assert declined["for"] == {"reference": f"Patient/{world.carol.pk}"}
    assert declined["owner"] == {"display": "Dr Ngozi Okafor, Riverside Counselling"}
    assert declined["executionPeriod"] == {
        "start": z(referral.sent_at),
        "end": z(referral.declined_at),
    }


def test_a_completed_transfer_names_the_new_therapist_as_performer_and_owner(world):
    referral = services.referral_send(referral=internal(world), by=world.alice)
    services.referral_acknowledge(referral=referral, by=world.bob, side="receiver")
    referral = services.referral_first_session(referral=referral, by=world.bob, side="receiver")
    request, the_task = service_request.data(referral), task.data(referral)
    assert request["status"] == "completed" and the_task["status"] == "completed"
    assert request["performer"] == [{"reference": f"Practitioner/{world.bob.pk}"}]
    assert the_task["owner"] == {"reference": f"Practitioner/{world.bob.pk}"}
    assert "statusReason" not in the_task


# --- Through the facade ---------------------------------------------------------------------


@pytest.mark.parametrize("resource_type", ["ServiceRequest", "Task"])
def test_alice_and_sam_read_a_referral_and_each_read_is_audited(world, fhir, resource_type):
    referral = external(world)
    for who in ("alice", "sam"):
        response = fhir(f"{resource_type}/{referral.pk}", who)
        assert response.status_code == 200, response.content
        assert response.json()["resourceType"] == resource_type
        assert response.json()["id"] == str(referral.pk)
    events = AuditEvent.objects.filter(action="client.view", reason__endswith="[via fhir]")
    assert {e.actor_id for e in events} == {world.alice.pk, world.sam.pk}
    missing = fhir(f"{resource_type}/987654321", "bob")
    for who in ("bob", "adam", "carol", "mallory"):
        there = fhir(f"{resource_type}/{referral.pk}", who)
        assert there.status_code == 404 and there.content == missing.content


@pytest.mark.parametrize("resource_type", ["ServiceRequest", "Task"])
def test_a_search_by_patient_gives_the_clients_referrals(world, fhir, resource_type):
    first, second = external(world), external(world)
    daves = for_okafor(world, client=world.dave)
    external(world, daves, client=world.dave, by=world.bob)  # dave's, not carol's
    found = fhir(resource_type, "alice", patient=world.carol.pk)
    assert found.status_code == 200
    bundle = found.json()
    assert bundle["total"] == 2
    assert [e["resource"]["id"] for e in bundle["entry"]] == [str(first.pk), str(second.pk)]
    assert fhir(resource_type, "bob", patient=world.carol.pk).status_code == 404


def test_the_unaware_roommate_is_redacted_from_the_summary_that_leaves(world, fhir):
    diane = Person.objects.get(client=world.carol, name="Diane")
    TherapyPartner.objects.create(practice=world.practice, person=diane, involvement="unaware")
    # Drafted (the send would refuse it): even a draft read through FHIR never names her.
    referral = external(world, handoff_summary="Rows with Diane about the rent.")
    text = fhir(f"ServiceRequest/{referral.pk}", "alice").content.decode()
    assert "Diane" not in text and PLACEHOLDER in text
