"""Reads about authorizations: each as the core's consent policy sees it, and its decision."""

import datetime

from django.utils import timezone

from kithkin.consent.models import Authorization, Disclosure
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


def authorization_of(client, authorization_id: int) -> Authorization | None:
    """One of this client's authorizations; another client's is not found, whatever the id."""
    return authorizations_of(client).filter(pk=authorization_id).first()


def disclosures_of(client):
    """The accounting of disclosures: every release, newest first, without the packets."""
    return (
        Disclosure.objects.filter(client=client)
        .defer("packet_pdf", "packet_bundle")
        .select_related("released_by")
        .order_by("-released_at", "-pk")
    )


def disclosure_of(client, disclosure_id: int) -> Disclosure | None:
    return Disclosure.objects.filter(client=client, pk=disclosure_id).first()


def state(row: Authorization, now: datetime.datetime) -> str:
    """Where an authorization stands, in a few words for the client and the therapist."""
    if row.signed_at is None:
        return "Withdrawn before signing" if row.revoked_at else "Waiting for a signature"
    why_not = consent.standing(as_core(row), now)
    if not why_not:
        return "In force"
    if row.revoked_at is not None and row.revoked_at <= now:
        return f"Revoked on {timezone.localdate(row.revoked_at):%-d %B %Y}"
    if row.expires_on is not None and now.date() > row.expires_on:
        return f"Expired on {row.expires_on:%-d %B %Y}"
    if row.expiry_event_at is not None:
        return f"Ended when this happened: {row.expiry_event}"
    return "Allows nothing: " + " ".join(why_not)


def in_force(row: Authorization, now: datetime.datetime) -> bool:
    return row.signed_at is not None and not consent.standing(as_core(row), now)


def record_start(client) -> datetime.date:
    """The first day of the client's record here: the start of their first therapy relationship
    (or the day they were added). A release without dates of its own runs from it."""
    from django.db.models import Min

    started = client.therapy_relationships.aggregate(first=Min("started_on"))["first"]
    added = timezone.localdate(client.created_at)
    return min(started, added) if started else added
