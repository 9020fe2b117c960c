"""The audit trail as AuditEvent."""

from fhir.resources.R4B.auditevent import AuditEvent

from kithkin.fhir import codes
from kithkin.fhir.resources._common import coding, instant, prune, ref
from kithkin.fhir.valid import builds

CLINICIAN_ROLES = frozenset({"therapist", "supervisor"})


@builds(AuditEvent)
def audit_event(event) -> dict:
    """One row of the trail. The hashes stay behind: they prove the chain inside the practice
    and mean nothing without the rest of it."""
    agent = prune(
        {
            "type": {"text": event.actor_role} if event.actor_role else None,
            # Clinicians are Practitioners; a client or an admin is named, not referenced.
            "who": ref("Practitioner", event.actor_id)
            if event.actor_id and event.actor_role in CLINICIAN_ROLES
            else None,
            "name": event.actor_username or None,
            "requestor": True,
            "network": {"address": event.ip, "type": "2"} if event.ip else None,
        }
    )
    if "who" not in agent and "name" not in agent:
        agent["name"] = "Kithkin"  # the system itself acted (a scheduled job)
    entity = prune(
        {
            "what": ref("Patient", event.client_id) if event.client_id else None,
            "type": {"code": event.resource_type} if event.resource_type else None,
            "name": f"{event.resource_type} {event.resource_id}".strip() or None,
        }
    )
    return prune(
        {
            "id": str(event.pk),
            "type": coding(codes.CS_AUDIT_ACTION, event.action),
            "action": codes.audit_action(event.action),
            "recorded": instant(event.occurred_at),
            "outcome": codes.AUDIT_OUTCOME[event.outcome],
            "outcomeDesc": event.reason or None,
            "purposeOfEvent": [{"text": "Emergency access"}] if event.emergency else None,
            "agent": [agent],
            "source": {"observer": {"display": "Kithkin"}},
            "entity": [entity] if entity else None,
        }
    )
