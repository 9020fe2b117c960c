"""The client's authorizations to release information (HIPAA 45 CFR 164.508).

Each row holds every element 164.508(c) asks for, the exact text the client was shown (and its
SHA-256), and, once signed, the signature: the typed name, the time, the SHA-256 of the text the
signer saw, and a representative's authority. ``docs/guide/consent.md`` maps each element to
its field. A row is never deleted: HIPAA keeps an authorization six years (164.508(b)(6)).
"""

from django.conf import settings
from django.db import models

from kithkin.consent.text import CATEGORY_LABELS
from kithkin.core.consent import Category
from kithkin.crypto.fields import EncryptedBytesField, EncryptedTextField
from kithkin.practices.models import PracticeScoped


class Authorization(PracticeScoped):
    class Via(models.TextChoices):
        PORTAL = "portal", "In the portal"
        OFFICE = "office", "In the office"

    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="authorizations"
    )
    # 164.508(c)(1)(i): what is covered, by category (kithkin.core.consent.Category).
    categories = models.JSONField()
    # (ii) who may disclose; (iii) who may receive, with where the packet goes.
    discloser = models.CharField(max_length=200)
    recipient_name = models.CharField(max_length=200)
    recipient_organisation = models.CharField(max_length=200, blank=True)
    recipient_contact = models.CharField(max_length=300, blank=True)
    # (iv) each purpose.
    purposes = models.JSONField()
    # (v) an expiry date or event.
    expires_on = models.DateField(null=True, blank=True)
    expiry_event = models.CharField(max_length=200, blank=True)
    expiry_event_at = models.DateTimeField(null=True, blank=True)
    # The record's dates it covers, when the client limits them.
    information_from = models.DateField(null=True, blank=True)
    information_to = models.DateField(null=True, blank=True)
    # The exact text shown, with the three statements of (c)(2) in it (``statements``).
    text = EncryptedTextField()
    text_sha256 = models.CharField(max_length=64)
    statements = models.JSONField()
    # (vi) the signature and its date, and a representative's authority.
    signed_name = models.CharField(max_length=200, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_sha256 = models.CharField(max_length=64, blank=True)
    signed_via = models.CharField(max_length=10, choices=Via.choices, blank=True)
    signed_by_representative = models.BooleanField(default=False)
    representative_authority = models.CharField(max_length=200, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    # The signed document as the client received their copy: the text, the signature and its
    # SHA-256, rendered once at signing and kept as it was.
    signed_pdf = EncryptedBytesField(blank=True)
    # Revocation takes effect at once for every later release (164.508(b)(5)).
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    revocation_note = EncryptedTextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["client", "signed_at"])]
        constraints = [
            # 164.508(c)(1)(v): an expiry date or an event, never neither.
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=False) | ~models.Q(expiry_event=""),
                name="authorization_expires",
            ),
            models.CheckConstraint(
                condition=models.Q(signed_at__isnull=True) | ~models.Q(signed_name=""),
                name="authorization_signature_has_a_name",
            ),
        ]

    def __str__(self) -> str:
        return f"Authorization {self.pk} to {self.recipient_name}"

    @property
    def category_set(self) -> frozenset[Category]:
        return frozenset(Category(c) for c in self.categories)

    @property
    def category_labels(self) -> str:
        return "; ".join(CATEGORY_LABELS[c] for c in sorted(self.category_set))


class Disclosure(PracticeScoped):
    """One release of information, for the accounting of disclosures (45 CFR 164.528): the
    date, who received it, a brief description and the purpose, with the authorization it went
    under and the packet exactly as it left (PDF and FHIR Bundle). Never deleted."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="disclosures"
    )
    authorization = models.ForeignKey(
        Authorization, on_delete=models.PROTECT, related_name="disclosures"
    )
    released_at = models.DateTimeField()
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recipient_name = models.CharField(max_length=200)
    recipient_organisation = models.CharField(max_length=200, blank=True)
    recipient_contact = models.CharField(max_length=300, blank=True)
    categories = models.JSONField()
    purpose = models.CharField(max_length=300)
    information_from = models.DateField()
    information_to = models.DateField()
    description = models.TextField()  # what the accounting says was released
    packet_pdf = EncryptedBytesField()
    packet_bundle = EncryptedTextField()  # the FHIR Bundle, as JSON text
    packet_sha256 = models.CharField(max_length=64)  # of the PDF, as sent
    people_withheld = models.PositiveSmallIntegerField(default=0)  # for staff, never the packet

    class Meta:
        indexes = [models.Index(fields=["client", "released_at"])]

    def __str__(self) -> str:
        return f"Disclosure {self.pk} to {self.recipient_name}"
