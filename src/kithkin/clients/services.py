"""Writes of clients. Each service is atomic; views validate first and services trust them."""

import datetime

from django.db import transaction

from kithkin.audit.services import audit_record
from kithkin.clients.models import Client
from kithkin.relationships.models import TherapyRelationship

CLIENT_FIELDS = (
    "given_name",
    "family_name",
    "preferred_name",
    "pronouns",
    "date_of_birth",
    "email",
    "phone",
    "address",
)


@transaction.atomic
def client_create(
    *, by, ip: str | None = None, started_on: datetime.date | None = None, **fields
) -> Client:
    """Adds a client to the practice and to the caseload of the clinician who adds them."""
    client = Client.objects.create(practice_id=by.practice_id, **_only_client_fields(fields))
    TherapyRelationship.objects.create(
        practice_id=by.practice_id,
        client=client,
        therapist=by,
        started_on=started_on or datetime.date.today(),
    )
    _audit(by, "client.create", client, ip)
    return client


@transaction.atomic
def client_update(*, client: Client, by, ip: str | None = None, **fields) -> Client:
    changes = _only_client_fields(fields)
    for name, value in changes.items():
        setattr(client, name, value)
    client.save(update_fields=[*changes, "updated_at"])
    _audit(by, "client.update", client, ip, reason=", ".join(sorted(changes)))
    return client


def _audit(by, action: str, client: Client, ip: str | None, reason: str = "") -> None:
    audit_record(
        practice_id=client.practice_id,
        actor=by,
        action=action,
        resource_type="Client",
        resource_id=client.pk,
        client_id=client.pk,
        reason=reason,
        ip=ip,
    )


def _only_client_fields(fields: dict) -> dict:
    unknown = set(fields) - set(CLIENT_FIELDS)
    if unknown:
        raise TypeError(f"not client fields: {sorted(unknown)}")
    return fields
