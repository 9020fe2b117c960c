from django.db import connection, transaction
from django.utils import timezone

from kithkin.clients.models import Client
from kithkin.demo.builder import load_demo
from kithkin.demo.notes import NOTES, PSYCHOTHERAPY
from kithkin.notes.models import Addendum, ProgressNote, PsychotherapyNote
from kithkin.notes.selectors import record_notes_for_release
from kithkin.schedule.models import Session


def test_alexis_most_recent_attended_sessions_have_signed_notes(db):
    load_demo(password="a demo passphrase")
    alexis = Client.objects.get(given_name="Alexis")
    attended = list(
        Session.objects.filter(
            client=alexis, status="attended", starts_at__lt=timezone.now()
        ).order_by("-starts_at")[:8]
    )
    notes = list(ProgressNote.objects.filter(session__client=alexis).order_by("session__starts_at"))
    assert len(notes) == len(attended) == 8
    assert {n.session_id for n in notes} == {s.pk for s in attended}
    assert all(n.is_signed and n.signed_by.username == "alice" for n in notes)
    assert all(n.session.starts_at < n.signed_at <= timezone.now() for n in notes)
    assert notes[-1].text == NOTES[-1]  # the newest note sits on the newest session
    assert all(n.between_us for n in notes)


def test_one_note_has_an_addendum_and_alice_keeps_one_private_note(db):
    load_demo(password="a demo passphrase")
    alexis = Client.objects.get(given_name="Alexis")
    [addendum] = Addendum.objects.filter(note__session__client=alexis)
    assert addendum.author.username == "alice" and addendum.created_at > addendum.note.signed_at
    [private] = PsychotherapyNote.objects.all()
    assert private.author.username == "alice" and private.text == PSYCHOTHERAPY[1]
    assert ProgressNote.objects.filter(session=private.session).exists()
    released = repr([vars(n) for n in record_notes_for_release(alexis)])
    assert "pull to soften her mother" not in released


def test_the_demo_notes_are_stored_encrypted_and_the_same_each_run(db):
    def one_run():
        with transaction.atomic():
            load_demo(password="a demo passphrase")
            rows = list(
                ProgressNote.objects.order_by("session__starts_at").values_list(
                    "session__starts_at", "focus", "plan"
                )
            )
            with connection.cursor() as cursor:
                cursor.execute("SELECT focus FROM notes_progressnote")
                stored = [focus for (focus,) in cursor.fetchall()]
            transaction.set_rollback(True)
        return rows, stored

    (first, stored), (again, _) = one_run(), one_run()
    assert first == again
    assert not any("Diane" in text for text in stored)
