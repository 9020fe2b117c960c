import dataclasses
import datetime
from unittest import mock

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from kithkin.accounts.models import User
from kithkin.audit.models import AuditEvent
from kithkin.core.notes import NoteText
from kithkin.notes.models import Addendum, ProgressNote, PsychotherapyNote
from kithkin.notes.services import (
    NoteError,
    NoteIncomplete,
    NoteLocked,
    NotTheAuthor,
    addendum_add,
    progress_note_save,
    progress_note_sign,
    psychotherapy_note_save,
)
from kithkin.notes.tests.conftest import PRIVATE, WRITTEN
from kithkin.relationships.models import TherapyRelationship
from kithkin.schedule.models import Session

KEY = "k" * 32


def note_events(world):
    return list(
        AuditEvent.objects.filter(
            practice=world.practice, resource_type__in=["ProgressNote", "PsychotherapyNote"]
        ).order_by("seq")
    )


@pytest.fixture
def signed(world, session):
    return progress_note_sign(session=session, by=world.alice, text=WRITTEN)


def test_the_first_save_creates_the_draft_and_audits_it_without_its_words(world, session):
    note = progress_note_save(session=session, by=world.alice, text=WRITTEN, ip="10.0.0.9")
    assert (note.state, note.author, note.session) == ("draft", world.alice, session)
    assert note.text == WRITTEN
    [event] = note_events(world)
    assert (event.action, event.resource_id, event.client_id, event.ip) == (
        "progress_note.create",
        str(note.pk),
        world.carol.pk,
        "10.0.0.9",
    )
    assert event.reason == "draft saved"


def test_autosave_is_an_upsert_on_the_session(world, session):
    first = progress_note_save(session=session, by=world.alice, text=WRITTEN)
    later = dataclasses.replace(WRITTEN, plan="Try it at home before Saturday")
    again = progress_note_save(session=session, by=world.alice, text=later)
    assert again.pk == first.pk
    assert ProgressNote.objects.get().plan == "Try it at home before Saturday"
    assert [e.action for e in note_events(world)] == ["progress_note.create", "progress_note.save"]


def test_the_same_text_saved_twice_writes_and_audits_once(world, session):
    progress_note_save(session=session, by=world.alice, text=WRITTEN)
    before = ProgressNote.objects.get().updated_at
    progress_note_save(session=session, by=world.alice, text=WRITTEN)
    assert ProgressNote.objects.count() == 1
    assert ProgressNote.objects.get().updated_at == before
    assert len(note_events(world)) == 1


def test_a_blank_first_save_writes_no_empty_note(world, session):
    assert progress_note_save(session=session, by=world.alice, text=NoteText()) is None
    assert not ProgressNote.objects.exists()
    assert note_events(world) == []


def test_the_note_is_stored_encrypted(world, session):
    progress_note_save(session=session, by=world.alice, text=WRITTEN)
    with connection.cursor() as cursor:
        cursor.execute("SELECT focus, plan, between_us FROM notes_progressnote")
        stored = " ".join(cursor.fetchone())
    assert "Diane" not in stored and "Sunday" not in stored and "softened" not in stored


def test_only_the_therapist_who_held_the_session_writes_its_note(world, session):
    # bob also treats carol now, but the session was alice's.
    TherapyRelationship.objects.create(
        practice=world.practice,
        client=world.carol,
        therapist=world.bob,
        started_on=session.starts_at,
    )
    with pytest.raises(NotTheAuthor, match="Only the therapist who held this session"):
        progress_note_save(session=session, by=world.bob, text=WRITTEN)
    with pytest.raises(NotTheAuthor):
        progress_note_sign(session=session, by=world.bob, text=WRITTEN)
    assert not ProgressNote.objects.exists()


def test_signing_records_who_and_when_and_locks_the_note(world, signed):
    assert (signed.state, signed.signed_by) == ("signed", world.alice)
    assert timezone.now() - signed.signed_at < datetime.timedelta(minutes=1)
    assert note_events(world)[-1].action == "progress_note.sign"


