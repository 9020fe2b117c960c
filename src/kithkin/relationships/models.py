from django.conf import settings
from django.db import models

from kithkin.core.episodes import (
    EndingType,
    EpisodeState,
    Move,
    Phase,
    Stage,
    move_of,
    stage_of,
)
from kithkin.crypto.fields import EncryptedTextField
from kithkin.practices.models import PracticeScoped


class TherapyRelationship(PracticeScoped):
    """A client and a therapist working together. It is what puts a client on a caseload."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="therapy_relationships"
    )
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="therapy_relationships"
    )
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "therapist"], name="one_relationship_per_pair"
            ),
        ]
        indexes = [models.Index(fields=["therapist", "ended_on"])]

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


PHASE_CHOICES = [(phase.value, phase.label) for phase in Phase]
ENDING_CHOICES = [(ending.value, ending.label) for ending in EndingType]
_PHASE_VALUES = [phase.value for phase in Phase]
_ENDING_VALUES = [ending.value for ending in EndingType]


class Episode(PracticeScoped):
    """One stretch of work within a therapy relationship, from reaching out to closing.

    Seed 004: the journey is cyclical, and a client who ends may return. A return opens a new
    episode on the same relationship, so every earlier episode keeps its own history.
    """

    relationship = models.ForeignKey(
        TherapyRelationship, on_delete=models.PROTECT, related_name="episodes"
    )
    phase = models.CharField(max_length=20, choices=PHASE_CHOICES, default=Phase.REACHING_OUT.value)
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    ending_type = models.CharField(max_length=20, choices=ENDING_CHOICES, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # FHIR meta.lastUpdated and _lastUpdated searches.
    updated_at = models.DateTimeField(auto_now=True, db_index=False)

    class Meta:
        indexes = [models.Index(fields=["relationship", "opened_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(phase__in=_PHASE_VALUES), name="episode_phase_known"
            ),
            models.CheckConstraint(
                condition=models.Q(ending_type="") | models.Q(ending_type__in=_ENDING_VALUES),
                name="episode_ending_type_known",
            ),
            # Closed exactly when it has a closing date and an ending type (seed 003: how it
            # ended is part of the record, planned or not).
            models.CheckConstraint(
                condition=(
                    models.Q(phase="closed")
                    & models.Q(closed_on__isnull=False)
                    & ~models.Q(ending_type="")
                )
                | (
                    ~models.Q(phase="closed")
                    & models.Q(closed_on__isnull=True)
                    & models.Q(ending_type="")
                ),
                name="episode_closed_has_its_ending",
            ),
            models.CheckConstraint(
                condition=models.Q(closed_on__isnull=True)
                | models.Q(closed_on__gte=models.F("opened_on")),
                name="episode_closes_after_it_opens",
            ),
            models.UniqueConstraint(
                fields=["relationship"],
                condition=~models.Q(phase="closed"),
                name="one_open_episode_per_relationship",
            ),
        ]

    def __str__(self) -> str:
        return f"episode {self.pk} ({self.phase})"

    @property
    def state(self) -> EpisodeState:
        return EpisodeState(phase=self.phase, ending_type=self.ending_type or None)

    @property
    def stage(self) -> Stage:
        return stage_of(self.phase)

    @property
    def is_open(self) -> bool:
        return self.phase != Phase.CLOSED


class EpisodeTransition(PracticeScoped):
    """One move of an episode between phases: who moved it, when, and why.

    The opening of an episode is the first row, from no phase to reaching out. The reason is
    clinical free text, so it is encrypted at rest; the audit trail points here instead of
    copying it.
    """

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="transitions")
    from_phase = models.CharField(max_length=20, choices=PHASE_CHOICES, blank=True)
    to_phase = models.CharField(max_length=20, choices=PHASE_CHOICES)
    ending_type = models.CharField(max_length=20, choices=ENDING_CHOICES, blank=True)
    reason = EncryptedTextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["episode", "at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(to_phase__in=_PHASE_VALUES)
                & (models.Q(from_phase="") | models.Q(from_phase__in=_PHASE_VALUES)),
                name="transition_phases_known",
            ),
            models.CheckConstraint(
                condition=~models.Q(from_phase=models.F("to_phase")),
                name="transition_moves",
            ),
            models.CheckConstraint(
                condition=(models.Q(to_phase="closed") & models.Q(ending_type__in=_ENDING_VALUES))
                | (~models.Q(to_phase="closed") & models.Q(ending_type="")),
                name="transition_ending_type_only_when_closing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_phase or 'opened'} → {self.to_phase}"

    @property
    def move(self) -> Move | None:
        """None for the opening row."""
        return move_of(self.from_phase, self.to_phase) if self.from_phase else None
