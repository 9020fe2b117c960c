"""Two submissions through one link at the same moment: the row lock lets exactly one use it.

Threads need separate connections to a real server, so this runs on PostgreSQL only (the SQLite
test database is in memory, and SQLite's IMMEDIATE transactions already allow one writer)."""

import threading

import pytest
from django.conf import settings
from django.db import connection

from kithkin.measures import services
from kithkin.measures.models import OneTimeLink, Response
from kithkin.measures.services import LinkUnusable
from kithkin.measures.tests.conftest import GAD7_MILD, key

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3",
    reason="needs concurrent connections to a database server",
)


@pytest.mark.django_db(transaction=True)
def test_two_submissions_through_one_link_at_once_store_one_response(world):
    _, token = services.link_create(client=world.carol, instrument_code="gad7", by=world.alice)
    barrier = threading.Barrier(2)
    outcomes = []

    def redeem():
        try:
            barrier.wait()
            services.link_redeem(token=token, answers=GAD7_MILD, idempotency_key=key())
            outcomes.append("stored")
        except LinkUnusable:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=redeem) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "stored"]
    assert Response.objects.count() == 1
    assert OneTimeLink.objects.get().response == Response.objects.get()
