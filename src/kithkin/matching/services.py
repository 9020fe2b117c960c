"""Writes for matching: a therapist keeps their profile, and a clinician accepts a suggested
match for an inquiry. Nothing is matched automatically (issue 9): the ranking only suggests, and
only the accept, asked for by a person, creates the client. Each service is atomic and writes its
audit event in the same transaction; a refusal raises before anything is written."""

from django.db import transaction
from django.utils import timezone

from kithkin.audit.services import audit_record
from kithkin.clients.models import Client
from kithkin.core import matching
from kithkin.inquiries.models import Inquiry
from kithkin.matching import selectors
from kithkin.matching.models import TherapistProfile
from kithkin.relationships.models import TherapyRelationship
from kithkin.relationships.services import episode_open

PROFILE_FIELDS = (
    "degree",
    "licence_number",
    "licence_jurisdiction",
    "specialties",
    "populations",
    "modalities",
    "languages",
    "gender",
    "faith_integrated",
    "times",
    "settings",
    "bio",
    "capacity",
    "accepting_new",
)


class MatchingError(ValueError):
    """A request the matching cannot take, in words fit for the clinician."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


@transaction.atomic
def profile_save(*, therapist, ip: str | None = None, **fields) -> TherapistProfile:
    """Creates or updates the therapist's own profile (only they describe their work)."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"not profile fields: {sorted(unknown)}")
    profile, created = TherapistProfile.objects.select_for_update().get_or_create(
        therapist=therapist, defaults={"practice_id": therapist.practice_id, **fields}
    )
    if not created:
        for name, value in fields.items():
            setattr(profile, name, value)
        profile.save()
    audit_record(
        practice_id=therapist.practice_id,
        actor=therapist,
        action="therapist_profile.create" if created else "therapist_profile.update",
        resource_type="TherapistProfile",
        resource_id=profile.pk,
        reason=", ".join(sorted(fields)),
        ip=ip,
    )
    return profile


def _split(name: str) -> tuple[str, str]:
    """An inquiry asks only for "a name to use"; the last word becomes the family name, and the
    therapist corrects the details at the first conversation."""
    given, _, family = name.strip().rpartition(" ")
    return (given, family) if given else (family, "")


@transaction.atomic
def inquiry_match_accept(*, inquiry: Inquiry, therapist, by, ip: str | None = None) -> Client:
    """Accepts the match of ``inquiry`` with ``therapist``: creates the client on the chosen
    therapist's caseload, opens an episode in reaching out (seed 004: the first contact is
    already part of the therapy), and marks the inquiry matched to the client."""
    # Locking the inquiry and the profile makes two accepts take turns: the second finds the
    # inquiry matched, or the last slot taken, and is refused in words.
    inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    if inquiry.practice_id != by.practice_id:
        raise MatchingError("This inquiry is not one of your practice's.")
    if inquiry.status == Inquiry.Status.MATCHED:
        raise MatchingError("This inquiry is already matched; its client record exists.")
    if inquiry.status == Inquiry.Status.CLOSED:
        raise MatchingError("This inquiry is closed; nobody is waiting for a match.")
    if therapist.practice_id != inquiry.practice_id:
        raise MatchingError("That therapist is not one of this practice's.", field="therapist_id")
    name = therapist.display_name
    if not therapist.is_active or not therapist.is_clinician:
        raise MatchingError(f"{name} cannot take clients.", field="therapist_id")
    TherapistProfile.objects.select_for_update().filter(therapist=therapist).first()
    profile = selectors.profile_of(therapist)
    if profile is None:
        raise MatchingError(f"{name} has no therapist profile yet.", field="therapist_id")
    why = matching.unavailable(selectors.as_core(profile))
    if why is not None:
        raise MatchingError(f"{name} {why}.", field="therapist_id")

    given, family = _split(inquiry.name)
    client = Client.objects.create(
        practice_id=inquiry.practice_id,
        given_name=given,
        family_name=family,
        email=inquiry.email,
        phone=inquiry.phone,
    )
    relationship = TherapyRelationship.objects.create(
        practice_id=inquiry.practice_id,
        client=client,
        therapist=therapist,
        started_on=timezone.localdate(),
    )
    # The same event as adding a client by hand, so the client's trail starts the same way.
    audit_record(
        practice_id=client.practice_id,
        actor=by,
        action="client.create",
        resource_type="Client",
        resource_id=client.pk,
        client_id=client.pk,
        reason=f"from inquiry {inquiry.pk}, with therapist {therapist.pk}",
        ip=ip,
    )
    episode_open(relationship=relationship, by=by, ip=ip)
    inquiry.status = Inquiry.Status.MATCHED
    inquiry.client = client
    inquiry.save(update_fields=["status", "client"])
    audit_record(
        practice_id=inquiry.practice_id,
        actor=by,
        action="inquiry.match",
        resource_type="Inquiry",
        resource_id=inquiry.pk,
        client_id=client.pk,
        reason=f"matched to therapist {therapist.pk}",
        ip=ip,
    )
    return client
