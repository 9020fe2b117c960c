"""Reads for matching: the practice's profiles with their open slots, an inquiry's preferences,
and the ranked suggestions for an inquiry or for a client whose fit review decided to refer."""

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from kithkin.accounts.models import User
from kithkin.core import matching
from kithkin.core.episodes import Phase
from kithkin.inquiries.models import Inquiry
from kithkin.matching.models import TherapistProfile
from kithkin.measures.models import Decision, FitReview
from kithkin.relationships.models import Episode

CLINICIAN_ROLES = (User.Roles.THERAPIST, User.Roles.SUPERVISOR)


def _open_clients():
    """The number of a therapist's clients in an open episode, as a subquery on the profile."""
    return Subquery(
        Episode.objects.filter(
            practice_id=OuterRef("practice_id"),
            relationship__therapist_id=OuterRef("therapist_id"),
            relationship__ended_on__isnull=True,
        )
        .exclude(phase=Phase.CLOSED)
        .order_by()
        .values("relationship__therapist_id")
        .annotate(n=Count("relationship__client_id", distinct=True))
        .values("n"),
        output_field=IntegerField(),
    )


def profiles(practice_id):
    """The practice's active clinicians' profiles, each with ``active_clients`` (one query)."""
    return (
        TherapistProfile.objects.for_practice(practice_id)
        .filter(therapist__is_active=True, therapist__role__in=CLINICIAN_ROLES)
        .select_related("therapist")
        .annotate(active_clients=Coalesce(_open_clients(), Value(0)))
        .order_by("therapist__first_name", "therapist__last_name", "pk")
    )


def profile_of(therapist) -> TherapistProfile | None:
    """The therapist's own profile, with its open slots counted (None before they write one)."""
    return profiles(therapist.practice_id).filter(therapist=therapist).first()


def open_slots(profile: TherapistProfile) -> int:
    return max(0, profile.capacity - profile.active_clients)


def as_core(profile: TherapistProfile) -> matching.Profile:
    return matching.Profile(
        therapist_id=profile.therapist_id,
        name=profile.therapist.display_name,
        specialties=tuple(profile.specialties),
        populations=tuple(profile.populations),
        modalities=tuple(profile.modalities),
        languages=tuple(profile.languages),
        gender=profile.gender,
        faith_integrated=profile.faith_integrated,
        times=tuple(profile.times),
        settings=tuple(profile.settings),
        capacity=profile.capacity,
        active_clients=profile.active_clients,
        accepting=profile.accepting_new,
    )


def preferences_of(inquiry: Inquiry | None) -> matching.Preferences:
    """What the inquiry asked for; no inquiry is no preference at all."""
    if inquiry is None:
        return matching.Preferences()
    return matching.Preferences(
        concerns=inquiry.concerns or "",
        modalities=tuple(inquiry.modalities or ()),
        languages=tuple(inquiry.languages or ()),
        therapist_gender=inquiry.therapist_gender,
        faith=inquiry.faith,
        availability=tuple(inquiry.availability or ()),
        setting=inquiry.setting,
    )


def inquiry_of(*, practice_id, inquiry_id: int) -> Inquiry | None:
    """The inquiry, if it is this practice's (else None, whatever the id)."""
    return Inquiry.objects.for_practice(practice_id).filter(pk=inquiry_id).first()


def inquiry_of_client(client) -> Inquiry | None:
    """The inquiry the client came from, if they came through one (the latest, if several)."""
    return (
        Inquiry.objects.for_practice(client.practice_id)
        .filter(client=client)
        .order_by("-received_at", "-pk")
        .first()
    )


def fit_says_refer(client) -> bool:
    """Whether the client's latest fit review decided the fit is not right and to refer on."""
    # The decision alone: the review's feedback is encrypted, and reading it would decrypt it.
    latest = (
        FitReview.objects.filter(client=client)
        .order_by("-at", "-pk")
        .values_list("decision", flat=True)
        .first()
    )
    return latest == Decision.REFER


@dataclass(frozen=True)
class Suggested:
    """One suggestion, with the profile it came from, for the page."""

    suggestion: matching.Suggestion
    profile: TherapistProfile

    @property
    def open_slots(self) -> int:
        return open_slots(self.profile)


@dataclass(frozen=True)
class Unavailable:
    profile: TherapistProfile
    why: str


@dataclass(frozen=True)
class Suggestions:
    suggested: list[Suggested]
    unavailable: list[Unavailable]  # who has a profile but cannot take a client now, and why


def suggestions(preferences: matching.Preferences, *, practice_id, leave_out=()) -> Suggestions:
    """The practice's therapists ranked for these preferences, leaving out ``leave_out`` (the
    client's current therapists). Two queries whatever the number of therapists."""
    found = [p for p in profiles(practice_id) if p.therapist_id not in set(leave_out)]
    by_id = {p.therapist_id: p for p in found}
    ranked = matching.rank(preferences, [as_core(p) for p in found])
    unavailable = []
    for profile in found:
        why = matching.unavailable(as_core(profile))
        if why is not None:
            unavailable.append(Unavailable(profile, why))
    return Suggestions(
        suggested=[Suggested(s, by_id[s.therapist_id]) for s in ranked],
        unavailable=unavailable,
    )


def current_therapist_ids(client) -> frozenset[int]:
    return frozenset(
        client.therapy_relationships.filter(ended_on__isnull=True).values_list(
            "therapist_id", flat=True
        )
    )
