"""Session notes. The progress note is part of the clinical record; the psychotherapy note
(HIPAA 164.501) is its author's alone, kept in its own table so that no query of the record
ever reaches it by accident.

Neither the session nor the client has a reverse accessor to the psychotherapy note
(``related_name="+"``): code that walks a session or a client for an export cannot stumble on
it. Everything that releases notes asks :func:`kithkin.notes.selectors.record_notes_for_release`.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from kithkin.core.notes import FIELDS, NoteState, NoteText
from kithkin.crypto.fields import EncryptedTextField
from kithkin.practices.models import PracticeScoped

STATE_CHOICES = [(NoteState.DRAFT.value, "Draft"), (NoteState.SIGNED.value, "Signed")]


class ProgressNote(PracticeScoped):
    """The structured note of one session. A draft until signed; signed, it never changes."""

    session = models.OneToOneField(
        "schedule.Session", on_delete=models.PROTECT, related_name="progress_note"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    focus = EncryptedTextField(blank=True)
    interventions = EncryptedTextField(blank=True)
    response = EncryptedTextField(blank=True)
    plan = EncryptedTextField(blank=True)
    # Seed 004: "What is happening now between us", the relational process of the session.
    between_us = EncryptedTextField(blank=True)
    state = models.CharField(max_length=10, choices=STATE_CHOICES, default=NoteState.DRAFT.value)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=[s.value for s in NoteState]),
                name="progress_note_state_known",
            ),
            # Signed exactly when it says who signed and when.
            models.CheckConstraint(
                condition=(
                    models.Q(
                        state=NoteState.DRAFT.value,
                        signed_by__isnull=True,
                        signed_at__isnull=True,
                    )
                    | models.Q(
                        state=NoteState.SIGNED.value,
                        signed_by__isnull=False,
                        signed_at__isnull=False,
                    )
                ),
                name="progress_note_signed_with_who_and_when",
            ),
        ]

    @property
    def is_signed(self) -> bool:
        return self.state == NoteState.SIGNED

    @property
    def text(self) -> NoteText:
        return NoteText(**{name: getattr(self, name) for name in FIELDS})


class Addendum(PracticeScoped):
    """A later word on a signed progress note, with its own author and time."""

    note = models.ForeignKey(ProgressNote, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)
    # The random token of the form that sent it: the same form sent twice adds one addendum.
    idempotency_key = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["note", "idempotency_key"], name="addendum_once_per_form"
            ),
        ]
        indexes = [models.Index(fields=["note", "created_at"])]


class PsychotherapyNote(PracticeScoped):
    """The author's own analysis of a session (HIPAA 164.501): kept apart from the record,
    read and written by its author alone, in no export, API or packet, and released only under
    its own authorization (164.508(a)(2)). One per session and author, so whether a colleague
    wrote one never shows in what anyone else is offered."""

    session = models.ForeignKey("schedule.Session", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "author"], name="psychotherapy_note_once_per_author"
            ),
        ]
