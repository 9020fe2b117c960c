from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """Who did what to which record, when, from where, and whether it was allowed.

    Append-only: database triggers refuse UPDATE and DELETE, and each row's hash chains it to the
    one before it within its practice (see kithkin.core.audit).
    """

    class Outcome(models.TextChoices):
        ALLOWED = "allowed", "Allowed"
        DENIED = "denied", "Denied"

    practice = models.ForeignKey("practices.Practice", on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveBigIntegerField()
    occurred_at = models.DateTimeField()
    # Users are deactivated, never deleted, so the actor stays resolvable; the name and role are
    # copied too, because the event must say who it was at the time.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=20, blank=True)
    action = models.CharField(max_length=60)
    resource_type = models.CharField(max_length=60)
    resource_id = models.CharField(max_length=64, blank=True)
    # The client whose record this concerns, so "who looked at my record" is one indexed query.
    client_id = models.BigIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.CharField(max_length=300, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    emergency = models.BooleanField(default=False)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "seq"], name="audit_one_event_per_seq"),
        ]
        indexes = [
            models.Index(fields=["practice", "client_id", "occurred_at"]),
            models.Index(fields=["practice", "emergency", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.resource_type} {self.resource_id} {self.outcome}"

    def payload(self) -> dict:
        """Exactly what the hash covers: every column but the hashes themselves."""
        return {
            "seq": self.seq,
            "practice": self.practice_id,
            "occurred_at": self.occurred_at.isoformat(),
            "actor": self.actor_id,
            "actor_username": self.actor_username,
            "actor_role": self.actor_role,
            "action": self.action,
            "resource_type": self.resource_type,
            "resource_id": self.resource_id,
            "client": self.client_id,
            "outcome": self.outcome,
            "reason": self.reason,
            "ip": self.ip,
            "emergency": self.emergency,
        }


class ChainHead(models.Model):
    """The last event of a practice's chain. Locked while appending, so concurrent writers queue
    rather than fork the chain; it also reveals a deleted tail."""

    practice = models.OneToOneField(
        "practices.Practice", on_delete=models.PROTECT, primary_key=True, related_name="+"
    )
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"practice {self.practice_id} at #{self.seq}"