def test_signing_saves_the_last_words_typed_with_the_signature(world, session):
    progress_note_save(session=session, by=world.alice, text=NoteText(focus="Asking"))
    note = progress_note_sign(session=session, by=world.alice, text=WRITTEN)
    assert ProgressNote.objects.get().text == WRITTEN == note.text


def test_signing_needs_the_focus_and_the_plan_and_writes_nothing_when_refused(world, session):
    progress_note_save(session=session, by=world.alice, text=NoteText(focus="Asking"))
    with pytest.raises(NoteIncomplete) as refused:
        progress_note_sign(
            session=session, by=world.alice, text=NoteText(focus="Asking", between_us="new")
        )
    assert refused.value.refusals == {"plan": "Write the plan before signing."}
    note = ProgressNote.objects.get()
    assert (note.state, note.between_us) == ("draft", "")
    assert len(note_events(world)) == 1


def test_a_session_not_yet_held_cannot_have_its_note_signed(world):
    tomorrow = Session.objects.create(
        practice=world.practice,
        client=world.carol,
        therapist=world.alice,
        starts_at=timezone.now() + datetime.timedelta(days=1),
    )
    with pytest.raises(NoteIncomplete, match="has not started yet"):
        progress_note_sign(session=tomorrow, by=world.alice, text=WRITTEN)


def test_a_signed_note_refuses_an_edit_with_the_reason_and_the_way_forward(world, signed):
    edited = dataclasses.replace(WRITTEN, plan="Something else")
    for service in (progress_note_save, progress_note_sign):
        with pytest.raises(NoteLocked, match=r"signed and locked.*Add an addendum instead"):
            service(session=signed.session, by=world.alice, text=edited)
    assert ProgressNote.objects.get().plan == WRITTEN.plan


def test_a_late_autosave_or_a_second_sign_with_the_same_text_changes_nothing(world, signed):
    events = len(note_events(world))
    assert progress_note_save(session=signed.session, by=world.alice, text=WRITTEN) == signed
    again = progress_note_sign(session=signed.session, by=world.alice, text=WRITTEN)
    assert (again.pk, again.signed_at) == (signed.pk, signed.signed_at)
    assert len(note_events(world)) == events


def test_an_addendum_has_its_own_author_and_time_and_leaves_the_note_as_signed(world, signed):
    addendum = addendum_add(
        session=signed.session,
        by=world.alice,
        text="  She wrote on Thursday: it went well.  ",
        idempotency_key=KEY,
    )
    assert (addendum.text, addendum.author, addendum.note) == (
        "She wrote on Thursday: it went well.",
        world.alice,
        signed,
    )
    assert ProgressNote.objects.get().text == WRITTEN
    event = note_events(world)[-1]
    assert (event.action, event.reason) == ("progress_note.addendum", f"addendum {addendum.pk}")
    assert "Thursday" not in str(event.payload())


def test_the_same_addendum_form_sent_twice_adds_one(world, signed):
    once = dict(session=signed.session, by=world.alice, text="Later word", idempotency_key=KEY)
    first = addendum_add(**once)
    second = addendum_add(**once)
    assert first.pk == second.pk
    assert Addendum.objects.count() == 1
    assert [e.action for e in note_events(world)].count("progress_note.addendum") == 1
    addendum_add(**{**once, "idempotency_key": "another-form-key-0123"})
    assert Addendum.objects.count() == 2


