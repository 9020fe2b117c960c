"""First contact from a prospective client (seed 004: "when a client reaches out, a new space of
mutual connection is created"). The public form writes an Inquiry into the practice's queue; the
practice answers it and, once matched, links it to the client record it opened.

It asks for as little as it can: a name to use, one way to reach them, what they want to work on
and optional preferences. No date of birth, no address: nobody needs them before a first
conversation. The concerns are clinical text, so they are encrypted at rest like a note.
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from kithkin.crypto.fields import EncryptedTextField
from kithkin.practices.models import Practice, PracticeScoped

RESPONSE_HOW = [
    ("phone", "by phone"),
    ("email", "by email"),
    ("video", "by video call"),
    ("other", "another way"),
]
# Why an inquiry left the queue without (or after) becoming a client here.
CLOSE_REASONS = [
    ("referred_elsewhere", "referred elsewhere"),
    ("no_reply", "no reply after our response"),
    ("withdrew", "they no longer want to go ahead"),
    ("not_a_fit", "not something the practice offers"),
    ("spam", "not a real inquiry"),
]


class Inquiry(PracticeScoped):
    class Status(models.TextChoices):
        NEW = "new", "new"
        RESPONDED = "responded", "responded"
        MATCHED = "matched", "matched"
        CLOSED = "closed", "closed"

    received_at = models.DateTimeField(default=timezone.now)
    # What they want to work on, in their words.
    concerns = EncryptedTextField()
    # Preferences: each optional ("" or an empty list means no preference). The codes come from
    # kithkin.core.matching (MODALITIES, LANGUAGES, TIMES, SETTINGS).
    modalities = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)
    therapist_gender = models.CharField(max_length=20, blank=True)
    therapist_background = models.CharField(max_length=200, blank=True)
    faith = models.CharField(max_length=20, blank=True)
    availability = models.JSONField(default=list, blank=True)
    setting = models.CharField(max_length=20, blank=True)
    # Contact: a name to use and one way to reach them (the form requires at least one).
    name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    first_response_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Set by the periodic scan once the inquiry has waited more than one working day without a
    # first response; the queue and the worklist show it until someone answers.
    overdue_at = models.DateTimeField(null=True, blank=True)
    # Working seconds from receipt to first response, fixed when the response is recorded so
    # the practice's figures do not shift if its hours are changed later.
    response_working_seconds = models.PositiveIntegerField(null=True, blank=True)
    # How the first response went out, and a short note for colleagues ("left a voicemail").
    # The note may touch on the person's situation, so it is encrypted like the concerns.
    response_how = models.CharField(max_length=10, choices=RESPONSE_HOW, blank=True)
    response_note = EncryptedTextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=20, choices=CLOSE_REASONS, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The SHA-256 of the public form's one-time nonce (kithkin.inquiries.forms.form_token): the
    # same form sent twice (a double click, a resubmitted POST, a replayed token) is one inquiry,
    # and the unique constraint holds even when the two arrive at the same moment. Empty for an
    # inquiry entered otherwise. A digest rather than the nonce: fixed length, and nothing in
    # the row can be handed back to the form.
    form_digest = models.CharField(max_length=64, blank=True, default="", editable=False)

    class Meta:
        indexes = [models.Index(fields=["practice", "status", "received_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "form_digest"],
                condition=~models.Q(form_digest=""),
                name="inquiry_one_per_form",
            ),
        ]

    def __str__(self) -> str:
        return f"Inquiry {self.pk} ({self.status})"


def _default_weekdays() -> list[int]:
    return [0, 1, 2, 3, 4]


class WorkingHours(models.Model):
    """When the practice answers inquiries, in Practice.time_zone. Only this time counts towards
    the time to first response, so a message sent on Friday night is not "late" on Monday
    morning."""

    practice = models.OneToOneField(Practice, on_delete=models.CASCADE, related_name="+")
    # Monday is 0, as in datetime.weekday().
    weekdays = models.JSONField(default=_default_weekdays)
    opens = models.TimeField(default=datetime.time(9, 0))
    closes = models.TimeField(default=datetime.time(17, 0))

    def __str__(self) -> str:
        return f"Working hours of {self.practice}"
