"""The client's authorizations to release information, as Consent (REFERENCE.md: scope
patient-privacy, category LOINC 64292-6, policyRule hipaa-auth, a permit provision with its
period, recipient, action, purposes and the record's dates)."""

import base64
import datetime

from fhir.resources.R4B.consent import Consent

from kithkin.consent.text import CATEGORY_LABELS
from kithkin.core.consent import Category
from kithkin.fhir import codes
from kithkin.fhir.resources._common import concept, day, instant, prune, ref
from kithkin.fhir.valid import builds


def consent_status(authorization, *, now: datetime.datetime) -> str:
    """Unsigned: proposed. Signed and live: active. Revoked, or past its date or its event:
    inactive (it allows nothing from then on)."""
    if authorization.signed_at is None:
        return "proposed"
    if authorization.revoked_at is not None and authorization.revoked_at <= now:
        return "inactive"
    if authorization.expires_on is not None and now.date() > authorization.expires_on:
        return "inactive"
    if authorization.expiry_event_at is not None and authorization.expiry_event_at <= now:
        return "inactive"
    return "active"


@builds(Consent)
def consent(authorization, *, now: datetime.datetime) -> dict:
    recipient = ", ".join(
        part
        for part in (authorization.recipient_name, authorization.recipient_organisation)
        if part
    )
    signed = authorization.signed_at
    return prune(
        {
            "id": str(authorization.pk),
            "status": consent_status(authorization, now=now),
            "scope": concept(codes.CONSENT_SCOPE, "patient-privacy", "Privacy Consent"),
            "category": [
                concept(codes.LOINC, codes.RELEASE_OF_INFORMATION, "Release of information consent")
            ],
            "patient": ref("Patient", authorization.client_id),
            "dateTime": instant(signed) if signed else None,
            # The exact text signed, as the client read it.
            "sourceAttachment": {
                "contentType": "text/plain; charset=utf-8",
                "data": base64.b64encode(authorization.text.encode("utf-8")).decode("ascii"),
                "title": "Authorization to release information",
            },
            "policyRule": concept(codes.CONSENT_POLICY, "hipaa-auth", "HIPAA Authorization"),
            "provision": prune(
                {
                    "type": "permit",
                    "period": prune(
                        {
                            "start": day(signed.date()) if signed else None,
                            "end": day(authorization.expires_on),
                        }
                    ),
                    "actor": [
                        {
                            "role": concept(
                                codes.V3_PARTICIPATION, "IRCP", "information recipient"
                            ),
                            "reference": {"display": recipient},
                        }
                    ],
                    "action": [concept(codes.CONSENT_ACTION, "disclose", "Disclose")],
                    "purpose": [{"display": purpose} for purpose in authorization.purposes],
                    "code": [
                        concept(
                            codes.CS_RELEASE_CATEGORY,
                            category,
                            CATEGORY_LABELS[Category(category)],
                        )
                        for category in authorization.categories
                    ],
                    "dataPeriod": prune(
                        {
                            "start": day(authorization.information_from),
                            "end": day(authorization.information_to),
                        }
                    ),
                }
            ),
        }
    )