def test_the_database_itself_keeps_one_addendum_per_form(world, signed):
    fields = dict(practice=world.practice, note=signed, author=world.alice, idempotency_key=KEY)
    Addendum.objects.create(text="one", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Addendum.objects.create(text="two", **fields)


def test_the_database_itself_keeps_one_progress_note_per_session(world, signed):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressNote.objects.create(
            practice=world.practice, session=signed.session, author=world.alice
        )


def test_the_database_refuses_a_signature_without_who_or_when(world, session):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgressNote.objects.create(
            practice=world.practice, session=session, author=world.alice, state="signed"
        )


def test_an_empty_addendum_is_refused(world, signed):
    with pytest.raises(NoteError, match="Write the addendum") as refused:
        addendum_add(session=signed.session, by=world.alice, text="  \n ", idempotency_key=KEY)
    assert refused.value.field == "text"
    assert not Addendum.objects.exists()


def test_a_draft_takes_no_addendum(world, session):
    with pytest.raises(NoteError, match="Addenda follow a signed note"):
        addendum_add(session=session, by=world.alice, text="x", idempotency_key=KEY)
    progress_note_save(session=session, by=world.alice, text=WRITTEN)
    with pytest.raises(NoteError, match="not signed yet"):
        addendum_add(session=session, by=world.alice, text="x", idempotency_key=KEY)


@pytest.mark.parametrize("failing", ["sign", "save", "addendum", "psychotherapy"])
def test_when_the_audit_write_fails_nothing_is_half_written(world, session, failing):
    if failing == "addendum":
        progress_note_sign(session=session, by=world.alice, text=WRITTEN)
    before = (
        list(ProgressNote.objects.values_list("pk", "state", "plan")),
        Addendum.objects.count(),
        PsychotherapyNote.objects.count(),
        AuditEvent.objects.count(),
    )
    calls = {
        "sign": lambda: progress_note_sign(session=session, by=world.alice, text=WRITTEN),
        "save": lambda: progress_note_save(session=session, by=world.alice, text=WRITTEN),
        "addendum": lambda: addendum_add(
            session=session, by=world.alice, text="Later", idempotency_key=KEY
        ),
        "psychotherapy": lambda: psychotherapy_note_save(
            session=session, by=world.alice, text=PRIVATE
        ),
    }
    with (
        mock.patch("kithkin.notes.services.audit_record", side_effect=DatabaseError("disk full")),
        pytest.raises(DatabaseError),
    ):
        calls[failing]()
    after = (
        list(ProgressNote.objects.values_list("pk", "state", "plan")),
        Addendum.objects.count(),
        PsychotherapyNote.objects.count(),
        AuditEvent.objects.count(),
    )
    assert after == before


def test_a_psychotherapy_note_is_its_authors_and_its_event_is_not_filed_under_the_client(
    world, session
):
    note = psychotherapy_note_save(session=session, by=world.alice, text=PRIVATE)
    again = psychotherapy_note_save(session=session, by=world.alice, text=PRIVATE + " again")
    assert again.pk == note.pk and PsychotherapyNote.objects.get().text == PRIVATE + " again"
    events = [e for e in note_events(world) if e.resource_type == "PsychotherapyNote"]
    assert [(e.action, e.client_id) for e in events] == [("psychotherapy_note.change", None)] * 2
    assert all("rescue" not in str(e.payload()) for e in events)
    # The same text again writes nothing.
    psychotherapy_note_save(session=session, by=world.alice, text=PRIVATE + " again")
    assert len(note_events(world)) == 2


def test_a_psychotherapy_note_is_stored_encrypted_and_apart_from_the_progress_note(world, session):
    psychotherapy_note_save(session=session, by=world.alice, text=PRIVATE)
    progress_note_save(session=session, by=world.alice, text=WRITTEN)
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM notes_psychotherapynote")
        [(stored,)] = cursor.fetchall()
    assert "rescue" not in stored
    assert PRIVATE not in ProgressNote.objects.get().text.__repr__()


def test_each_author_has_their_own_psychotherapy_note_on_a_session(world, session):
    other = User.objects.create_user(username="tess", role="therapist", practice=world.practice)
    psychotherapy_note_save(session=session, by=world.alice, text=PRIVATE)
    psychotherapy_note_save(session=session, by=other, text="Tess's own")
    assert PsychotherapyNote.objects.count() == 2
    assert PsychotherapyNote.objects.get(author=world.alice).text == PRIVATE
