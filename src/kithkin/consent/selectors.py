"""Reads about authorizations: each as the core's consent policy sees it, and its decision."""

from kithkin.consent.models import Authorization
from kithkin.consent.text import sha256
from kithkin.core import consent


def as_core(row: Authorization) -> consent.Authorization:
    signature = None
    if row.signed_at is not None:
        signature = consent.Signature(
            name=row.signed_name,
            at=row.signed_at,
            text_sha256=row.signed_sha256,
            authority=row.representative_authority,
        )
    return consent.Authorization(
        authorization_id=row.pk,
        categories=row.category_set,
        discloser=row.discloser,
        recipient=consent.Party(
            row.recipient_name, row.recipient_organisation, row.recipient_contact
        ),
        purposes=frozenset(row.purposes),
        # The text as it is now: a change after signing no longer matches the signature.
        text_sha256=sha256(row.text),
        statements=frozenset(consent.Statement(s) for s in row.statements),
        signature=signature,
        signed_by_representative=row.signed_by_representative,
        expires_on=row.expires_on,
        expiry_event=row.expiry_event,
        expiry_event_at=row.expiry_event_at,
        information_from=row.information_from,
        information_to=row.information_to,
        revoked_at=row.revoked_at,
    )


def authorizations_of(client):
    return Authorization.objects.filter(client=client).order_by("-created_at", "-pk")


def release_decision(client, request: consent.ReleaseRequest) -> consent.Decision:
    """The core's decision over every authorization the client has given (one query)."""
    return consent.decide([as_core(row) for row in authorizations_of(client)], request)
