from collections.abc import Iterator

from kithkin.audit.models import AuditEvent, ChainHead
from kithkin.core.audit import StoredEvent, Verdict, verify_chain


def record_access_log(*, practice_id: int, client_id: int, limit: int = 200):
    """Who opened or changed a client's record, newest first."""
    return (
        AuditEvent.objects.filter(practice_id=practice_id, client_id=client_id)
        .order_by("-seq")
        .only(
            "occurred_at",
            "actor_username",
            "actor_role",
            "action",
            "outcome",
            "emergency",
            "reason",
        )[:limit]
    )


def _stored(practice_id: int, batch: int = 2000) -> Iterator[StoredEvent]:
    # Keyset pages in seq order keep memory flat however long the chain grows.
    after = 0
    while True:
        rows = list(
            AuditEvent.objects.filter(practice_id=practice_id, seq__gt=after).order_by("seq")[
                :batch
            ]
        )
        if not rows:
            return
        for row in rows:
            yield StoredEvent(row.pk, row.seq, row.previous_hash, row.hash, row.payload())
        after = rows[-1].seq


def verify_practice(practice_id: int) -> Verdict:
    head = ChainHead.objects.filter(practice_id=practice_id).first()
    return verify_chain(
        _stored(practice_id),
        head_seq=head.seq if head else 0,
        head_hash=head.hash if head else None,
    )


def practices_with_events() -> list[int]:
    ids = set(ChainHead.objects.values_list("practice_id", flat=True))
    ids |= set(AuditEvent.objects.values_list("practice_id", flat=True).distinct())
    return sorted(ids)
