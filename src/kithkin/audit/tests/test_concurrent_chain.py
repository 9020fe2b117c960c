import threading

import pytest
from django.db import connection, connections

from kithkin.accounts.models import User
from kithkin.audit.models import AuditEvent
from kithkin.audit.selectors import verify_practice
from kithkin.audit.services import audit_record
from kithkin.practices.models import Practice

WRITERS, EACH = 8, 15


@pytest.mark.django_db(transaction=True)
def test_concurrent_appenders_queue_on_the_head_and_never_fork_the_chain():
    if connection.vendor != "postgresql":
        pytest.skip(
            "the in-memory SQLite test database has one connection; see test_sqlite_concurrency"
        )
    practice = Practice.objects.create(name="Busy", slug="busy")
    user = User.objects.create(username="t", role="therapist", practice=practice)
    errors = []

    def writer():
        try:
            for _ in range(EACH):
                audit_record(
                    practice_id=practice.pk,
                    actor=user,
                    action="client.view",
                    resource_type="Client",
                )
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    seqs = list(
        AuditEvent.objects.filter(practice=practice).order_by("seq").values_list("seq", flat=True)
    )
    assert seqs == list(range(1, WRITERS * EACH + 1))
    assert verify_practice(practice.pk).ok
