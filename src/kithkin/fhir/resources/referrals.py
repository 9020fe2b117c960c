"""Referral out, as FHIR: the request itself as a ServiceRequest (category SNOMED CT 3457005,
"Patient referral"), and its progress as a Task that fulfils it (the workflow pattern of FHIR's
referral exchanges). Both take the referral's id; ``docs/guide/consent.md`` ("Referral out")
maps each field."""

from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from kithkin.core.referrals import REASON_LABELS, Reason
from kithkin.fhir import codes
from kithkin.fhir.resources._common import concept, instant, prune, ref
from kithkin.fhir.valid import builds

CS_REFERRAL_REASON = f"{codes.BASE}/CodeSystem/referral-reason"
TASK_CODE = "http://hl7.org/fhir/CodeSystem/task-code"
PATIENT_REFERRAL = concept(codes.SNOMED, "3457005", "Patient referral")

# The request: a draft until sent, active while it is answered, completed once the client has
# met the recipient, revoked when it was declined (it no longer asks for anything).
SERVICE_REQUEST_STATUS = {
    "drafted": "draft",
    "sent": "active",
    "acknowledged": "active",
    "first_session_held": "completed",
    "declined": "revoked",
}
# The work of answering it, in the Task's own states.
TASK_STATUS = {
    "drafted": "draft",
    "sent": "requested",
    "acknowledged": "accepted",
    "first_session_held": "completed",
    "declined": "rejected",
}


def _meta(referral) -> dict | None:
    return {"lastUpdated": instant(referral.updated_at)} if referral.updated_at else None


def _recipient(referral) -> dict:
    """The receiving therapist as a Practitioner of the practice; a provider outside it by
    name, since Kithkin holds no resource of theirs."""
    if referral.to_therapist_id:
        return ref("Practitioner", referral.to_therapist_id)
    name = ", ".join(p for p in (referral.recipient_name, referral.recipient_organisation) if p)
    return {"display": name}


def _when(moment) -> str | None:
    return instant(moment) if moment else None


@builds(ServiceRequest)
def service_request(referral) -> dict:
    reason = Reason(referral.reason)
    return prune(
        {
            "id": str(referral.pk),
            "meta": _meta(referral),
            "status": SERVICE_REQUEST_STATUS[referral.status],
            "intent": "order",
            "category": [PATIENT_REFERRAL],
            "subject": ref("Patient", referral.client_id),
            "authoredOn": instant(referral.created_at),
            "requester": ref("Practitioner", referral.created_by_id),
            "performer": [_recipient(referral)],
            "reasonCode": [
                concept(
                    CS_REFERRAL_REASON, reason.value, REASON_LABELS[reason], REASON_LABELS[reason]
                )
            ],
            # The authorization to release information the referral goes under.
            "supportingInfo": [ref("Consent", referral.authorization_id)],
            # Written with the client; the release guard redacts anyone who may not be named.
            "note": [{"text": referral.handoff_summary}],
        }
    )


@builds(Task)
def task(referral) -> dict:
    declined = referral.status == "declined"
    return prune(
        {
            "id": str(referral.pk),
            "meta": _meta(referral),
            "status": TASK_STATUS[referral.status],
            "statusReason": {"text": referral.decline_reason} if declined else None,
            "intent": "order",
            "code": concept(TASK_CODE, "fulfill", "Fulfill the focal request"),
            "focus": ref("ServiceRequest", referral.pk),
            "for": ref("Patient", referral.client_id),
            "executionPeriod": prune(
                {
                    "start": _when(referral.sent_at),
                    "end": _when(referral.first_session_at or referral.declined_at),
                }
            ),
            "authoredOn": instant(referral.created_at),
            "lastModified": instant(referral.updated_at),
            "requester": ref("Practitioner", referral.created_by_id),
            "owner": _recipient(referral),
        }
    )
