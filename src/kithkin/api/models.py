from django.conf import settings
from django.db import models

from kithkin.practices.models import PracticeScoped


class ApiToken(PracticeScoped):
    """A bearer token of one user in one practice. Only the SHA-256 of the secret is kept, so a
    copied database or backup holds nothing that opens the API; the secret is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens"
    )
    name = models.CharField(max_length=80, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    # The first characters of the token, for telling tokens apart in lists and the audit trail;
    # too short to be used, and nothing else of the secret is kept.
    prefix = models.CharField(max_length=16)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name or 'token'})"
