"""Writes about referrals out: drafting one, sending it, and recording its answer. Each service
is atomic and writes its audit event in the same transaction; a refusal raises
:class:`ReferralError` before anything is written (or rolls back what a step wrote).

An internal transfer completes when the receiving therapist records the first session: the old
episode closes as ``referred``, the new therapist's relationship with the client starts (or
resumes) with a new episode, and the old therapist's relationship ends, in one transaction.
"""

import datetime
import uuid

from django.db import transaction
from django.utils import timezone

from kithkin.audit.services import audit_record
from kithkin.consent.selectors import as_core, record_start
from kithkin.consent.services import ReleaseRefused, release_make
from kithkin.core.consent import RECORD_PARTS, Party, ReleaseRequest, covered
from kithkin.core.disclosure import Audience, guard, redact
from kithkin.core.episodes import EndingType, Phase, TransitionRefused
from kithkin.core.referrals import (
    Kind,
    Reason,
    ReferralRefused,
    Side,
    Status,
    completes_transfer,
    move,
    send_refusals,
)
from kithkin.referrals.models import Referral
from kithkin.relationships import services as relationships
from kithkin.relationships.models import Episode, TherapyRelationship


class ReferralError(ValueError):
    """A request about a referral the record cannot take, with a message fit for the therapist.

    ``field`` names the form field the message belongs beside, when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


def _audit(by, action: str, referral: Referral, ip: str | None, reason: str = "") -> None:
    # The audit reason is stored in clear: statuses and ids, never the summary or a decline's
    # reason (both encrypted on the referral).
    audit_record(
        practice_id=referral.practice_id,
        actor=by,
        action=action,
        resource_type="Referral",
        resource_id=referral.pk,
        client_id=referral.client_id,
        reason=reason,
        ip=ip,
    )


def _open_episode(relationship: TherapyRelationship | None) -> Episode | None:
    if relationship is None:
        return None
    return relationship.episodes.exclude(phase=Phase.CLOSED).first()


@transaction.atomic
def referral_draft(
    *,
    client,
    by,
    kind: Kind | str,
    reason: Reason | str,
    handoff_summary: str,
    written_with_client: bool,
    authorization,
    to_therapist=None,
    recipient_name: str = "",
    recipient_organisation: str = "",
    recipient_contact: str = "",
    fit_review=None,
    key: uuid.UUID | None = None,
    ip: str | None = None,
) -> Referral:
    """A referral written with the client, not yet sent. ``by`` is a treating therapist of the
    client; the view has checked that. Sending it is :func:`referral_send`."""
    if key is not None:
        sent_before = Referral.objects.filter(idempotency_key=key, client=client).first()
        if sent_before is not None:
            return sent_before  # the same form sent twice drafts one referral
    try:
        kind, reason = Kind(kind), Reason(reason)
    except ValueError as unknown:
        raise ReferralError(f"{unknown}.") from None
    handoff_summary = handoff_summary.strip()
    if not handoff_summary:
        raise ReferralError(
            "Write the handoff summary with the client: what the next therapist needs to know.",
            field="handoff_summary",
        )
    if not written_with_client:
        # Seed 002: the client takes part in the ending and in where they go next.
        raise ReferralError(
            "Confirm that the handoff summary was written with the client.",
            field="written_with_client",
        )
    if authorization.client_id != client.pk or authorization.practice_id != client.practice_id:
        raise ReferralError("That authorization is not this client's.", field="authorization")
    if reason is Reason.FIT_REVIEW:
        if fit_review is None or fit_review.client_id != client.pk:
            raise ReferralError("Choose the client's fit review that decided to refer.")
    else:
        fit_review = None
    own = (
        TherapyRelationship.objects.filter(client=client, therapist=by, ended_on__isnull=True)
        .select_for_update()
        .first()
    )
    episode = _open_episode(own)
    if kind is Kind.INTERNAL:
        if to_therapist is None:
            raise ReferralError("Choose the therapist to transfer to.", field="to_therapist")
        if to_therapist.practice_id != client.practice_id or not to_therapist.is_clinician:
            raise ReferralError("Choose a therapist of this practice.", field="to_therapist")
        if not to_therapist.is_active:
            raise ReferralError(
                f"{to_therapist.display_name}'s account is deactivated.", field="to_therapist"
            )
        if to_therapist.pk == by.pk:
            raise ReferralError("Transfer to another therapist, not to yourself.")
        if client.therapy_relationships.filter(
            therapist=to_therapist, ended_on__isnull=True
        ).exists():
            raise ReferralError(
                f"{to_therapist.display_name} already sees this client: there is nothing to "
                "transfer.",
                field="to_therapist",
            )
        if episode is None:
            raise ReferralError(
                "A transfer hands over an open episode of your own with this client; there is "
                "none. Open one on the timeline, or refer outside the practice."
            )
        recipient_name = recipient_organisation = recipient_contact = ""
    else:
        to_therapist = None
        recipient_name = recipient_name.strip()
        if not recipient_name:
            raise ReferralError("Name the provider the client is referred to.", field="recipient")
    referral = Referral.objects.create(
        practice_id=client.practice_id,
        client=client,
        kind=kind,
        reason=reason,
        fit_review=fit_review,
        to_therapist=to_therapist,
        recipient_name=recipient_name,
        recipient_organisation=recipient_organisation.strip(),
        recipient_contact=recipient_contact.strip(),
        handoff_summary=handoff_summary,
        written_with_client=True,
        authorization=authorization,
        episode=episode,
        created_by=by,
        idempotency_key=key,
    )
    _audit(by, "referral.draft", referral, ip, reason=f"{kind} referral ({reason})")
    return referral


def _locked(referral: Referral) -> Referral:
    # Only the referral's own row is locked: PostgreSQL locks no row of an outer join (the
    # receiving therapist is null on an external referral).
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("authorization", "to_therapist", "client__practice")
        .get(pk=referral.pk)
    )


def _moved(referral: Referral, target: Status, side: Side) -> Status:
    try:
        return move(referral.status, target, kind=referral.kind, side=side)
    except ReferralRefused as refused:
        raise ReferralError(str(refused)) from None


def _recipient(referral: Referral) -> Party:
    if referral.is_internal:
        return Party(referral.to_therapist.display_name, referral.client.practice.name)
    return Party(
        referral.recipient_name, referral.recipient_organisation, referral.recipient_contact
    )


def authorization_refusals(referral: Referral, *, at: datetime.datetime | None = None) -> list:
    """Why the referral's authorization does not let it go now (none: it does)."""
    authorization = referral.authorization
    if authorization.client_id != referral.client_id:
        return ["The authorization is not this client's."]
    return send_refusals(
        as_core(authorization),
        kind=referral.kind,
        recipient=_recipient(referral),
        practice_name=referral.client.practice.name,
        # In the practice's time zone: an expiry day is the practice's day.
        at=timezone.localtime(at or timezone.now()),
    )


