from itertools import pairwise
from unittest import mock

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import override_settings
from django.urls import reverse

from kithkin.audit.models import AuditEvent, ChainHead
from kithkin.audit.request import client_ip
from kithkin.audit.selectors import verify_practice
from kithkin.audit.services import audit_record
from kithkin.clients import services


def events_for(world):
    """The practice's events, less the login each test starts with."""
    return list(
        AuditEvent.objects.filter(practice=world.practice)
        .exclude(action="user.login")
        .order_by("seq")
    )


def test_reading_a_record_leaves_an_event_with_who_what_where_and_outcome(world, login):
    login(world.alice).get(
        reverse("client_detail", args=[world.carol.pk]), REMOTE_ADDR="192.0.2.10"
    )
    [event] = events_for(world)
    assert (event.actor, event.actor_username, event.actor_role) == (
        world.alice,
        "alice",
        "therapist",
    )
    assert (event.action, event.resource_type, event.resource_id) == (
        "client.view",
        "Client",
        str(world.carol.pk),
    )
    assert event.client_id == world.carol.pk
    assert event.outcome == "allowed"
    assert event.ip == "192.0.2.10"
    assert event.occurred_at is not None


def test_a_denied_read_is_recorded_as_denied(world, login):
    login(world.bob).get(reverse("client_detail", args=[world.carol.pk]))
    [event] = events_for(world)
    assert event.outcome == "denied"
    assert event.reason == "no therapy relationship with this client"


def test_another_practices_attempt_lands_in_its_own_chain_without_naming_the_client(world, login):
    login(world.mallory).get(reverse("client_detail", args=[world.carol.pk]))
    assert events_for(world) == []
    [event] = AuditEvent.objects.filter(practice=world.elsewhere).exclude(action="user.login")
    assert event.outcome == "denied" and event.client_id is None


def test_the_caseload_visit_is_recorded(world, login):
    login(world.alice).get(reverse("caseload"))
    [event] = events_for(world)
    assert event.action == "caseload.view"


def test_a_change_and_its_event_commit_together(world):
    services.client_update(client=world.carol, by=world.alice, given_name="Caroline")
    event = events_for(world)[-1]
    assert (event.action, event.reason) == ("client.update", "given_name")


def test_when_the_event_cannot_be_written_the_change_is_not_saved(world):
    with (
        mock.patch("kithkin.clients.services.audit_record", side_effect=DatabaseError("disk full")),
        pytest.raises(DatabaseError),
    ):
        services.client_update(client=world.carol, by=world.alice, given_name="Caroline")
    world.carol.refresh_from_db()
    assert world.carol.given_name == "Carol"


def test_a_failed_create_leaves_neither_client_nor_event(world):
    before = AuditEvent.objects.count()
    with (
        mock.patch("kithkin.clients.services.audit_record", side_effect=DatabaseError("x")),
        pytest.raises(DatabaseError),
    ):
        services.client_create(by=world.alice, given_name="Robin", family_name="Hale")
    assert AuditEvent.objects.count() == before
    from kithkin.clients.models import Client

    assert not Client.objects.filter(given_name="Robin").exists()


def test_events_chain_and_verify(world, login):
    alice = login(world.alice)
    for _ in range(3):
        alice.get(reverse("client_detail", args=[world.carol.pk]))
    events = list(AuditEvent.objects.filter(practice=world.practice).order_by("seq"))
    assert [e.seq for e in events] == [1, 2, 3, 4]  # the login, then three reads
    assert all(later.previous_hash == earlier.hash for earlier, later in pairwise(events))
    assert ChainHead.objects.get(practice=world.practice).hash == events[-1].hash
    assert verify_practice(world.practice.pk).ok


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent"]
)
def test_the_database_refuses_to_change_or_delete_events(world, statement):
    audit_record(
        practice_id=world.practice.pk,
        actor=world.alice,
        action="client.view",
        resource_type="Client",
    )
    with (
        pytest.raises((IntegrityError, DatabaseError), match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AuditEvent.objects.filter(action="client.view").count() == 1


def test_the_orm_cannot_delete_events_either(world):
    event = audit_record(
        practice_id=world.practice.pk, actor=world.alice, action="a", resource_type="Client"
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        event.delete()


def rf_request(**meta):
    from django.test import RequestFactory

    return RequestFactory().get("/", **meta)


def test_without_a_configured_proxy_forwarded_headers_are_ignored():
    request = rf_request(REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert client_ip(request) == "198.51.100.4"


@override_settings(KITHKIN_TRUSTED_PROXIES=1)
def test_behind_one_proxy_the_client_is_the_last_forwarded_address():
    request = rf_request(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    assert client_ip(request) == "203.0.113.7"


@override_settings(KITHKIN_TRUSTED_PROXIES=2)
def test_behind_two_proxies_a_forged_leftmost_address_is_ignored():
    request = rf_request(
        REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7, 10.0.0.2"
    )
    assert client_ip(request) == "203.0.113.7"


@override_settings(KITHKIN_TRUSTED_PROXIES=1)
def test_a_garbled_forwarded_address_is_not_recorded():
    assert client_ip(rf_request(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-ip")) is None
