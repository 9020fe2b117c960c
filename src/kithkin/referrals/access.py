"""The door to one referral, for its pages.

The client's treating therapist (and, to read, the supervisor) reach a referral through the
record's own door, ``client_for``. The receiving therapist of an internal transfer is not on the
client's caseload until the transfer completes, so the record's door would rightly turn them
away: they reach the referral alone, never the rest of the record, through the policy's
``RECEIVE_REFERRAL`` rule (``kithkin.core.access``), and only while the transfer is under way
and the client's authorization for it is in force. Each way in is audited, allowed or denied.
"""

from dataclasses import dataclass

from django.http import Http404

from kithkin.accounts.access import actor_for, audit_access, client_for, is_restricted
from kithkin.clients.models import Client
from kithkin.core.access import Action, ReferralRecord, can
from kithkin.core.referrals import AWAITING, Side, Status
from kithkin.referrals import selectors
from kithkin.referrals.models import Referral
from kithkin.referrals.services import authorization_refusals


@dataclass(frozen=True)
class Reached:
    client: Client
    referral: Referral
    side: Side  # which end of the referral the user answers from


def policy_record(referral: Referral) -> ReferralRecord:
    awaiting = Status(referral.status) in AWAITING
    return ReferralRecord(
        referral_id=referral.pk,
        practice_id=referral.practice_id,
        client_id=referral.client_id,
        receiver_id=referral.to_therapist_id,
        awaiting=awaiting,
        # Asked only while it matters: the referral's authorization, as the core sees it.
        authorized=awaiting and not authorization_refusals(referral),
        restricted=awaiting and is_restricted(referral.client),
    )


def referral_for(request, client_id: int, referral_id: int, action: Action) -> Reached:
    """The referral, if the user may do ``action`` to it (or answer it, as its receiver);
    404 for a referral of another client or one the user may not know exists."""
    actor = actor_for(request.user)
    referral = selectors.referral_of(
        practice_id=actor.practice_id, client_id=client_id, referral_id=referral_id
    )
    if (
        referral is not None
        and referral.to_therapist_id == actor.user_id
        and Status(referral.status) in AWAITING
    ):
        decision = can(actor, Action.RECEIVE_REFERRAL, policy_record(referral))
        audit_access(
            request,
            actor,
            Action.RECEIVE_REFERRAL,
            "Referral",
            referral.pk,
            referral.client_id,
            decision.allowed,
            decision.reason,
        )
        if decision.allowed:
            request.emergency_access = False
            return Reached(referral.client, referral, Side.RECEIVER)
        # Refused as the receiver: the record's own door decides, as for anyone else.
    client = client_for(request, client_id, action)
    if referral is None:
        raise Http404("No such referral for this client")
    return Reached(client, referral, Side.REFERRER)