def _withheld_named(referral: Referral) -> list[str]:
    """The people the handoff summary names who may not be named outside the practice."""
    from kithkin.clients.models import Person
    from kithkin.fhir.resources.people import partner_view

    people = Person.objects.filter(client_id=referral.client_id).select_related("partner")
    withheld = guard((partner_view(p) for p in people), Audience.REFERRAL_PACKET).withheld
    text = referral.handoff_summary
    return [p.label for p in withheld if redact(text, [p], roles=False) != text]


@transaction.atomic
def referral_send(*, referral: Referral, by, ip: str | None = None) -> Referral:
    """Sends the referral, if the client's authorization allows it now. For a transfer, the
    receiving therapist may then read the referral (and only the referral) and answer it."""
    row = _locked(referral)
    target = _moved(row, Status.SENT, Side.REFERRER)
    refusals = authorization_refusals(row)
    if refusals:
        raise ReferralError(
            "The referral cannot be sent under authorization "
            f"{row.authorization_id}: " + " ".join(refusals)
        )
    if not row.is_internal:
        named = _withheld_named(row)
        if named:
            # The disclosure guard: someone who must not learn they are discussed is never
            # named in what leaves the practice. The therapist rewrites the summary.
            raise ReferralError(
                "The handoff summary names someone in the client's life who may not be named "
                f"outside the practice ({', '.join(sorted(named))}). Draft the referral again "
                "without them."
            )
    row.status = target
    row.sent_at = timezone.now()
    row.save(update_fields=["status", "sent_at", "updated_at"])
    if not row.is_internal:
        row.disclosure = _release(row, by=by, ip=ip)
        row.save(update_fields=["disclosure"])
    _audit(by, "referral.send", row, ip, reason=f"under authorization {row.authorization_id}")
    return row


