"""The ending review, "the road travelled" (seed 003): what the therapist writes with the client.

Only the written parts are stored. The assembled parts (the journey, goals and outcomes, the
measures, the maps, the partner plans, a referral) are drafted again from the record every time
the review is shown (``selectors.review_draft``), so they always say what the record says; a
correction to a session or a score shows in the review at once. The open door is prefilled from
the draft when the review is started, then it is the therapist's text.
"""

from django.conf import settings
from django.db import models

from kithkin.crypto.fields import EncryptedTextField
from kithkin.practices.models import PracticeScoped


class EndingReview(PracticeScoped):
    episode = models.OneToOneField(
        "relationships.Episode", on_delete=models.PROTECT, related_name="ending_review"
    )
    drafted_at = models.DateTimeField()
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Written by the therapist, with the client; clinical text, so encrypted at rest. The
    # audit trail points here rather than copying them.
    themes = EncryptedTextField(blank=True)
    future_growth = EncryptedTextField(blank=True)
    open_door = EncryptedTextField(blank=True)
    notes_for_client = EncryptedTextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    shared_at = models.DateTimeField(null=True, blank=True)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            # The bad input, held by the database too: a review cannot be shared
            # before the therapist signs it.
            models.CheckConstraint(
                condition=models.Q(shared_at__isnull=True) | models.Q(signed_at__isnull=False),
                name="ending_review_shared_only_when_signed",
            ),
            models.CheckConstraint(
                condition=models.Q(signed_at__isnull=True, signed_by__isnull=True)
                | models.Q(signed_at__isnull=False, signed_by__isnull=False),
                name="ending_review_signature_has_a_signer",
            ),
        ]

    def __str__(self) -> str:
        return f"ending review of episode {self.episode_id}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def is_shared(self) -> bool:
        return self.shared_at is not None
