"""Reads of session notes.

:func:`record_notes_for_release` is the one way notes leave the practice: every export, API,
packet or copy for the client asks it, and it knows only progress notes. Psychotherapy notes
are released only under their own authorization (HIPAA 164.508(a)(2)), which is a separate
path that does not exist yet; nothing that releases the record may read that table.
"""

from django.db.models import Prefetch, QuerySet

from kithkin.core.notes import NoteState
from kithkin.notes.models import Addendum, ProgressNote
from kithkin.schedule.models import Session

USER_FIELDS = ("username", "first_name", "last_name")


def _addenda() -> Prefetch:
    return Prefetch(
        "addenda",
        queryset=Addendum.objects.select_related("author")
        .only("note_id", "text", "created_at", *(f"author__{f}" for f in USER_FIELDS))
        .order_by("created_at", "pk"),
    )


def record_notes_for_release(client) -> QuerySet[ProgressNote]:
    """The client's progress notes as they may leave the record: signed ones only (a draft is
    not yet what the therapist attests to), each with its addenda, oldest session first.

    Never a psychotherapy note: they are not part of the designated record set.
    """
    return (
        ProgressNote.objects.filter(
            practice_id=client.practice_id, session__client=client, state=NoteState.SIGNED
        )
        .select_related("session", "author", "signed_by")
        .prefetch_related(_addenda())
        .order_by("session__starts_at", "pk")
    )


def session_of(client, session_id: int) -> Session | None:
    """The client's session with this id; a session of another client is not found."""
    return (
        Session.objects.filter(pk=session_id, client=client, practice_id=client.practice_id)
        .select_related("therapist")
        .first()
    )


def note_of(session: Session) -> ProgressNote | None:
    """The session's progress note with its addenda: three queries however many there are."""
    return (
        ProgressNote.objects.filter(session=session)
        .select_related("signed_by")
        .prefetch_related(_addenda())
        .first()
    )


def note_states(session_ids) -> dict[int, str]:
    """The state of each session's progress note (``draft`` or ``signed``), in one query, for
    pages that list sessions. Sessions without a note are absent."""
    return dict(
        ProgressNote.objects.filter(session_id__in=list(session_ids)).values_list(
            "session_id", "state"
        )
    )
