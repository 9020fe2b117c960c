from django.conf import settings
from django.db import models

from kithkin.core.partners import ActionStatus, action_status
from kithkin.crypto.fields import EncryptedTextField
from kithkin.practices.models import PracticeScoped


class TherapyPartner(PracticeScoped):
    """A person in the client's life as a partner in the plan, whether or not they know it."""

    class Involvement(models.TextChoices):
        JOINT_SESSIONS = "joint_sessions", "Joint sessions: invited to sessions"
        INFORMED = "informed", "Informed: knows, and supports"
        UNAWARE = "unaware", "Unaware: must not know they are discussed"
        INDIRECT = "indirect", "Indirect: helps without knowing"

    person = models.OneToOneField(
        "clients.Person", on_delete=models.PROTECT, related_name="partner"
    )
    involvement = models.CharField(max_length=20, choices=Involvement.choices)
    knows_in_therapy = models.BooleanField("Knows the client is in therapy", default=False)
    knows_discussed = models.BooleanField("Knows they are discussed", default=False)
    may_contact = models.BooleanField(
        "The client allows the practice to contact them", default=False
    )
    contact_note = EncryptedTextField(blank=True, help_text="How and when contact is allowed.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # Someone who must not know they are discussed cannot be marked as knowing it.
            models.CheckConstraint(
                condition=~models.Q(involvement="unaware") | models.Q(knows_discussed=False),
                name="unaware_partner_does_not_know",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.involvement})"


class PlannedAction(PracticeScoped):
    """Something planned with or about a partner, with a soft window."""

    partner = models.ForeignKey(TherapyPartner, on_delete=models.PROTECT, related_name="actions")
    text = EncryptedTextField()
    planned_on = models.DateField()
    window_start = models.DateField()
    window_end = models.DateField(null=True, blank=True)
    client_paced = models.BooleanField(
        default=False, help_text="The client sets the pace: never shown as overdue."
    )
    done_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["practice", "done_on", "window_start"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(window_end__isnull=True)
                | models.Q(window_end__gte=models.F("window_start")),
                name="action_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"action for {self.partner_id} from {self.window_start}"

    def status(self, today) -> ActionStatus:
        return action_status(
            window_start=self.window_start,
            window_end=self.window_end,
            client_paced=self.client_paced,
            done=self.done_on is not None,
            today=today,
        )


class InvolvementChange(PracticeScoped):
    """Each change of a partner's involvement, with its reason. Lifting `unaware` is deliberate:
    it needs a reason, kept here (encrypted) and pointed to by the audit trail."""

    partner = models.ForeignKey(TherapyPartner, on_delete=models.PROTECT, related_name="changes")
    from_involvement = models.CharField(max_length=20, blank=True)
    to_involvement = models.CharField(max_length=20)
    reason = EncryptedTextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.from_involvement or 'none'} → {self.to_involvement}"
