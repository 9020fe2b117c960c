"""The client's authorizations to release information, as Consent (REFERENCE.md: scope
patient-privacy, category LOINC 64292-6, policyRule hipaa-auth, a permit provision with its
period, recipient, action, purposes and the record's dates)."""

import base64
import datetime
import html

from fhir.resources.R4B.composition import Composition
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


# LOINC 34133-9, summary of episode note: what a release to the next provider is.
_SUMMARY_NOTE = concept(codes.LOINC, "34133-9", "Summary of episode note")


def _div(*paragraphs: str) -> dict:
    # Escaped here; the names in them were replaced before (``kithkin.consent.packets``).
    body = "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs if p)
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


def _refs(resources, resource_type: str) -> list[dict]:
    return [ref(resource_type, r["id"]) for r in resources if r["resourceType"] == resource_type]


def _section(title: str, paragraphs, entries=()) -> dict:
    paragraphs = list(paragraphs) or ["None on record for these dates."]
    return prune({"title": title, "text": _div(*paragraphs), "entry": list(entries) or None})


@builds(Composition)
def release_cover(packet, *, disclosure_id: int) -> dict:
    """The cover of a release packet (``kithkin.consent.packets.Packet``): what is inside, for
    whom and why, under which authorization, and the same notices as the PDF."""
    resources = packet.resources
    sections = [
        _section(
            "About this release",
            [
                f"Released by {packet.discloser} to {packet.recipient} for this purpose: "
                f"{packet.purpose}.",
                f"Information from {packet.information_from.isoformat()} to "
                f"{packet.information_to.isoformat()}: {'; '.join(packet.included)}.",
                f"Under authorization {packet.authorization_id}, signed on "
                f"{packet.authorization_signed_at.date().isoformat()}.",
                packet.people_notice,
                packet.notes_notice,
            ],
            _refs(resources, "Consent"),
        )
    ]
    if packet.referral is not None:
        sections.append(
            _section(
                "Referral",
                [f"Reason: {packet.referral.reason}.", packet.referral.summary],
                _refs(resources, "ServiceRequest"),
            )
        )
    if packet.plan_included:
        plan = packet.plan
        lines = []
        if plan is not None:
            lines = [
                plan.concerns,
                *(f"Goal: {g.description} (by {g.target_date.isoformat()})" for g in plan.goals),
            ]
        sections.append(_section("Treatment plan", lines, _refs(resources, "CarePlan")))
    if packet.summaries_included:
        lines = [
            f"{s.on.isoformat()}, {s.kind}: {s.focus} {s.response}".strip()
            for s in packet.summaries
        ]
        sections.append(_section("Summaries of progress", lines, _refs(resources, "Encounter")))
    if packet.scores_included:
        lines = [
            f"{s.on.isoformat()}, {s.instrument}: {s.total} {s.band}".strip() for s in packet.scores
        ]
        sections.append(_section("Questionnaire scores", lines, _refs(resources, "Observation")))
    if packet.ending_included:
        # One line per signed review, pointing at its Composition (LOINC 78263-1) in the
        # Bundle, which holds the review's words.
        lines = [
            f"{r.signed_on.isoformat()}, signed by {r.signed_by}: {r.title}."
            for r in packet.reviews
        ]
        sections.append(
            _section(
                "Ending review",
                lines or ["No ending review is on record."],
                [ref("Composition", r.composition_id) for r in packet.reviews],
            )
        )
    return {
        "id": f"release-{disclosure_id}",
        "status": "final",
        "type": _SUMMARY_NOTE,
        "subject": ref("Patient", packet.client_id),
        "date": instant(packet.released_at),
        "author": [ref("Practitioner", packet.released_by_id)],
        "title": "Release of information",
        "confidentiality": "R",
        "section": sections,
    }
