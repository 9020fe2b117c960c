"""The reminder after an attended session: one email with a one-time alliance link, sent by a
background job after the status is committed, and never twice for one session."""

import datetime
import re

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from kithkin.audit.models import AuditEvent
from kithkin.measures.models import OneTimeLink, Response
from kithkin.measures.reminders import SUBJECT, reminder_send
from kithkin.measures.tests.conftest import alliance, key
from kithkin.measures.tests.test_portal_and_link import items, text
from kithkin.schedule.models import Session
from kithkin.schedule.services import session_set_status


@pytest.fixture
def session(world):
    return Session.objects.create(
        practice=world.practice,
        client=world.carol,
        therapist=world.alice,
        starts_at=timezone.now() - datetime.timedelta(hours=2),
    )


@pytest.fixture
def record(world, django_capture_on_commit_callbacks):
    """Records the session's outcome as alice would, and runs what waits for the commit."""

    def set_status(session, status):
        with django_capture_on_commit_callbacks(execute=True):
            return session_set_status(session=session, by=world.alice, status=status)

    return set_status


def link_in(message) -> str:
    return re.search(r"https?://\S+", message.body)[0]


def test_the_tests_keep_mail_in_memory():
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"


def test_an_attended_session_sends_one_reminder_with_a_link_to_the_alliance_check_in(
    world, session, record
):
    record(session, "attended")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["carol@example.org"] and message.subject == SUBJECT
    assert "a short check-in about your session" in message.body
    link = OneTimeLink.objects.get()
    assert (link.purpose, link.instrument, link.session, link.client) == (
        "reminder",
        "alliance",
        session,
        world.carol,
    )
    assert link.token_hash not in message.body
    assert AuditEvent.objects.filter(
        action="measures.reminder.send", client_id=world.carol.pk
    ).exists()


def test_the_reminder_names_nobody_and_says_nothing_clinical(world, session, record):
    record(session, "attended")
    message = mail.outbox[0]
    everything = message.subject + message.body
    for word in ("Carol", "Quill", "Diane", "Alice", "Riverside", "PHQ", "GAD", "alliance"):
        assert word not in everything


def test_the_link_in_the_reminder_answers_the_questionnaire_for_that_session(
    world, session, record, client
):
    record(session, "attended")
    path = link_in(mail.outbox[0]).removeprefix(settings.KITHKIN_BASE_URL.rstrip("/"))
    page = client.get(path)
    assert page.status_code == 200 and "Hello, Carol" in text(page)
    sent = client.post(path, {"key": key(), **items(alliance(9))})
    assert sent.status_code == 200 and "Thank you" in text(sent)
    response = Response.objects.get()
    assert (response.submitted_via, response.session, response.total) == ("link", session, 81)
    assert client.get(path).status_code == 404


def test_a_client_without_email_gets_no_reminder_and_nothing_fails(world, session, record):
    world.carol.email = ""
    world.carol.save()
    record(session, "attended")
    assert mail.outbox == [] and not OneTimeLink.objects.exists()


def test_a_cancelled_session_sends_nothing(world, record):
    ahead = Session.objects.create(
        practice=world.practice,
        client=world.carol,
        therapist=world.alice,
        starts_at=timezone.now() + datetime.timedelta(days=3),
    )
    record(ahead, "cancelled")
    assert mail.outbox == [] and not OneTimeLink.objects.exists()


def test_a_session_attended_twice_sends_one_reminder(world, session, record):
    record(session, "attended")
    record(session, "attended")
    record(session, "no_show")  # corrected, then corrected back
    record(session, "attended")
    reminder_send(session_id=session.pk)
    assert len(mail.outbox) == 1
    assert OneTimeLink.objects.filter(purpose="reminder").count() == 1


def test_no_reminder_when_the_status_is_rolled_back(
    world, session, django_capture_on_commit_callbacks
):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                session_set_status(session=session, by=world.alice, status="attended")
                raise RuntimeError("the page failed after the save")
        except RuntimeError:
            pass
    assert callbacks == [] and mail.outbox == []
