"""The psychotherapy note is its author's alone (HIPAA 164.501, 164.508(a)(2)): no other
clinician, supervisor, emergency reader or client reads it, learns whether it exists, or finds
its words on any page; and nothing that releases the record can reach it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kithkin.accounts.models import EmergencyAccess
from kithkin.audit.models import AuditEvent
from kithkin.notes.models import PsychotherapyNote
from kithkin.notes.selectors import record_notes_for_release
from kithkin.notes.services import addendum_add, progress_note_sign, psychotherapy_note_save
from kithkin.notes.tests.conftest import PRIVATE, WRITTEN
from kithkin.relationships.models import TherapyRelationship

LABEL = (
    "Psychotherapy note: private to you, kept apart from the record, never released without a "
    "separate authorization"
)


@pytest.fixture
def written(world, session):
    return psychotherapy_note_save(session=session, by=world.alice, text=PRIVATE)


def co_therapist(world, user):
    TherapyRelationship.objects.create(
        practice=world.practice,
        client=world.carol,
        therapist=user,
        started_on=datetime.date(2026, 1, 5),
    )


def test_alice_writes_her_note_on_a_clearly_labelled_page(world, session, login, urls):
    browser = login(world.alice)
    page = browser.get(urls("psychotherapy_note"))
    assert page.status_code == 200
    assert LABEL in page.content.decode()
    assert "Not written yet." in page.content.decode()
    response = browser.post(urls("psychotherapy_note"), {"text": PRIVATE})
    assert response.status_code == 302
    page = browser.get(urls("psychotherapy_note")).content.decode()
    assert PRIVATE in page and "Last saved" in page
    assert PsychotherapyNote.objects.get().author == world.alice


def test_an_empty_note_is_not_saved(world, session, login, urls):
    response = login(world.alice).post(urls("psychotherapy_note"), {"text": "  "})
    assert response.status_code == 422
    assert "Write the note before saving it." in response.content.decode()
    assert not PsychotherapyNote.objects.exists()


def test_the_progress_note_page_points_its_therapist_to_her_own_private_note(
    world, session, login, urls
):
    page = login(world.alice).get(urls("progress_note")).content.decode()
    assert f'href="{urls("psychotherapy_note")}"' in page


@pytest.mark.parametrize("exists", [False, True], ids=["no note", "a note"])
def test_the_supervisor_finds_nothing_whether_or_not_a_note_exists(
    world, session, login, urls, exists
):
    if exists:
        psychotherapy_note_save(session=session, by=world.alice, text=PRIVATE)
    browser = login(world.sam)
    assert browser.get(urls("psychotherapy_note")).status_code == 404
    assert browser.post(urls("psychotherapy_note"), {"text": "sam's words"}).status_code == 404
    assert not PsychotherapyNote.objects.filter(author=world.sam).exists()
    page = browser.get(urls("progress_note")).content.decode()
    assert "psychotherapy" not in page.lower()


@pytest.mark.parametrize("exists", [False, True], ids=["no note", "a note"])
def test_a_colleague_treating_the_same_client_finds_nothing(world, session, login, urls, exists):
    if exists:
        psychotherapy_note_save(session=session, by=world.alice, text=PRIVATE)
    co_therapist(world, world.bob)
    browser = login(world.bob)
    assert browser.get(urls("progress_note")).status_code == 200  # the record, yes
    assert browser.get(urls("psychotherapy_note")).status_code == 404
    assert browser.post(urls("psychotherapy_note"), {"text": "x"}).status_code == 404


def test_emergency_access_does_not_reach_it(world, written, login, urls):
    EmergencyAccess.objects.create(
        practice=world.practice,
        user=world.bob,
        client=world.carol,
        reason="Crisis call while alice is away",
        started_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(hours=1),
    )
    browser = login(world.bob)
    assert browser.get(urls("progress_note")).status_code == 200
    assert browser.get(urls("psychotherapy_note")).status_code == 404


@pytest.mark.parametrize("who", ["carol_login", "dave_login", "adam", "mallory"])
def test_the_client_and_everyone_else_find_nothing(world, written, login, urls, who):
    assert login(getattr(world, who)).get(urls("psychotherapy_note")).status_code == 404


def test_its_words_never_leave_through_the_release_selector(world, session, written):
    progress_note_sign(session=session, by=world.alice, text=WRITTEN)
    addendum_add(session=session, by=world.alice, text="A later word", idempotency_key="k" * 20)
    released = list(record_notes_for_release(world.carol))
    assert [note.session for note in released] == [session]
    dumped = repr([(vars(note), [vars(a) for a in note.addenda.all()]) for note in released])
    assert WRITTEN.between_us in dumped and "A later word" in dumped
    assert PRIVATE not in dumped


def test_the_release_selector_holds_only_signed_progress_notes(world, session):
    from kithkin.notes.services import progress_note_save

    progress_note_save(session=session, by=world.alice, text=WRITTEN)
    assert list(record_notes_for_release(world.carol)) == []
    assert list(record_notes_for_release(world.dave)) == []


def test_reads_and_refusals_are_audited_but_not_in_the_clients_access_log(
    world, written, login, urls
):
    login(world.alice).get(urls("psychotherapy_note"))
    login(world.sam).get(urls("psychotherapy_note"))
    events = AuditEvent.objects.filter(resource_type="PsychotherapyNote").order_by("seq")
    assert [(e.actor_username, e.action, e.outcome, e.client_id) for e in events] == [
        ("alice", "psychotherapy_note.change", "allowed", None),
        ("alice", "psychotherapy_note.view", "allowed", None),
        ("sam", "psychotherapy_note.view", "denied", None),
    ]
    # The record's access log is read by the supervisor and by the client in the portal.
    log = login(world.sam).get(reverse("client_access_log", args=[world.carol.pk]))
    assert "psychotherapy" not in log.content.decode().lower()
    portal_log = login(world.carol_login).get(reverse("portal_access_log"))
    assert "psychotherapy" not in portal_log.content.decode().lower()
