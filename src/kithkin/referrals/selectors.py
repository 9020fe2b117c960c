"""Reads about referrals: one referral, a client's referrals, the transfers awaiting a
therapist's answer, and the choices of the draft form."""

from kithkin.accounts.models import User
from kithkin.clients.models import restricted
from kithkin.consent.models import Authorization
from kithkin.core.referrals import AWAITING
from kithkin.measures.models import Decision, FitReview
from kithkin.referrals.models import Referral

_RELATED = ("to_therapist", "created_by", "authorization")


def referral_of(*, practice_id, client_id: int, referral_id: int) -> Referral | None:
    """The referral, if it is this client's in this practice (else None, whatever the id)."""
    return (
        Referral.objects.for_practice(practice_id)
        .filter(pk=referral_id, client_id=client_id)
        .select_related("client__practice", "episode", "new_episode", *_RELATED)
        .first()
    )


def referrals_of(client):
    """The client's referrals, newest first, with whom they went to (one query)."""
    return (
        Referral.objects.for_practice(client.practice_id)
        .filter(client=client)
        .select_related(*_RELATED)
        .order_by("-created_at", "-pk")
    )


def awaiting_answer(therapist):
    """The transfers sent to ``therapist`` that they have yet to complete or decline; a
    restricted client's wait, unseen, until the restriction is lifted (GDPR Art. 18)."""
    return (
        Referral.objects.for_practice(therapist.practice_id)
        .filter(to_therapist=therapist, status__in=sorted(AWAITING))
        .filter(~restricted("client_id"))
        .select_related("client__practice", "created_by", "to_therapist", "authorization")
        .order_by("sent_at", "pk")
    )


def receiving_therapists(client, *, by):
    """Who a client may be transferred to: the practice's active clinicians who do not see
    the client already, other than ``by``."""
    seeing = client.therapy_relationships.filter(ended_on__isnull=True).values("therapist_id")
    return (
        User.objects.filter(
            practice_id=client.practice_id,
            role__in=(User.Roles.THERAPIST, User.Roles.SUPERVISOR),
            is_active=True,
        )
        .exclude(pk=by.pk)
        .exclude(pk__in=seeing)
        .order_by("first_name", "last_name", "pk")
    )


def signed_authorizations(client):
    """The client's signed authorizations, newest first: the ones a referral may rely on (the
    send checks whether it still holds, and whom it names)."""
    return Authorization.objects.filter(client=client, signed_at__isnull=False).order_by(
        "-signed_at", "-pk"
    )


def referring_fit_reviews(client):
    """The client's fit reviews that decided to refer."""
    return FitReview.objects.filter(client=client, decision=Decision.REFER).order_by("-at", "-pk")
