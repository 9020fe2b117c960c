"""Restriction of processing at the client's request (GDPR Art. 18).

A client who asks for their record to be erased while the practice must keep it (the retention
period, GDPR Art. 17(3)(b) and (c)) has it restricted instead: kept, not used. The policy
(``kithkin.core.access``) then lets nobody write to it and nobody read it but the client in
their portal and a clinician on emergency access; the lists, jobs and exports leave the client
out. The practice admin records the restriction and lifts it. Each write is atomic and audited;
bad input raises :class:`RestrictionError` and writes nothing.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from kithkin.audit.services import audit_record
from kithkin.clients.models import Client, Restriction
from kithkin.core.access import Action, can

REQUEST_MAX = 4000
LIFT_REASON_MAX = 1000


class RestrictionError(ValueError):
    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


def _may_restrict(by, client: Client) -> None:
    # Imported here: accounts.access reads the restriction (clients.models) for every record.
    from kithkin.accounts.access import actor_for, record_for

    decision = can(actor_for(by), Action.RESTRICT_CLIENT, record_for(client))
    if not decision.allowed:
        raise RestrictionError(f"Not recorded: {decision.reason}.")


@transaction.atomic
def restriction_record(
    *, client: Client, by, request: str, requested_on: datetime.date, ip: str | None = None
) -> Restriction:
    """Restricts processing of the client's record from now, as the client asked on
    ``requested_on`` in ``request`` (their words, or the letter's)."""
    request = (request or "").strip()
    if not request:
        raise RestrictionError("Say what the client asked for, and how.", field="request")
    if len(request) > REQUEST_MAX:
        raise RestrictionError(f"Keep the request under {REQUEST_MAX} characters.", field="request")
    if requested_on > timezone.localdate():
        raise RestrictionError("The request cannot be dated in the future.", field="requested_on")
    _may_restrict(by, client)
    # The client row is the lock two admins take turns on; the partial unique constraint is the
    # backstop for one restriction in force.
    Client.objects.select_for_update(no_key=True).filter(pk=client.pk).first()
    if Restriction.objects.active().filter(client=client).exists():
        raise RestrictionError("This client's record is already restricted.")
    restriction = Restriction.objects.create(
        practice_id=client.practice_id,
        client=client,
        request=request,
        requested_on=requested_on,
        recorded_by=by,
        recorded_at=timezone.now(),
    )
    _audit(
        by,
        "client.restrict",
        restriction,
        ip,
        # The request is the client's own words and stays encrypted on the restriction; the
        # immutable trail points to it.
        reason=f"restriction {restriction.pk}, requested on {requested_on.isoformat()}",
    )
    return restriction


@transaction.atomic
def restriction_lift(
    *, restriction: Restriction, by, reason: str, ip: str | None = None
) -> Restriction:
    """Lifts the restriction: the client withdrew their request, or it was recorded in error.
    The record is back on its therapists' caseloads; the lifted restriction stays."""
    reason = (reason or "").strip()
    if not reason:
        raise RestrictionError("Say why the restriction is lifted.", field="reason")
    if len(reason) > LIFT_REASON_MAX:
        raise RestrictionError(
            f"Keep the reason under {LIFT_REASON_MAX} characters.", field="reason"
        )
    _may_restrict(by, restriction.client)
    locked = Restriction.objects.select_for_update().filter(pk=restriction.pk).first()
    if locked is None or locked.lifted_at is not None:
        raise RestrictionError("This restriction was already lifted.")
    locked.lifted_by = by
    locked.lifted_at = timezone.now()
    locked.lift_reason = reason
    locked.save(update_fields=["lifted_by", "lifted_at", "lift_reason"])
    _audit(by, "client.restriction_lift", locked, ip, reason=f"restriction {locked.pk} lifted")
    return locked


def _audit(by, action: str, restriction: Restriction, ip: str | None, reason: str) -> None:
    audit_record(
        practice_id=restriction.practice_id,
        actor=by,
        action=action,
        resource_type="Restriction",
        resource_id=restriction.pk,
        client_id=restriction.client_id,
        reason=reason,
        ip=ip,
    )