def _release(referral: Referral, *, by, ip: str | None):
    """The packet that goes with an external referral: everything its authorization covers (never
    psychotherapy notes), from the record's dates it allows up to today, through the release
    service, so the core decides, the guard runs and the accounting of disclosures has it."""
    authorization = referral.authorization
    today = timezone.localdate()
    request = ReleaseRequest(
        recipient=_recipient(referral),
        categories=frozenset(covered(authorization.category_set) & RECORD_PARTS),
        purpose=authorization.purposes[0],
        information_from=authorization.information_from or record_start(referral.client),
        information_to=min(authorization.information_to or today, today),
        at=timezone.now(),
    )
    try:
        return release_make(
            client=referral.client, by=by, request=request, referral=referral, ip=ip
        )
    except ReleaseRefused as refused:
        raise ReferralError(
            "The referral's packet cannot be released: " + " ".join(refused.reasons)
        ) from None


@transaction.atomic
def referral_acknowledge(
    *, referral: Referral, by, side: Side | str = Side.REFERRER, ip: str | None = None
) -> Referral:
    """The recipient will take the client. In a transfer the receiving therapist says so; an
    external provider's answer is recorded by the referring therapist."""
    row = _locked(referral)
    row.status = _moved(row, Status.ACKNOWLEDGED, Side(side))
    row.acknowledged_at = timezone.now()
    row.save(update_fields=["status", "acknowledged_at", "updated_at"])
    _audit(by, "referral.acknowledge", row, ip)
    return row


@transaction.atomic
def referral_decline(
    *,
    referral: Referral,
    by,
    reason: str,
    side: Side | str = Side.REFERRER,
    ip: str | None = None,
) -> Referral:
    """The recipient, or the client, said no. The reason is kept (encrypted), and the client
    stays with their therapist: nothing about the episode changes."""
    row = _locked(referral)
    target = _moved(row, Status.DECLINED, Side(side))
    reason = reason.strip()
    if not reason:
        raise ReferralError("Say why the referral was declined.", field="decline_reason")
    row.status = target
    row.declined_at = timezone.now()
    row.decline_reason = reason
    row.save(update_fields=["status", "declined_at", "decline_reason", "updated_at"])
    _audit(by, "referral.decline", row, ip, reason=f"declined by the {Side(side)}")
    return row


@transaction.atomic
def referral_first_session(
    *, referral: Referral, by, side: Side | str = Side.REFERRER, ip: str | None = None
) -> Referral:
    """The client has met the new therapist. For a transfer this completes the handover
    (:func:`_transfer`); for an external referral it is recorded, and the therapist closes the
    episode on the timeline when the work here ends (a specialist may see the client alongside)."""
    row = _locked(referral)
    target = _moved(row, Status.FIRST_SESSION_HELD, Side(side))
    if completes_transfer(row.kind, target):
        refusals = authorization_refusals(row)
        if refusals:
            # The history moves with the client's consent, so not once it is withdrawn.
            raise ReferralError(
                "The transfer cannot complete: the client's authorization no longer allows it. "
                + " ".join(refusals)
            )
        row.new_episode = _transfer(row, by=by, ip=ip)
    row.status = target
    row.first_session_at = timezone.now()
    row.save(update_fields=["status", "first_session_at", "new_episode", "updated_at"])
    _audit(by, "referral.first_session", row, ip)
    return row


def _transfer(referral: Referral, *, by, ip: str | None) -> Episode:
    """Hands the client over to the receiving therapist, inside the caller's transaction: the
    old episode closes as ``referred``, the new relationship starts or resumes with a new
    episode, and the old relationship ends. Any refusal on the way undoes all of it."""
    today = timezone.localdate()
    client = referral.client
    old = Episode.objects.select_related("relationship").get(pk=referral.episode_id)
    try:
        if old.is_open:
            relationships.episode_transition(
                episode=old,
                by=by,
                to=Phase.CLOSED,
                ending_type=EndingType.REFERRED,
                reason=f"Transferred to {referral.to_therapist.display_name}.",
                ip=ip,
            )
        episode = relationships.relationship_hand_over(
            client=client,
            to=referral.to_therapist,
            previous=old.relationship,
            by=by,
            on=today,
            reason=f"transfer, referral {referral.pk}",
            ip=ip,
        )
    except (TransitionRefused, relationships.EpisodeError) as refused:
        raise ReferralError(f"The transfer cannot complete: {refused}") from None
    return episode
