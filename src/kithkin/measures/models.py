"""Honest feedback, stored: questionnaire responses with their answers and scores, the alerts
they raise, one-time links for answering without an account, and fit reviews.

The instruments themselves are data in the core (``kithkin.core.instruments``); a response keeps
the code and version of the definition it was scored with, so a later version of a definition
never re-scores what a client said.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from kithkin.core.alerts import ALERT_LABELS, AlertKind
from kithkin.core.instruments import ItemState
from kithkin.crypto.fields import EncryptedTextField
from kithkin.practices.models import PracticeScoped

ALERT_CHOICES = [(kind.value, label) for kind, label in ALERT_LABELS.items()]
ITEM_STATE_CHOICES = [(state.value, state.label) for state in ItemState]


class Via(models.TextChoices):
    PORTAL = "portal", "Client portal"
    LINK = "link", "One-time link"
    OFFICE = "office", "In the office"
    THERAPIST = "therapist", "Therapist's own rating"
    # Entered by the practice's own staff through the REST API, on the client's behalf.
    API = "api", "Through the API"


class Respondent(models.TextChoices):
    CLIENT = "client", "Client"
    # The therapist rates the same alliance items after the session: the gap between the two
    # views is shown, because the relationship is meant to be equal and collaborative.
    THERAPIST = "therapist", "Therapist"


class Response(PracticeScoped):
    """One filled-in questionnaire: the score is computed once, when it is submitted, by the
    core, and stored with it, so every page shows the same number the alerts were raised on."""

    Via = Via
    Respondent = Respondent

    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="measure_responses"
    )
    instrument = models.CharField(max_length=40)
    instrument_version = models.CharField(max_length=40)
    # The session the response is about. Without one, it belongs to the latest attended session
    # before it was given (the selectors decide, so a session recorded late still counts).
    session = models.ForeignKey(
        "schedule.Session",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="measure_responses",
    )
    episode = models.ForeignKey(
        "relationships.Episode",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="measure_responses",
    )
    submitted_at = models.DateTimeField()
    submitted_via = models.CharField(max_length=12, choices=Via.choices)
    respondent = models.CharField(max_length=12, choices=Respondent.choices)
    # Who entered it: the client in the portal, the therapist in the office; nobody for a link.
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    idempotency_key = models.CharField(max_length=64)
    # None when incomplete: a blank is not a 0, so there is no total to store.
    total = models.PositiveSmallIntegerField(null=True, blank=True)
    band = models.CharField(max_length=60, blank=True)
    complete = models.BooleanField()
    answered = models.PositiveSmallIntegerField()
    # PHQ-9 item 9 (thoughts of self-harm): endorsed, not endorsed or unknown; empty for an
    # instrument that does not ask it. Unknown is its own state, never stored as 0.
    item9 = models.CharField(max_length=20, choices=ITEM_STATE_CHOICES, blank=True)
    # The answer to the instrument's free-text question ("What could be better?").
    free_text = EncryptedTextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["client", "instrument", "submitted_at"]),
            # The practice view (a later issue) reads totals by instrument over time.
            models.Index(fields=["practice", "instrument", "submitted_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "idempotency_key"], name="response_sent_once_per_practice"
            ),
            models.CheckConstraint(
                condition=models.Q(submitted_via__in=[v.value for v in Via])
                & models.Q(respondent__in=[r.value for r in Respondent]),
                name="response_via_and_respondent_known",
            ),
            models.CheckConstraint(
                condition=models.Q(item9__in=["", *[s.value for s in ItemState]]),
                name="response_item9_state_known",
            ),
            # A total exists exactly when the response is complete.
            models.CheckConstraint(
                condition=models.Q(complete=True, total__isnull=False)
                | models.Q(complete=False, total__isnull=True, band=""),
                name="response_total_only_when_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} response {self.pk} of client {self.client_id}"


class Answer(PracticeScoped):
    """One item's answer. Rows rather than a JSON blob: the database holds each answer to one
    item of one response, the practice view can read an item's distribution with an index, and
    the rows map one-to-one to FHIR QuestionnaireResponse.item. A blank item has no row."""

    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="answers")
    item = models.PositiveSmallIntegerField()
    value = models.SmallIntegerField()

    class Meta:
        ordering = ["response_id", "item"]
        constraints = [
            models.UniqueConstraint(fields=["response", "item"], name="one_answer_per_item"),
            models.CheckConstraint(condition=models.Q(item__gte=1), name="answer_item_numbered"),
        ]


class Alert(PracticeScoped):
    """Something the newest feedback puts in front of the therapist, until a named person has
    acknowledged it with a note. Nothing closes an alert on its own."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="measure_alerts"
    )
    kind = models.CharField(max_length=20, choices=ALERT_CHOICES)
    # The rule's own sentence: session numbers and scores, written by the core, no client words.
    reason = models.TextField()
    # The response that raised it, or, for an alert that silence raises (no feedback for three
    # sessions), the attended session whose recording raised it.
    response = models.ForeignKey(
        Response, on_delete=models.PROTECT, null=True, blank=True, related_name="alerts"
    )
    session = models.ForeignKey(
        "schedule.Session", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    session_number = models.PositiveIntegerField()
    raised_at = models.DateTimeField()
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    note = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["-raised_at", "-pk"]
        indexes = [models.Index(fields=["client", "acknowledged_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "kind"], name="one_alert_kind_per_response"
            ),
            models.UniqueConstraint(
                fields=["session", "kind"],
                condition=models.Q(response__isnull=True),
                name="one_alert_kind_per_recorded_session",
            ),
            models.CheckConstraint(
                condition=models.Q(response__isnull=False) | models.Q(session__isnull=False),
                name="alert_raised_by_a_response_or_a_session",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in AlertKind]),
                name="alert_kind_known",
            ),
            models.CheckConstraint(
                condition=models.Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True)
                | models.Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False),
                name="alert_acknowledged_by_whom_and_when",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} alert {self.pk} of client {self.client_id}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None

    @property
    def label(self) -> str:
        return AlertKind(self.kind).label


