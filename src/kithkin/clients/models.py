from django.conf import settings
from django.db import models

from kithkin.crypto.fields import EncryptedTextField
from kithkin.practices.models import PracticeQuerySet, PracticeScoped


def display_name(*, given_name: str, family_name: str, preferred_name: str = "") -> str:
    """How the client is named on every screen: as they wish to be addressed."""
    return f"{preferred_name or given_name} {family_name}"


class Client(PracticeScoped):
    """Someone in therapy with the practice: identity and contact, as they wish to be addressed."""

    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    pronouns = models.CharField(max_length=40, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    address = EncryptedTextField(blank=True)
    # The client's own login to the portal, if they have one.
    portal_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="client_record",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["practice", "family_name", "given_name"])]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return display_name(
            given_name=self.given_name,
            family_name=self.family_name,
            preferred_name=self.preferred_name,
        )


class Person(PracticeScoped):
    """Someone in a client's life. One row per client: the same human in two clients' lives is two
    rows, as FHIR's RelatedPerson is, so nothing one client says leaks into another's record."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="people")
    name = models.CharField(max_length=120, help_text="A name or a label, such as 'coworkers'.")
    role = models.CharField(max_length=80, blank=True, help_text="mother, roommate, employer...")
    notes = EncryptedTextField(blank=True, help_text="What the client says about this person.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["client", "name"])]

    def __str__(self) -> str:
        return self.name


class PersonKind(PracticeScoped):
    """One relationship type of a person over a stretch of time. Types overlap and change (seed
    001): a friendship that became romantic keeps its friendship row, closed on the day it
    changed, beside a romantic row opened that day."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="kinds")
    kind = models.CharField(max_length=30)
    since = models.DateField()
    until = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person", "until"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(until__isnull=True) | models.Q(until__gte=models.F("since")),
                name="person_kind_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} since {self.since}"


class RestrictionQuerySet(PracticeQuerySet):
    def active(self):
        return self.filter(lifted_at__isnull=True)


class Restriction(PracticeScoped):
    """A restriction of processing of the client's record (GDPR Art. 18), recorded when the
    client asks for erasure while the retention period forbids it (Art. 17(3)(b), (c)): the
    record is kept, not used, until the restriction is lifted or the record may be erased.

    Never deleted: a lifted restriction stays, with who lifted it and why, beside the audit
    trail of every access while it held."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="restrictions")
    # The client's request as they made it (a letter, an email, what they said): free text.
    request = EncryptedTextField()
    requested_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = EncryptedTextField(blank=True)

    objects = RestrictionQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["practice", "recorded_at"])]
        constraints = [
            # One restriction in force per client; the partial index also answers "is this
            # client restricted?" for every list that leaves restricted clients out.
            models.UniqueConstraint(
                fields=["client"],
                condition=models.Q(lifted_at__isnull=True),
                name="restriction_one_active_per_client",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(lifted_at__isnull=True, lifted_by__isnull=True)
                    | models.Q(lifted_at__isnull=False, lifted_by__isnull=False)
                ),
                name="restriction_lift_has_who_and_when",
            ),
        ]

    def __str__(self) -> str:
        state = "lifted" if self.lifted_at else "in force"
        return f"restriction of client {self.client_id} ({state})"


def restricted(client_ref: str = "pk") -> models.Exists:
    """Whether the client named by ``client_ref`` (an outer query's path to a client id) has a
    restriction in force: for lists to leave restricted clients out in their own query,
    ``.filter(~restricted("client_id"))``, never row by row."""
    return models.Exists(
        Restriction.objects.filter(client_id=models.OuterRef(client_ref), lifted_at__isnull=True)
    )
