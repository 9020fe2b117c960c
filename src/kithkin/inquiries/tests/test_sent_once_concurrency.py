"""Two submissions of one form at the same moment, on a database server: both pass the check,
both insert, the unique constraint lets one through and the other returns it.

Threads need separate connections to a real server, so this runs on PostgreSQL only (the SQLite
test database is in memory, and SQLite's IMMEDIATE transactions already allow one writer)."""

import datetime
import threading

import pytest
from django.conf import settings
from django.db import connection

from kithkin.audit.models import AuditEvent
from kithkin.inquiries import selectors, services
from kithkin.inquiries.models import Inquiry, WorkingHours
from kithkin.inquiries.tests.conftest import robin

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3",
    reason="needs concurrent connections to a database server",
)


def run_together(work, count=2):
    outcomes, errors = [], []

    def one(n):
        try:
            outcomes.append(work(n))
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_submissions_of_one_form_at_once_make_one_inquiry(world, monkeypatch):
    digest = "d" * 64
    real = selectors.received_from_form
    barrier = threading.Barrier(2)
    local = threading.local()

    def check_then_wait(**kwargs):
        found = real(**kwargs)
        if not getattr(local, "waited", False):
            # Both have checked, and found nothing, before either inserts.
            local.waited = True
            barrier.wait(timeout=10)
        return found

    monkeypatch.setattr(selectors, "received_from_form", check_then_wait)
    received = run_together(
        lambda n: (
            services.inquiry_receive(
                practice=world.practice, data=robin(name=f"Click {n}"), ip=None, form_digest=digest
            ).pk
        )
    )
    assert len(received) == 2 and received[0] == received[1]
    assert Inquiry.objects.count() == 1
    assert AuditEvent.objects.filter(action="inquiry.receive").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_admins_saving_the_first_hours_at_once_take_turns(world):
    barrier = threading.Barrier(2)

    def save(n):
        barrier.wait(timeout=10)
        return services.working_hours_set(
            practice=world.practice,
            by=world.adam,
            weekdays=[0, 1, 2] if n else [3, 4],
            opens=datetime.time(9),
            closes=datetime.time(13 + n),
            time_zone="Europe/Berlin",
        )

    run_together(save)
    assert WorkingHours.objects.count() == 1
    assert AuditEvent.objects.filter(action="working_hours.set").count() == 2
