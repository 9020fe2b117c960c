"""Referral out: to another therapist of the practice (an internal transfer) or to a provider
outside it. ``kithkin.core.referrals`` holds the statuses and which moves they take;
``docs/guide/consent.md`` ("Referral out") describes the whole flow."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from kithkin.core.referrals import (
    KIND_LABELS,
    REASON_LABELS,
    STATUS_LABELS,
    Kind,
    Reason,
    Status,
)
from kithkin.crypto.fields import EncryptedTextField
from kithkin.practices.models import PracticeScoped

KIND_CHOICES = [(k.value, label) for k, label in KIND_LABELS.items()]
REASON_CHOICES = [(r.value, label) for r, label in REASON_LABELS.items()]
STATUS_CHOICES = [(s.value, label) for s, label in STATUS_LABELS.items()]


class Referral(PracticeScoped):
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="referrals")
    kind = models.CharField(max_length=10, choices=KIND_CHOICES)
    reason = models.CharField(max_length=20, choices=REASON_CHOICES)
    # The fit review that decided to refer, when that is the reason (seed 002).
    fit_review = models.ForeignKey(
        "measures.FitReview", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # An internal transfer names the receiving therapist; an external referral the provider.
    to_therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_received",
    )
    recipient_name = models.CharField(max_length=200, blank=True)
    recipient_organisation = models.CharField(max_length=200, blank=True)
    recipient_contact = models.CharField(max_length=300, blank=True)
    # Clinical text, written with the client: what the next therapist needs to know.
    handoff_summary = EncryptedTextField()
    written_with_client = models.BooleanField(default=False)
    # The client's authorization to release information that the referral relies on. Kept for
    # as long as the referral is (HIPAA keeps an authorization six years).
    authorization = models.ForeignKey(
        "consent.Authorization", on_delete=models.PROTECT, related_name="referrals"
    )
    status = models.CharField(max_length=20, choices=STATUS_CHOICES, default=Status.DRAFTED.value)
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    first_session_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    decline_reason = EncryptedTextField(blank=True)
    # The episode the referral was made from, and, once a transfer completes, the episode it
    # opened with the new therapist.
    episode = models.ForeignKey(
        "relationships.Episode",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    new_episode = models.ForeignKey(
        "relationships.Episode", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # An external referral's packet, released when it was sent and kept, as sent, for the
    # accounting of disclosures (an internal transfer stays in the practice).
    disclosure = models.OneToOneField(
        "consent.Disclosure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referral",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        indexes = [
            models.Index(fields=["client", "created_at"]),
            models.Index(fields=["to_therapist", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in Kind]), name="referral_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(reason__in=[r.value for r in Reason]), name="referral_reason_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in Status]), name="referral_status_known"
            ),
            # A transfer names a therapist of the practice and the episode it hands over; an
            # external referral names the provider, never a therapist.
            models.CheckConstraint(
                condition=(
                    Q(kind=Kind.INTERNAL.value)
                    & Q(to_therapist__isnull=False)
                    & Q(recipient_name="")
                    & Q(episode__isnull=False)
                )
                | (
                    Q(kind=Kind.EXTERNAL.value)
                    & Q(to_therapist__isnull=True)
                    & ~Q(recipient_name="")
                ),
                name="referral_recipient_fits_its_kind",
            ),
            models.CheckConstraint(
                condition=Q(reason=Reason.FIT_REVIEW.value, fit_review__isnull=False)
                | (~Q(reason=Reason.FIT_REVIEW.value) & Q(fit_review__isnull=True)),
                name="referral_fit_review_with_its_reason",
            ),
            models.CheckConstraint(
                condition=Q(status=Status.DRAFTED.value) | Q(written_with_client=True),
                name="referral_sent_summary_written_with_client",
            ),
            # Each status carries the time of the step that reached it.
            models.CheckConstraint(
                condition=(Q(status=Status.DRAFTED.value) & Q(sent_at__isnull=True))
                | (Q(status=Status.SENT.value) & Q(sent_at__isnull=False))
                | (Q(status=Status.ACKNOWLEDGED.value) & Q(acknowledged_at__isnull=False))
                | (
                    Q(status=Status.FIRST_SESSION_HELD.value)
                    & Q(acknowledged_at__isnull=False)
                    & Q(first_session_at__isnull=False)
                )
                | (
                    Q(status=Status.DECLINED.value)
                    & Q(declined_at__isnull=False)
                    & ~Q(decline_reason="")
                ),
                name="referral_status_has_its_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Referral {self.pk} ({self.status})"

    @property
    def is_internal(self) -> bool:
        return self.kind == Kind.INTERNAL

    @property
    def recipient_label(self) -> str:
        if self.is_internal:
            return self.to_therapist.display_name
        return ", ".join(p for p in (self.recipient_name, self.recipient_organisation) if p)
