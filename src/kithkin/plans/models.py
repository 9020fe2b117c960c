"""The treatment plan: a plan per episode of therapy, kept as a series of versions.

Seed 000's plan is written with the client ("we write down our plans") and checked on a
schedule. Each revision is a new version that starts as a copy of the latest; a signed version
is locked, so every earlier state of the plan stays readable and any two can be compared.
"""

from django.conf import settings
from django.db import models

from kithkin.core.plans import (
    ACHIEVEMENT_LABELS,
    LIFECYCLE_LABELS,
    MAX_EVERY,
    MEASURE_LABELS,
    Achievement,
    Cadence,
    CadenceUnit,
    Lifecycle,
)
from kithkin.crypto.fields import EncryptedTextField
from kithkin.practices.models import PracticeScoped

LIFECYCLE_CHOICES = [(value.value, label) for value, label in LIFECYCLE_LABELS.items()]
ACHIEVEMENT_CHOICES = [(value.value, label) for value, label in ACHIEVEMENT_LABELS.items()]
MEASURE_CHOICES = [(value.value, label) for value, label in MEASURE_LABELS.items()]
CADENCE_CHOICES = [(CadenceUnit.WEEKS.value, "weeks"), (CadenceUnit.SESSIONS.value, "sessions")]


class Plan(PracticeScoped):
    """A client's treatment plan. It belongs to the episode it was made in, when one was open;
    a returning client's new episode gets a new plan, and the earlier plan stays as it was.
    Without an open episode, the plan belongs to the client alone."""

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="plans")
    episode = models.ForeignKey(
        "relationships.Episode",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plans",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The hidden token of the form that started it: the same form sent twice starts one plan.
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        indexes = [models.Index(fields=["client", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["episode"],
                condition=models.Q(episode__isnull=False),
                name="one_plan_per_episode",
            ),
            models.UniqueConstraint(
                fields=["client"],
                condition=models.Q(episode__isnull=True),
                name="one_plan_without_episode_per_client",
            ),
        ]

    def __str__(self) -> str:
        return f"plan {self.pk} of client {self.client_id}"


class PlanVersion(PracticeScoped):
    """One version of the plan: a draft while it is written, locked once the therapist signs.

    The sections are clinical free text, encrypted at rest. The client acknowledges a signed
    version in the portal.
    """

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    based_on = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    starts_on = models.DateField()
    concerns = EncryptedTextField(blank=True)
    relational_context = EncryptedTextField(blank=True)
    objectives = EncryptedTextField(blank=True)
    recommendations = EncryptedTextField(blank=True)
    cadence_unit = models.CharField(
        max_length=10, choices=CADENCE_CHOICES, default=CadenceUnit.WEEKS.value
    )
    cadence_every = models.PositiveSmallIntegerField(default=4)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["plan_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_number_unique"),
            # One draft at a time: two drafts of one plan could never both be signed in order.
            models.UniqueConstraint(
                fields=["plan"],
                condition=models.Q(signed_at__isnull=True),
                name="one_draft_per_plan",
            ),
            models.CheckConstraint(
                condition=models.Q(cadence_unit__in=[u.value for u in CadenceUnit])
                & models.Q(cadence_every__gte=1)
                & models.Q(cadence_every__lte=MAX_EVERY),
                name="plan_cadence_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(signed_at__isnull=True, signed_by__isnull=True)
                | models.Q(signed_at__isnull=False, signed_by__isnull=False),
                name="plan_signed_by_whom_and_when",
            ),
            # Only a signed version can be acknowledged: the client agrees to what was signed.
            models.CheckConstraint(
                condition=models.Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True)
                | models.Q(
                    acknowledged_at__isnull=False,
                    acknowledged_by__isnull=False,
                    signed_at__isnull=False,
                ),
                name="plan_acknowledged_only_when_signed",
            ),
        ]

    def __str__(self) -> str:
        return f"version {self.number} of plan {self.plan_id}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def cadence(self) -> Cadence:
        return Cadence(CadenceUnit(self.cadence_unit), self.cadence_every)


class Goal(PracticeScoped):
    """A goal as one version holds it. ``number`` is the goal's identity across versions: a
    revision copies each goal with its number, so the versions can be compared goal by goal."""

    version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="goals")
    number = models.PositiveSmallIntegerField()
    description = EncryptedTextField(help_text="The goal in the client's own words.")
    criterion = EncryptedTextField(help_text="How you will both know it is reached.")
    target_date = models.DateField()
    lifecycle = models.CharField(
        max_length=20, choices=LIFECYCLE_CHOICES, default=Lifecycle.PROPOSED.value
    )
    achievement = models.CharField(
        max_length=20, choices=ACHIEVEMENT_CHOICES, default=Achievement.IN_PROGRESS.value
    )
    measure = models.CharField(max_length=10, choices=MEASURE_CHOICES, blank=True)
    partners = models.ManyToManyField(
        "clients.Person", through="GoalPartner", related_name="plan_goals", blank=True
    )
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    # FHIR meta.lastUpdated and _lastUpdated searches.
    updated_at = models.DateTimeField(auto_now=True, db_index=False)

    class Meta:
        ordering = ["version_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="goal_number_unique"),
            models.CheckConstraint(
                condition=models.Q(lifecycle__in=[v.value for v in Lifecycle])
                & models.Q(achievement__in=[v.value for v in Achievement])
                & models.Q(measure__in=[value for value, _ in MEASURE_CHOICES]),
                name="goal_statuses_known",
            ),
        ]

    def __str__(self) -> str:
        return f"goal {self.number} of version {self.version_id}"


class GoalPartner(PracticeScoped):
    """A person in the client's life that a goal involves."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("clients.Person", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["goal", "person"], name="goal_partner_unique"),
        ]


class CheckIn(PracticeScoped):
    """A scheduled review of a signed version: each goal's progress, and perhaps a revision."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="check_ins")
    version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="check_ins")
    held_on = models.DateField()
    note = EncryptedTextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # The draft this check-in started, or brought its progress into, when it revised the plan.
    revision = models.ForeignKey(
        PlanVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        indexes = [models.Index(fields=["plan", "held_on"])]

    def __str__(self) -> str:
        return f"check-in of plan {self.plan_id} on {self.held_on}"


class GoalProgress(PracticeScoped):
    """One goal's progress at a check-in, with a short note."""

    check_in = models.ForeignKey(CheckIn, on_delete=models.PROTECT, related_name="progress")
    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="progress")
    achievement = models.CharField(max_length=20, choices=ACHIEVEMENT_CHOICES)
    note = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["check_in_id", "goal__number"]
        constraints = [
            models.UniqueConstraint(fields=["check_in", "goal"], name="one_progress_per_goal"),
            models.CheckConstraint(
                condition=models.Q(achievement__in=[v.value for v in Achievement]),
                name="progress_achievement_known",
            ),
        ]
