"""Unplanned endings (issue 9, seed 004): an open episode that has gone quiet, the invitation to
an ending session sent to the client, and, if no answer comes, its closing as lapsed."""

from django.conf import settings
from django.db import models

from kithkin.crypto.fields import EncryptedTextField
from kithkin.practices.models import Practice, PracticeScoped


class LapseSettings(models.Model):
    """A practice's own thresholds for the lapse rule (kithkin.core.lapses.LapseRule); without a
    row the rule's defaults apply. A practice seeing clients fortnightly or monthly needs a
    longer quiet before a silence means anything."""

    practice = models.OneToOneField(Practice, on_delete=models.PROTECT, related_name="+")
    quiet_days = models.PositiveSmallIntegerField()
    close_after_days = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quiet_days__gte=1), name="lapse_settings_quiet_a_day"
            ),
        ]

    def __str__(self) -> str:
        return f"lapse settings of practice {self.practice_id}"


class Lapse(PracticeScoped):
    """An open episode found lapsing by the nightly scan, and what was done about it.

    One row per episode: if the client comes back and the episode later goes quiet again, the
    scan opens the same row again from the new day it was found, since the letter and the wait
    before closing start over then.
    """

    episode = models.OneToOneField(
        "relationships.Episode", on_delete=models.PROTECT, related_name="lapse"
    )
    found_on = models.DateField()
    letter_sent_on = models.DateField(null=True, blank=True)
    # How the invitation went (post, the practice's email, a voicemail too): it can name a home
    # address or a phone, so it is encrypted at rest.
    letter_note = EncryptedTextField(blank=True)
    # The client came back, or a session got booked: no longer on the worklist.
    resolved_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    # Seed 003: even an ending without the client gets a short look back; clinical text.
    short_review = EncryptedTextField(blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        indexes = [models.Index(fields=["practice", "resolved_on", "closed_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(resolved_on__isnull=True) | models.Q(closed_on__isnull=True),
                name="lapse_resolved_or_closed_not_both",
            ),
            models.CheckConstraint(
                condition=models.Q(closed_on__isnull=True)
                | (models.Q(closed_by__isnull=False) & ~models.Q(short_review="")),
                name="lapse_closed_has_review_and_closer",
            ),
        ]

    def __str__(self) -> str:
        return f"lapse of episode {self.episode_id}"

    @property
    def is_open(self) -> bool:
        """Still on the worklist: neither resolved nor closed."""
        return self.resolved_on is None and self.closed_on is None
