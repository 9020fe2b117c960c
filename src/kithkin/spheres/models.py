from django.conf import settings
from django.db import models

from kithkin.crypto.fields import EncryptedTextField
from kithkin.practices.models import PracticeScoped


class SphereMap(PracticeScoped):
    """A snapshot of the client's spheres of influence, taken in session or at home."""

    class MadeBy(models.TextChoices):
        THERAPIST = "therapist", "Therapist, in session"
        CLIENT = "client", "Client, at home"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        FINAL = "final", "Finished"

    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="sphere_maps"
    )
    made_by = models.CharField(max_length=10, choices=MadeBy.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    taken_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Where the client is in the guided at-home exercise (1 list, 2 place, 3 types, 4 components,
    # 5 reflect), so a draft reopens where they left it.
    step = models.PositiveSmallIntegerField(default=1)
    reflection = EncryptedTextField(blank=True)
    # When the map was finished: for a client's map, the day it was shared with the therapist.
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["client", "taken_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(step__gte=1, step__lte=5), name="sphere_map_step_range"
            ),
        ]

    def __str__(self) -> str:
        return f"map of client {self.client_id} by {self.made_by} at {self.taken_at:%Y-%m-%d}"


class SphereEntry(PracticeScoped):
    """One person on one map: ring, types and component ratings as they were then."""

    map = models.ForeignKey(SphereMap, on_delete=models.CASCADE, related_name="entries")
    person = models.ForeignKey("clients.Person", on_delete=models.PROTECT, related_name="+")
    ring = models.PositiveSmallIntegerField()
    types = models.JSONField(default=list)
    ratings = models.JSONField(default=dict)
    note = EncryptedTextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["map", "person"], name="one_entry_per_person_per_map"),
            # The database refuses what the form would: ring 1 (closest) to 5 (furthest).
            models.CheckConstraint(
                condition=models.Q(ring__gte=1, ring__lte=5), name="sphere_entry_ring_range"
            ),
        ]

    def __str__(self) -> str:
        return f"person {self.person_id} in ring {self.ring}"
