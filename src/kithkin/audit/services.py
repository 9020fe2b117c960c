"""Appending to the audit trail. Services call :func:`audit_record` inside their own transaction,
so a change and its event commit together or not at all."""

from django.db import transaction
from django.utils import timezone

from kithkin.audit.models import AuditEvent, ChainHead
from kithkin.core.audit import GENESIS, chain_hash


# No savepoint of its own inside a service's transaction (two statements fewer per event): an
# error here dooms the whole transaction, as a change must not commit without its event.
@transaction.atomic(savepoint=False)
def audit_record(
    *,
    practice_id: int,
    actor,
    action: str,
    resource_type: str,
    resource_id: object = "",
    client_id: int | None = None,
    allowed: bool = True,
    reason: str = "",
    ip: str | None = None,
    emergency: bool = False,
) -> AuditEvent:
    # The row lock makes concurrent appenders on PostgreSQL take turns; SQLite's IMMEDIATE
    # transactions already allow one writer at a time.
    heads = ChainHead.objects.select_for_update()
    try:
        head = heads.get(practice_id=practice_id)
    except ChainHead.DoesNotExist:
        ChainHead.objects.get_or_create(practice_id=practice_id, defaults={"hash": GENESIS})
        head = heads.get(practice_id=practice_id)
    event = AuditEvent(
        practice_id=practice_id,
        seq=head.seq + 1,
        occurred_at=timezone.now(),
        actor_id=getattr(actor, "pk", None),
        actor_username=getattr(actor, "username", "") or "",
        actor_role=getattr(actor, "role", "") or "",
        action=action,
        resource_type=resource_type,
        resource_id=str(resource_id),
        client_id=client_id,
        outcome=AuditEvent.Outcome.ALLOWED if allowed else AuditEvent.Outcome.DENIED,
        reason=reason[:300],
        ip=ip,
        emergency=emergency,
        previous_hash=head.hash,
    )
    event.hash = chain_hash(head.hash, event.payload())
    event.save(force_insert=True)
    ChainHead.objects.filter(pk=practice_id).update(seq=event.seq, hash=event.hash)
    return event
