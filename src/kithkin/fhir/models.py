"""Bulk ``$export`` jobs: one row per export, from the request to the files' expiry.

The files themselves live under ``VAR_DIR/exports/<job id>/``, never in the database; the row
says what was asked, how far the job got and what it wrote.
"""

import datetime

from django.conf import settings
from django.db import models

from kithkin.practices.models import PracticeScoped

# The files hold the whole practice: they go as soon as the receiving system has had time to
# fetch them (the Bulk Data IG leaves the period to the server).
EXPORT_LIFETIME = datetime.timedelta(hours=24)


class ExportJob(PracticeScoped):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Expired"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="export_jobs"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    # The resource types asked for, in the order they are listed in the manifest.
    types = models.JSONField(default=list)
    # Resources written so far, by type ({"Encounter": 4000, ...}): the manifest's counts.
    counts = models.JSONField(default=dict)
    clients_done = models.PositiveIntegerField(default=0)
    clients_total = models.PositiveIntegerField(default=0)
    # The request as the client made it (the manifest's ``request``).
    request_url = models.CharField(max_length=2000)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["status", "expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["queued", "running", "completed", "failed", "cancelled", "expired"]
                ),
                name="exportjob_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"export {self.pk} ({self.status})"

    @property
    def is_live(self) -> bool:
        """Still answering at its status URL: not cancelled, not expired."""
        return self.status not in (self.Status.CANCELLED, self.Status.EXPIRED)
