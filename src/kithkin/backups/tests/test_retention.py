"""docs/reliability.md promises that clinical records are never hard-deleted: the database itself
refuses to delete a client or a practice that has records, whatever the code above it does."""

import pytest
from django.apps import apps
from django.db import models
from django.db.models import ProtectedError

from kithkin.clients.models import Client
from kithkin.practices.models import Practice

# The practice's office hours for inquiries: configuration, not a record about anyone.
NOT_CLINICAL = {("inquiries.WorkingHours", "practice")}


def test_every_link_to_a_client_or_a_practice_protects_the_record():
    cascading = [
        (model._meta.label, field.name, field.remote_field.on_delete.__name__)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.is_relation
        and field.related_model in (Client, Practice)
        and field.remote_field.on_delete is not models.PROTECT
        and (model._meta.label, field.name) not in NOT_CLINICAL
    ]
    assert cascading == []


def test_a_client_with_records_cannot_be_deleted(world):
    with pytest.raises(ProtectedError):
        world.carol.delete()
    assert Client.objects.filter(pk=world.carol.pk).exists()
