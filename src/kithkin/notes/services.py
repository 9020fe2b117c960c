"""Writes of session notes. Each service is atomic and writes its audit event in the same
transaction; a refused request raises before anything is written. Audit events carry ids and
what happened, never a word of the note: the audit trail is stored in clear."""

from django.db import transaction
from django.utils import timezone

from kithkin.audit.services import audit_record
from kithkin.core.notes import (
    FIELDS,
    Change,
    NoteLocked,
    NoteState,
    NoteText,
    change_of,
    refusals_to_sign,
)
from kithkin.notes.models import Addendum, ProgressNote, PsychotherapyNote
from kithkin.schedule.models import Session

__all__ = [
    "NotTheAuthor",
    "NoteError",
    "NoteIncomplete",
    "NoteLocked",
    "addendum_add",
    "progress_note_save",
    "progress_note_sign",
    "psychotherapy_note_save",
]


class NoteError(ValueError):
    """A request the note cannot take, with a message fit for the therapist."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


class NotTheAuthor(NoteError):
    """Someone other than the session's therapist tried to write its progress note."""


class NoteIncomplete(NoteError):
    """Signing was refused; ``refusals`` maps each heading (``""``: the whole note) to why."""

    def __init__(self, refusals: dict[str, str]):
        super().__init__(" ".join(refusals.values()))
        self.refusals = refusals


def _locked_session(session: Session) -> Session:
    # Every write about a session's note takes the session's row lock first, so an autosave, a
    # sign and a second tab take turns: the note is created once, and nothing lands on a note
    # that was signed a moment before.
    return Session.objects.select_for_update().get(pk=session.pk)


def _require_author(session: Session, note: ProgressNote | None, by) -> None:
    author_id = note.author_id if note is not None else session.therapist_id
    if by.pk != author_id:
        # The note is the attestation of the therapist who held the session; a colleague adds
        # an addendum once it is signed rather than writing in their name.
        raise NotTheAuthor("Only the therapist who held this session writes its progress note.")


def _audit(by, action: str, note: ProgressNote, client_id: int, ip: str | None, reason: str):
    audit_record(
        practice_id=note.practice_id,
        actor=by,
        action=action,
        resource_type="ProgressNote",
        resource_id=note.pk,
        client_id=client_id,
        reason=reason,
        ip=ip,
    )


def _write(note: ProgressNote, text: NoteText) -> None:
    for name in FIELDS:
        setattr(note, name, getattr(text, name))


@transaction.atomic
def progress_note_save(
    *, session: Session, by, text: NoteText, ip: str | None = None
) -> ProgressNote | None:
    """Saves the draft of the session's note (the autosave and the "Save draft" button).

    An upsert on the session: the first save creates the note, later ones update it, and the
    same text again writes nothing. A blank first save writes nothing and returns None. A
    signed note refuses different text with :class:`NoteLocked` and accepts the same text
    (a late autosave from the page that signed it) without a write.
    """
    session = _locked_session(session)
    note = ProgressNote.objects.filter(session=session).first()
    _require_author(session, note, by)
    change = change_of(
        state=NoteState(note.state) if note else None,
        current=note.text if note else None,
        new=text,
    )
    if change is Change.NONE:
        return note
    now = timezone.now()
    if change is Change.CREATE:
        note = ProgressNote(
            practice_id=session.practice_id,
            session=session,
            author_id=session.therapist_id,
            created_at=now,
        )
    _write(note, text)
    note.updated_at = now
    note.save()
    action = "progress_note.create" if change is Change.CREATE else "progress_note.save"
    _audit(by, action, note, session.client_id, ip, reason="draft saved")
    return note


@transaction.atomic
def progress_note_sign(
    *, session: Session, by, text: NoteText, ip: str | None = None
) -> ProgressNote:
    """Saves ``text`` as the session's note and signs it, which locks it.

    Signing a signed note with the same text is the same form sent twice: it returns the note
    as it was. Refusals (:class:`NoteIncomplete`, :class:`NoteLocked`, :class:`NotTheAuthor`)
    write nothing, not even the text.
    """
    session = _locked_session(session)
    note = ProgressNote.objects.filter(session=session).first()
    _require_author(session, note, by)
    if note is not None and note.is_signed:
        change_of(state=NoteState.SIGNED, current=note.text, new=text)  # raises if different
        return note
    refusals = refusals_to_sign(text, session_started=session.starts_at <= timezone.now())
    if refusals:
        raise NoteIncomplete(refusals)
    now = timezone.now()
    created = note is None
    if created:
        note = ProgressNote(
            practice_id=session.practice_id,
            session=session,
            author_id=session.therapist_id,
            created_at=now,
        )
    _write(note, text)
    note.state = NoteState.SIGNED
    note.signed_by = by
    note.signed_at = now
    note.updated_at = now
    note.save()
    _audit(by, "progress_note.sign", note, session.client_id, ip, reason="signed and locked")
    return note


@transaction.atomic
def addendum_add(
    *, session: Session, by, text: str, idempotency_key: str, ip: str | None = None
) -> Addendum:
    """Adds an addendum to the session's signed note. The form's ``idempotency_key`` makes a
    form sent twice add one addendum: the second send returns the first one."""
    session = _locked_session(session)
    note = ProgressNote.objects.filter(session=session).first()
    if note is None or not note.is_signed:
        raise NoteError(
            "Addenda follow a signed note. This session's note is not signed yet: write the "
            "change into the note itself."
        )
    earlier = note.addenda.filter(idempotency_key=idempotency_key).first()
    if earlier is not None:
        return earlier
    text = text.strip()
    if not text:
        raise NoteError("Write the addendum before adding it.", field="text")
    addendum = Addendum.objects.create(
        practice_id=note.practice_id,
        note=note,
        author=by,
        text=text,
        idempotency_key=idempotency_key,
        created_at=timezone.now(),
    )
    _audit(
        by,
        "progress_note.addendum",
        note,
        session.client_id,
        ip,
        reason=f"addendum {addendum.pk}",
    )
    return addendum


@transaction.atomic
def psychotherapy_note_save(
    *, session: Session, by, text: str, ip: str | None = None
) -> PsychotherapyNote:
    """Writes ``by``'s own psychotherapy note on the session (the view has asked the policy).

    The audit event is not filed under the client (client_id stays empty): the record's access
    log is read by the supervisor and by the client, and psychotherapy notes are outside the
    client's right of access (164.524(a)(1)(i)), so not even their existence shows there.
    """
    session = _locked_session(session)
    note = PsychotherapyNote.objects.filter(session=session, author=by).first()
    now = timezone.now()
    if note is None:
        note = PsychotherapyNote(
            practice_id=session.practice_id, session=session, author=by, created_at=now
        )
    elif note.text == text:
        return note
    note.text = text
    note.updated_at = now
    note.save()
    audit_record(
        practice_id=note.practice_id,
        actor=by,
        action="psychotherapy_note.change",
        resource_type="PsychotherapyNote",
        resource_id=note.pk,
        client_id=None,
        reason="saved by its author",
        ip=ip,
    )
    return note
