"""Tampering with a copy of the database: `kithkin audit verify` names the row every time.

The tamperer is someone with raw access to the database: they lift the append-only triggers
first, as such a person could. Everything runs inside the test's transaction and is rolled back.
"""

import importlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from kithkin.audit.models import AuditEvent
from kithkin.audit.services import audit_record

triggers = importlib.import_module("kithkin.audit.migrations.0002_append_only_triggers")


@pytest.fixture
def chain(world):
    events = [
        audit_record(
            practice_id=world.practice.pk,
            actor=world.alice,
            action="client.view",
            resource_type="Client",
            resource_id=world.carol.pk,
            client_id=world.carol.pk,
        )
        for _ in range(5)
    ]
    audit_record(
        practice_id=world.elsewhere.pk, actor=world.mallory, action="x", resource_type="Client"
    )
    return events


def tamper(*statements):
    vendor = connection.vendor
    with connection.cursor() as cursor:
        for sql in triggers.statements(vendor, up=False):
            cursor.execute(sql)
        for sql in statements:
            cursor.execute(sql)
        for sql in triggers.statements(vendor, up=True):
            cursor.execute(sql)


def verify() -> tuple[bool, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", "verify", stdout=out, stderr=err)
    except CommandError:
        return False, out.getvalue(), err.getvalue()
    return True, out.getvalue(), err.getvalue()


def test_an_intact_trail_verifies(chain):
    ok, out, _ = verify()
    assert ok
    assert "5 events, chain intact" in out


def test_an_edited_event_is_named(chain):
    tamper(f"UPDATE audit_auditevent SET actor_username = 'bob' WHERE id = {chain[2].pk}")
    ok, _, err = verify()
    assert not ok
    assert f"BROKEN at event id {chain[2].pk}" in err
    assert "content" in err


def test_an_edited_outcome_is_named(chain):
    tamper(f"UPDATE audit_auditevent SET outcome = 'denied' WHERE id = {chain[0].pk}")
    assert f"event id {chain[0].pk}" in verify()[2]


def test_a_deleted_event_is_named_by_the_one_after_it(chain):
    tamper(f"DELETE FROM audit_auditevent WHERE id = {chain[1].pk}")
    ok, _, err = verify()
    assert not ok
    assert f"BROKEN at event id {chain[2].pk}" in err


def test_a_deleted_last_event_is_caught_by_the_chain_head(chain):
    tamper(f"DELETE FROM audit_auditevent WHERE id = {chain[4].pk}")
    ok, _, err = verify()
    assert not ok
    assert f"event id {chain[3].pk}" in err and "chain head" in err


def test_reordered_events_are_named(chain):
    a, b = chain[1], chain[3]
    tamper(
        f"UPDATE audit_auditevent SET seq = 1000000 WHERE id = {a.pk}",
        f"UPDATE audit_auditevent SET seq = {a.seq} WHERE id = {b.pk}",
        f"UPDATE audit_auditevent SET seq = {b.seq} WHERE id = {a.pk}",
    )
    ok, _, err = verify()
    assert not ok
    assert f"BROKEN at event id {b.pk}" in err


def test_only_the_broken_practice_is_reported(chain, world):
    tamper(f"UPDATE audit_auditevent SET reason = 'x' WHERE id = {chain[0].pk}")
    _, out, err = verify()
    assert f"practice {world.elsewhere.pk}: 1 events, chain intact" in out
    assert f"practice {world.practice.pk}: BROKEN" in err


def test_no_events_at_all_verifies(db):
    assert AuditEvent.objects.count() == 0
    assert verify()[0]
