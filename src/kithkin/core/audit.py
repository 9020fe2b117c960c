"""The audit chain: each event's hash covers the previous hash and the event itself.

``hash = SHA-256(previous hash ‖ canonical JSON of the event)``, one chain per practice, so editing,
deleting or reordering any stored event breaks every hash after it, and verification can name the
first event that no longer fits.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

GENESIS = "0" * 64


def canonical_json(payload: Mapping) -> bytes:
    """One byte string per event, whatever the key order or the database that stored it."""
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def chain_hash(previous_hash: str, payload: Mapping) -> str:
    return hashlib.sha256(previous_hash.encode("ascii") + canonical_json(payload)).hexdigest()


@dataclass(frozen=True)
class StoredEvent:
    """An event as read back from storage: its position, the hashes it claims, and its payload."""

    event_id: int
    seq: int
    previous_hash: str
    hash: str
    payload: Mapping


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    reason: str = ""


def verify_chain(
    events: Iterable[StoredEvent], *, head_seq: int | None = None, head_hash: str | None = None
) -> Verdict:
    """Walks one practice's events in ``seq`` order and names the first that does not fit.

    The head (the last seq and hash recorded when appending) catches a deleted or rewritten tail,
    which the events alone cannot show.
    """
    expected_previous, expected_seq, checked, last_id = GENESIS, 1, 0, None
    for event in events:
        if event.seq != expected_seq:
            return Verdict(
                False,
                checked,
                event.event_id,
                f"expected sequence number {expected_seq}, found {event.seq}",
            )
        if event.previous_hash != expected_previous:
            return Verdict(False, checked, event.event_id, "previous hash does not match the chain")
        if chain_hash(event.previous_hash, event.payload) != event.hash:
            return Verdict(
                False, checked, event.event_id, "hash does not match the event's content"
            )
        if event.payload.get("seq") != event.seq:
            return Verdict(
                False, checked, event.event_id, "sequence number differs from the hashed one"
            )
        expected_previous, expected_seq, last_id = event.hash, expected_seq + 1, event.event_id
        checked += 1
    if head_seq is not None and head_seq != expected_seq - 1:
        return Verdict(
            False,
            checked,
            last_id,
            f"chain head records {head_seq} events but {expected_seq - 1} remain",
        )
    if head_hash is not None and checked and head_hash != expected_previous:
        return Verdict(False, checked, last_id, "chain head hash does not match the last event")
    return Verdict(True, checked)
