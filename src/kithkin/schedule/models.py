from django.conf import settings
from django.db import models

from kithkin.core import schedule
from kithkin.practices.models import PracticeScoped

# The database refuses a value the core does not know, as the episode table does for phases.
_STATUSES = [s.value for s in schedule.Status]
_MODALITIES = [m.value for m in schedule.Modality]
_KINDS = [k.value for k in schedule.Kind]
_ATTENDANCES = [a.value for a in schedule.Attendance]


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
    # The random token of the form that scheduled the session: the same form sent twice finds
    # this row instead of scheduling the session again. Empty for sessions made otherwise.
    idempotency_key = models.CharField(max_length=64, blank=True, default="")
    # FHIR meta.lastUpdated and _lastUpdated searches; its attendees' attendance counts too.
    updated_at = models.DateTimeField(auto_now=True, db_index=False)

    class Meta:
        indexes = [
            models.Index(fields=["client", "starts_at"]),
            models.Index(fields=["therapist", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gt=0), name="session_duration_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=_STATUSES), name="session_status_known"
            ),
            models.CheckConstraint(
                condition=models.Q(modality__in=_MODALITIES), name="session_modality_known"
            ),
            models.CheckConstraint(condition=models.Q(kind__in=_KINDS), name="session_kind_known"),
            models.UniqueConstraint(
                fields=["practice", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="session_form_sent_once_per_practice",
            ),
        ]

    def __str__(self) -> str:
        return f"session {self.pk} ({self.status})"


class SessionAttendee(PracticeScoped):
    """Someone from the client's life who attends a session besides the client and therapist,
    such as Alexis's mother at a joint session (seed 000). Planned while the session is
    scheduled; attended or absent once its outcome is recorded."""

    class Attendance(models.TextChoices):
        PLANNED = "planned", "Planned"
        ATTENDED = "attended", "Attended"
        ABSENT = "absent", "Did not attend"

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="attendees")
    person = models.ForeignKey(
        "clients.Person", on_delete=models.PROTECT, related_name="session_attendances"
    )
    attendance = models.CharField(
        max_length=20, choices=Attendance.choices, default=Attendance.PLANNED
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="attendee_once_per_session"),
            models.CheckConstraint(
                condition=models.Q(attendance__in=_ATTENDANCES),
                name="attendee_attendance_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} at session {self.session_id} ({self.attendance})"


class CalendarFeed(PracticeScoped):
    """A clinician's iCalendar feed (docs/calendar-feed.md): their sessions and their clients'
    check-ins at a secret URL that a phone or desktop calendar subscribes to.

    Only the SHA-256 of the secret is kept, as for API tokens, so a copied database or backup
    opens no feed; the URL is shown once. Rotating puts a new hash on the same row, which is
    what kills the old URL."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="calendar_feed"
    )
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"calendar feed of user {self.user_id}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
