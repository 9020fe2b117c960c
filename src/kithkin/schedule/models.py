from django.conf import settings
from django.db import models

from kithkin.practices.models import PracticeScoped


class Session(PracticeScoped):
    """A therapy session (an encounter)."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        ATTENDED = "attended", "Attended"
        CANCELLED = "cancelled", "Cancelled"
        LATE_CANCELLED = "late_cancelled", "Late-cancelled"
        NO_SHOW = "no_show", "No-show"

    class Modality(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        VIDEO = "video", "Video"
        PHONE = "phone", "Phone"

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", "Individual"
        JOINT = "joint", "Joint"
        COUPLE = "couple", "Couple"
        FAMILY = "family", "Family"
        GROUP = "group", "Group"

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="sessions")
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sessions"
    )
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=50)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    modality = models.CharField(max_length=20, choices=Modality.choices, default=Modality.IN_PERSON)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.INDIVIDUAL)

    class Meta:
        indexes = [
            models.Index(fields=["client", "starts_at"]),
            models.Index(fields=["therapist", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gt=0), name="session_duration_positive"
            ),
        ]
