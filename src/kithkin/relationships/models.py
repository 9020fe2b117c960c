from django.conf import settings
from django.db import models

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
