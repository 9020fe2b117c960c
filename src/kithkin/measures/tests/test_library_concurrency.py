"""Two admins load the same file at the same moment: the practice lock lets exactly one store it,
and the other is told it is already loaded, never a database error.

Threads need separate connections to a real server, so this runs on PostgreSQL only (the SQLite
test database is in memory, and SQLite's IMMEDIATE transactions already allow one writer)."""

import threading

import pytest
from django.conf import settings
from django.db import connection

from kithkin.measures import library
from kithkin.measures.library import LibraryError
from kithkin.measures.models import PracticeInstrument
from kithkin.measures.tests.test_library import EXAMPLE, LICENCE

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3",
    reason="needs concurrent connections to a database server",
)


@pytest.mark.django_db(transaction=True)
def test_two_loads_of_one_version_at_once_store_it_once(world):
    barrier = threading.Barrier(2)
    outcomes = []

    def load():
        try:
            barrier.wait()
            library.instrument_load(
                practice=world.practice, text=EXAMPLE, licence=LICENCE, by=world.adam
            )
            outcomes.append("stored")
        except LibraryError as refused:
            outcomes.append("already" if "already loaded" in str(refused) else str(refused))
        finally:
            connection.close()

    threads = [threading.Thread(target=load) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already", "stored"]
    assert PracticeInstrument.objects.count() == 1
