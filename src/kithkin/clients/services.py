"""Writes of clients. Each service is atomic; views validate first and services trust them."""

import datetime

from django.db import transaction

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
def client_create(*, by, started_on: datetime.date | None = None, **fields) -> Client:
    """Adds a client to the practice and to the caseload of the clinician who adds them."""
    client = Client.objects.create(practice_id=by.practice_id, **_only_client_fields(fields))
    TherapyRelationship.objects.create(
        practice_id=by.practice_id,
        client=client,
        therapist=by,
        started_on=started_on or datetime.date.today(),
    )
    return client


@transaction.atomic
def client_update(*, client: Client, by, **fields) -> Client:
    changes = _only_client_fields(fields)
    for name, value in changes.items():
        setattr(client, name, value)
    client.save(update_fields=[*changes, "updated_at"])
    return client


def _only_client_fields(fields: dict) -> dict:
    unknown = set(fields) - set(CLIENT_FIELDS)
    if unknown:
        raise TypeError(f"not client fields: {sorted(unknown)}")
    return fields