class Purpose(models.TextChoices):
    LINK = "link", "One-time link"
    # Sent by email after an attended session: one per session, so a second save of the
    # session's status never sends a second reminder.
    REMINDER = "reminder", "Reminder after a session"
    # The office tablet: opens only in the browser of the therapist who started it, for 30
    # minutes, and never at the client's link address.
    KIOSK = "kiosk", "Office tablet"


class OneTimeLink(PracticeScoped):
    """A link that lets a client answer one questionnaire without signing in, or once on the
    office tablet. Only the SHA-256 of the token is stored: a copy of the database does not hold
    a working link."""

    Purpose = Purpose

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="+")
    instrument = models.CharField(max_length=40)
    session = models.ForeignKey(
        "schedule.Session", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.LINK)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    response = models.OneToOneField(
        Response, on_delete=models.PROTECT, null=True, blank=True, related_name="link"
    )

    class Meta:
        indexes = [models.Index(fields=["client", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(used_at__isnull=True, response__isnull=True)
                | models.Q(used_at__isnull=False, response__isnull=False),
                name="link_used_with_its_response",
            ),
            models.CheckConstraint(
                condition=models.Q(purpose__in=[p.value for p in Purpose]),
                name="link_purpose_known",
            ),
            models.UniqueConstraint(
                fields=["session"],
                condition=models.Q(purpose="reminder"),
                name="one_reminder_per_session",
            ),
        ]

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()


class Decision(models.TextChoices):
    CONTINUE = "continue", "Continue as we are"
    ADJUST = "adjust", "Adjust the approach"
    # The referral flow is a later issue; until then the review records the intent.
    REFER = "refer", "Refer to another therapist"


class FitReview(PracticeScoped):
    """A look together at whether this therapy, with this therapist, fits (seed 002): what the
    feedback says, what has been tried, and what happens next."""

    Decision = Decision

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="+")
    episode = models.ForeignKey(
        "relationships.Episode", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opened_from = models.ForeignKey(
        Alert, on_delete=models.PROTECT, null=True, blank=True, related_name="fit_reviews"
    )
    feedback = EncryptedTextField()
    tried = EncryptedTextField(blank=True)
    decision = models.CharField(max_length=12, choices=Decision.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=64)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["client", "at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "idempotency_key"], name="fit_review_sent_once_per_practice"
            ),
            models.CheckConstraint(
                condition=models.Q(decision__in=[d.value for d in Decision]),
                name="fit_review_decision_known",
            ),
        ]


class PracticeInstrument(PracticeScoped):
    """A licensed instrument (SRS, ORS, WAI-SR...) a practice loaded from its own definition
    file. The file's exact text is kept, with its SHA-256, so every response scored with it can
    be traced to the words and rules the client saw; a new version is a new row, and the old
    one is retired, never edited."""

    code = models.CharField(max_length=40)
    version = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    definition = models.TextField()
    sha256 = models.CharField(max_length=64)
    # What the practice says about its licence: who granted it, its number, until when.
    licence = models.TextField()
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    loaded_at = models.DateTimeField()
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["code", "-loaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "code", "version"], name="practice_instrument_version_once"
            ),
            models.UniqueConstraint(
                fields=["practice", "code"],
                condition=models.Q(retired_at__isnull=True),
                name="one_live_practice_instrument_per_code",
            ),
            models.CheckConstraint(
                condition=models.Q(retired_at__isnull=True, retired_by__isnull=True)
                | models.Q(retired_at__isnull=False, retired_by__isnull=False),
                name="practice_instrument_retired_by_whom_and_when",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.version} of practice {self.practice_id}"


class FeedbackSummary(PracticeScoped):
    """One client's feedback with one therapist, pre-aggregated for the practice view.

    The practice view reads these rows, a few per client, instead of every response: the figures
    are sums over them, so the view costs the same with a thousand responses or a million. Each
    row is recomputed whole from the client's history whenever a response arrives or a session
    is recorded (never incremented), so it cannot drift from the record. It holds counts and
    flags only, no scores a person could be told apart by.
    """

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="+")
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    attended_sessions = models.PositiveIntegerField(default=0)
    # Attended sessions with the client's own alliance check-in.
    feedback_sessions = models.PositiveIntegerField(default=0)
    # The client's alliance check-ins (the latest of each session), as item means (0-10): their
    # sum for the average, and their count in five bands of two points for the distribution.
    alliance_sum = models.FloatField(default=0)
    alliance_0_2 = models.PositiveIntegerField(default=0)
    alliance_2_4 = models.PositiveIntegerField(default=0)
    alliance_4_6 = models.PositiveIntegerField(default=0)
    alliance_6_8 = models.PositiveIntegerField(default=0)
    alliance_8_10 = models.PositiveIntegerField(default=0)
    # The Talking Therapies outcome from the first to the last session with both PHQ-9 and
    # GAD-7 complete; every flag is False until two such sessions exist.
    outcome_assessed = models.BooleanField(default=False)
    case_at_start = models.BooleanField(default=False)
    reliable_improvement = models.BooleanField(default=False)
    recovered = models.BooleanField(default=False)
    reliable_recovery = models.BooleanField(default=False)
    reliable_deterioration = models.BooleanField(default=False)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "therapist"], name="one_feedback_summary_per_course"
            ),
        ]
        # The practice view groups a practice's rows by therapist.
        indexes = [models.Index(fields=["practice", "therapist"])]
