"""The history a client brings from a previous provider, kept as theirs.

It is stored apart from Kithkin's own plans and measures on purpose: alerts, feedback trends and
FHIR exports speak for the work done here, and a score or goal from another service mixed into
them would raise alerts on old answers and send another therapist's plan out as this
practice's. The clinical free text is encrypted at rest, as the practice's own is.
"""

import json

from django.conf import settings
from django.db import models
from django.utils import timezone

from kithkin.crypto.fields import EncryptedTextField
from kithkin.practices.models import PracticeScoped


def pack_lines(lines) -> str:
    """A list of short texts as one value, for one encrypted field."""
    return json.dumps(list(lines), ensure_ascii=False) if lines else ""


def unpack_lines(text: str) -> list[str]:
    return json.loads(text) if text else []


class PreviousRecord(PracticeScoped):
    """One imported file: who it came from, when, who imported it, and its SHA-256, so the
    exact file can be matched if the previous provider is asked about it later."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="previous_records"
    )
    provider_name = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    bundle_sha256 = models.CharField(max_length=64)
    bundle_type = models.CharField(max_length=20)
    summary = EncryptedTextField(blank=True)
    # What the file held that was not imported, so the therapist knows what to ask the previous
    # provider for. Encrypted: what an observation measured can itself be clinical.
    not_imported_text = EncryptedTextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["client", "received_at"])]

    def __str__(self) -> str:
        return f"Previous record {self.pk} from {self.provider_name or 'a previous provider'}"

    @property
    def not_imported(self) -> list[str]:
        return unpack_lines(self.not_imported_text)


class PreviousPlan(PracticeScoped):
    record = models.ForeignKey(PreviousRecord, on_delete=models.PROTECT, related_name="plans")
    number = models.PositiveSmallIntegerField()
    title = EncryptedTextField(blank=True)
    description = EncryptedTextField(blank=True)
    status = models.CharField(max_length=20, blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    activities_text = EncryptedTextField(blank=True)
    notes_text = EncryptedTextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record", "number"], name="previous_plan_number")
        ]

    @property
    def activities(self) -> list[str]:
        return unpack_lines(self.activities_text)

    @property
    def notes(self) -> list[str]:
        return unpack_lines(self.notes_text)


class PreviousGoal(PracticeScoped):
    record = models.ForeignKey(PreviousRecord, on_delete=models.PROTECT, related_name="goals")
    # The first plan of the file that names the goal; a goal no plan names stands alone.
    plan = models.ForeignKey(
        PreviousPlan, on_delete=models.PROTECT, null=True, blank=True, related_name="goals"
    )
    number = models.PositiveSmallIntegerField()
    description = EncryptedTextField()
    lifecycle = models.CharField(max_length=20)
    achievement = EncryptedTextField(blank=True)
    due_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record", "number"], name="previous_goal_number")
        ]


class PreviousScore(PracticeScoped):
    class Instrument(models.TextChoices):
        PHQ9 = "phq9", "PHQ-9"
        GAD7 = "gad7", "GAD-7"

    record = models.ForeignKey(PreviousRecord, on_delete=models.PROTECT, related_name="scores")
    instrument = models.CharField(max_length=10, choices=Instrument.choices)
    total = models.PositiveSmallIntegerField()
    measured_on = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["record", "instrument", "measured_on"])]
