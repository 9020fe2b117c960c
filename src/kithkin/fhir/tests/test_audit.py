from fhir.resources.R4B.auditevent import AuditEvent as FhirAuditEvent

from kithkin.audit.models import AuditEvent
from kithkin.audit.services import audit_record
from kithkin.fhir import selectors
from kithkin.fhir.resources import audit_event
from kithkin.fhir.tests.conftest import roundtrip, z
from kithkin.measures import services
from kithkin.measures.tests.conftest import PHQ9_MODERATE, key


def test_a_submitted_response_is_an_audit_event_with_actor_action_and_client(world):
    services.response_submit(
        client=world.carol,
        instrument_code="phq9",
        answers=PHQ9_MODERATE,
        by=world.carol_login,
        via="portal",
        idempotency_key=key(),
        ip="10.0.0.7",
    )
    event = AuditEvent.objects.get(action="measures.response.submit")
    resource = audit_event(event)
    assert isinstance(resource, FhirAuditEvent)
    data = roundtrip(resource)
    assert data == {
        "resourceType": "AuditEvent",
        "id": str(event.pk),
        "type": {
            "system": "https://kithkin.example/fhir/CodeSystem/audit-action",
            "code": "measures.response.submit",
        },
        "action": "C",
        "recorded": z(event.occurred_at),
        "outcome": "0",
        **({"outcomeDesc": event.reason} if event.reason else {}),
        "agent": [
            {
                "type": {"text": "client"},
                # A client is named, not referenced as a Practitioner.
                "name": "carol",
                "requestor": True,
                "network": {"address": "10.0.0.7", "type": "2"},
            }
        ],
        "source": {"observer": {"display": "Kithkin"}},
        "entity": [
            {
                "what": {"reference": f"Patient/{world.carol.pk}"},
                "type": {"code": event.resource_type},
                "name": f"{event.resource_type} {event.resource_id}",
            }
        ],
    }
    assert "hash" not in resource.model_dump_json()


def test_a_denied_read_by_a_therapist_is_a_minor_failure_referencing_the_practitioner(world):
    audit_record(
        practice_id=world.practice.pk,
        actor=world.bob,
        action="client.view",
        resource_type="client",
        resource_id=str(world.carol.pk),
        client_id=world.carol.pk,
        allowed=False,
        reason="not on caseload",
    )
    [resource] = selectors.audit_events_for_client(world.carol)
    data = roundtrip(resource)
    assert (data["action"], data["outcome"], data["outcomeDesc"]) == ("R", "4", "not on caseload")
    assert data["agent"][0]["who"] == {"reference": f"Practitioner/{world.bob.pk}"}
