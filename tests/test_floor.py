"""bench/floor.py's rungs (bench/floor_urls.py): each answers, does only the work it names, and
the audited one leaves its audit event, so the benchmark measures what docs/performance.md says.
"""

import sys
from pathlib import Path

import pytest
from django.test import override_settings

from kithkin.audit.models import AuditEvent

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

pytestmark = pytest.mark.urls("floor_urls")


@pytest.fixture
def alice(world, login):
    browser = login(world.alice)
    # The first request writes the session's start and last-seen times; the rest only read it.
    assert browser.get("/floor/signed-in").status_code == 200
    return browser


def test_signed_in_reads_the_session_and_the_user_and_nothing_else(
    alice, django_assert_num_queries
):
    with django_assert_num_queries(2):
        answer = alice.get("/floor/signed-in")
    assert answer.status_code == 200 and answer.content == b"ok"


def test_the_audited_read_checks_access_and_appends_one_event(
    alice, world, django_assert_num_queries
):
    before = AuditEvent.objects.count()
    # The session and user, the client with what the policy asks, then the chain's append
    # (head, event, head) in a transaction of its own.
    with django_assert_num_queries(6):
        answer = alice.get(f"/floor/audited-read/{world.carol.pk}")
    assert answer.status_code == 200
    event = AuditEvent.objects.order_by("-seq").first()
    assert AuditEvent.objects.count() == before + 1
    assert (event.client_id, event.actor_id, event.outcome) == (
        world.carol.pk,
        world.alice.pk,
        AuditEvent.Outcome.ALLOWED,
    )


def test_the_rungs_refuse_what_kithkin_refuses(alice, world, client):
    # Another therapist's client is not found, and the attempt is audited as denied.
    assert alice.get(f"/floor/audited-read/{world.dave.pk}").status_code == 404
    assert AuditEvent.objects.filter(client_id=world.dave.pk, outcome="denied").exists()
    alice.logout()
    assert client.get("/floor/signed-in").status_code == 302


def test_the_empty_page_is_the_page_frame(alice, world):
    answer = alice.get(f"/floor/empty-page/{world.carol.pk}")
    assert answer.status_code == 200
    assert b"<nav" in answer.content


@override_settings(ROOT_URLCONF="kithkin.urls")
def test_kithkin_itself_serves_no_floor(alice):
    assert alice.get("/floor/signed-in").status_code == 404
