"""The two database helpers: the ``in_ids`` lookup and PostgreSQL's C timestamp loader."""

import datetime

import pytest
from django.db import connection

from kithkin.clients.models import Client, Person
from kithkin.relationships.models import TherapyRelationship
from kithkin.schedule.models import Session


def test_in_ids_finds_the_rows_that_in_finds(world):
    ids = [world.carol.pk, world.eve.pk, 10**9]
    assert set(Client.objects.filter(pk__in_ids=ids)) == set(Client.objects.filter(pk__in=ids))
    assert set(Client.objects.filter(pk__in_ids=ids)) == {world.carol, world.eve}


def test_in_ids_follows_foreign_keys_and_joins(world):
    assert list(Person.objects.filter(client_id__in_ids=[world.carol.pk])) == list(
        Person.objects.filter(client=world.carol)
    )
    mine = TherapyRelationship.objects.filter(client__pk__in_ids=[world.dave.pk])
    assert [r.therapist for r in mine] == [world.bob]


def test_in_ids_of_nothing_finds_nothing(world):
    assert not Client.objects.filter(pk__in_ids=[]).exists()
    assert Client.objects.exclude(pk__in_ids=[]).count() == Client.objects.count()


def test_in_ids_takes_whole_numbers_only(world):
    with pytest.raises(ValueError):
        list(Client.objects.filter(pk__in_ids=["1) OR (1=1"]))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's loader only")
def test_postgresql_reads_timestamps_in_utc_through_the_c_loader(world):
    when = datetime.datetime(2026, 3, 29, 0, 30, 15, 123456, tzinfo=datetime.UTC)
    session = Session.objects.create(
        practice=world.practice,
        client=world.carol,
        therapist=world.alice,
        starts_at=when,
    )
    read = Session.objects.values_list("starts_at", flat=True).get(pk=session.pk)
    assert read == when
    assert read.tzinfo is datetime.UTC
    with connection.cursor() as cursor:
        loader = cursor.cursor.adapters.get_loader(1184, 0)  # timestamptz, as text
    assert type(loader).__name__ == "type", "Django's Python loader is still in use"
