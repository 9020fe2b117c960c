from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.crypto import salted_hmac

from kithkin.core.access import Role
from kithkin.crypto.fields import EncryptedTextField


class User(AbstractUser):
    """A person who logs in: staff of a practice, or a client using the portal."""

    class Roles(models.TextChoices):
        THERAPIST = Role.THERAPIST.value, "Therapist"
        SUPERVISOR = Role.SUPERVISOR.value, "Supervisor"
        ADMIN = Role.ADMIN.value, "Practice admin"
        CLIENT = Role.CLIENT.value, "Client"

    practice = models.ForeignKey(
        "practices.Practice", on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    role = models.CharField(max_length=20, choices=Roles.choices)
    # The clinical supervisor who may read this therapist's clients.
    supervisor = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supervisees",
        limit_choices_to={"role": Role.SUPERVISOR.value},
    )

    # Part of the session hash: raising it ends every session of the user at once (logout,
    # deactivation, an admin's "end sessions").
    session_epoch = models.PositiveIntegerField(default=0)
    # FHIR bulk $export of the whole practice: granted and revoked one admin at a time with
    # `kithkin export grant/revoke` (audited), never implied by the admin role.
    may_bulk_export = models.BooleanField(default=False)

    objects = UserManager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in Role]),
                name="user_role_valid",
            ),
        ]

    def _get_session_auth_hash(self, secret=None):
        # Django compares this hash on every request; mixing in the epoch lets us invalidate all
        # of a user's sessions without finding them one by one.
        return salted_hmac(
            "kithkin.accounts.User.session_auth_hash",
            f"{self.password}|{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_clinician(self) -> bool:
        return self.role in {Role.THERAPIST.value, Role.SUPERVISOR.value}


class EmergencyAccess(models.Model):
    """A clinician's "break the glass" access to a client outside their caseload.

    HIPAA 164.312(a)(2)(ii) asks for an emergency access procedure; this one is read-only, lasts a
    few hours, needs a reason, marks every read it allows, and is listed for the practice admin.
    """

    practice = models.ForeignKey("practices.Practice", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="emergency_accesses")
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="emergency_accesses"
    )
    reason = EncryptedTextField()
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["client", "expires_at"]),
            models.Index(fields=["practice", "started_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} → client {self.client_id} until {self.expires_at:%Y-%m-%d %H:%M}"
