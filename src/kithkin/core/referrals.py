"""Referral out: the kinds, the reasons, and which status moves a referral takes, by whom.

Seed 002: when the fit is not right, or the client needs a specialty or a capacity the therapist
cannot give, the therapist refers on, "as long as the client has provided written and signed
consent giving permission to release information". A referral goes to another therapist of the
practice (an internal transfer) or to a provider outside it.

The statuses, in order:
    drafted             written with the client, not yet sent
    sent                the recipient has it (and, for a transfer, may read the handoff)
    acknowledged        the recipient has answered that they will take the client
    first_session_held  the client has met the new therapist: the referral has done its work
    declined            the recipient, or the client, said no (with the reason)

The rules:
    1. A referral moves one step forward at a time: drafted to sent, sent to acknowledged,
       acknowledged to first session held. A first session is held with someone who took the
       client on, so acknowledging comes first even when it is recorded the same day.
    2. Any status before the first session may end in declined: the recipient says no, or the
       client changes their mind. Declined and first session held are final.
    3. Who moves it. An external provider answers outside Kithkin, so the referring therapist
       records every step. In an internal transfer the referring therapist sends it (and may
       record the client's decline), and the receiving therapist, once it is sent, answers
       it: acknowledges, records the first session, or declines.
"""

import datetime
from dataclasses import dataclass
from enum import StrEnum

from kithkin.core.consent import RECORD_PARTS, Authorization, Category, Party, covered, standing


class Kind(StrEnum):
    INTERNAL = "internal"  # another therapist of the practice: a transfer of care
    EXTERNAL = "external"  # a provider outside the practice

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


class Reason(StrEnum):
    FIT = "fit"
    SPECIALTY = "specialty"
    CAPACITY = "capacity"
    CLIENT_REQUEST = "client_request"
    FIT_REVIEW = "fit_review"  # a fit review with the client decided to refer (seed 002)

    @property
    def label(self) -> str:
        return REASON_LABELS[self]


class Status(StrEnum):
    DRAFTED = "drafted"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    FIRST_SESSION_HELD = "first_session_held"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def is_final(self) -> bool:
        return self in FINAL


class Side(StrEnum):
    """Which end of the referral someone is on."""

    REFERRER = "referrer"  # the treating therapist who makes the referral
    RECEIVER = "receiver"  # the receiving therapist of an internal transfer


KIND_LABELS = {
    Kind.INTERNAL: "Transfer to another therapist here",
    Kind.EXTERNAL: "Referral to a provider outside the practice",
}

REASON_LABELS = {
    Reason.FIT: "The fit between client and therapist",
    Reason.SPECIALTY: "A specialty the client needs",
    Reason.CAPACITY: "The therapist's capacity",
    Reason.CLIENT_REQUEST: "The client asked",
    Reason.FIT_REVIEW: "A fit review decided to refer",
}

STATUS_LABELS = {
    Status.DRAFTED: "Drafted",
    Status.SENT: "Sent",
    Status.ACKNOWLEDGED: "Acknowledged",
    Status.FIRST_SESSION_HELD: "First session held",
    Status.DECLINED: "Declined",
}

# The verb on each move's button, and in the messages.
MOVE_LABELS = {
    Status.SENT: "Send",
    Status.ACKNOWLEDGED: "Record the acknowledgement",
    Status.FIRST_SESSION_HELD: "Record the first session",
    Status.DECLINED: "Record a decline",
}

FINAL = frozenset({Status.FIRST_SESSION_HELD, Status.DECLINED})

# Rules 1 and 2: where each status may go.
NEXT = {
    Status.DRAFTED: (Status.SENT, Status.DECLINED),
    Status.SENT: (Status.ACKNOWLEDGED, Status.DECLINED),
    Status.ACKNOWLEDGED: (Status.FIRST_SESSION_HELD, Status.DECLINED),
    Status.FIRST_SESSION_HELD: (),
    Status.DECLINED: (),
}

# Rule 3: in a transfer, which side makes each move. An external referral is all the referrer's.
INTERNAL_SIDES = {
    Status.SENT: frozenset({Side.REFERRER}),
    Status.ACKNOWLEDGED: frozenset({Side.RECEIVER}),
    Status.FIRST_SESSION_HELD: frozenset({Side.RECEIVER}),
    Status.DECLINED: frozenset({Side.REFERRER, Side.RECEIVER}),
}

# Statuses in which a transfer is under way, and its receiver answers it.
AWAITING = frozenset({Status.SENT, Status.ACKNOWLEDGED})


class ReferralRefused(ValueError):
    """A move the referral will not take, with a message fit for the therapist."""


@dataclass(frozen=True)
class Move:
    status: Status
    label: str


def _member(kind, value, noun: str):
    try:
        return kind(value)
    except ValueError:
        raise ReferralRefused(f"There is no {noun} called {value!r}.") from None


def _sides(kind: Kind, status: Status, target: Status) -> frozenset[Side]:
    if kind is Kind.EXTERNAL or status is Status.DRAFTED:
        # A draft is the referrer's alone: the receiver has not been sent it.
        return frozenset({Side.REFERRER})
    return INTERNAL_SIDES[target]


def moves(status: Status | str, kind: Kind | str, side: Side | str) -> tuple[Move, ...]:
    """The moves ``side`` may make on a ``kind`` referral in ``status``, in the usual order."""
    status, kind, side = Status(status), Kind(kind), Side(side)
    return tuple(
        Move(target, MOVE_LABELS[target])
        for target in NEXT[status]
        if side in _sides(kind, status, target)
    )


def move(
    status: Status | str, target: Status | str, *, kind: Kind | str, side: Side | str
) -> Status:
    """The status after moving to ``target``, or :class:`ReferralRefused` saying why not."""
    status = _member(Status, status, "referral status")
    target = _member(Status, target, "referral status")
    kind = _member(Kind, kind, "kind of referral")
    side = Side(side)
    if status.is_final:
        raise ReferralRefused(
            f"This referral is {status.label.lower()}: it stays as it ended. Draft a new one "
            "if the client is to be referred again."
        )
    if target is status:
        raise ReferralRefused(f"The referral is already {status.label.lower()}.")
    if target not in NEXT[status]:
        raise ReferralRefused(
            f"A referral that is {status.label.lower()} cannot become {target.label.lower()}; "
            f"it can become {_or(s.label.lower() for s in NEXT[status])}."
        )
    if side not in _sides(kind, status, target):
        if side is Side.REFERRER:
            raise ReferralRefused(
                "The receiving therapist answers a transfer: they acknowledge it and record "
                "the first session."
            )
        raise ReferralRefused("The referring therapist sends the transfer.")
    return target


def completes_transfer(kind: Kind | str, target: Status | str) -> bool:
    """Whether reaching ``target`` hands the client over. The old therapist stays responsible
    until the client has met the new one: a transfer that is acknowledged but never starts
    must not leave the client with no therapist at all."""
    return Kind(kind) is Kind.INTERNAL and Status(target) is Status.FIRST_SESSION_HELD


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def send_refusals(
    authorization: Authorization,
    *,
    kind: Kind | str,
    recipient: Party,
    practice_name: str,
    at: datetime.datetime,
) -> list[str]:
    """Why the referral may not go under ``authorization`` at ``at`` (none: it may).

    The authorization must be in force then (signed, unrevoked, unexpired: ``standing``) and
    name the referral's recipient.

    - External: the same recipient as the referral names (``Party.key``: name, organisation and
      where it is sent, however typed). Its handoff summary is a summary of the therapy, so
      the authorization covers progress summaries (or the full record).
    - Internal: the receiving therapist, by the name the practice knows them by (their display
      name), and, if it names an organisation, this practice; where a packet would be sent is
      beside the point, since nothing leaves the practice. A transfer carries the whole record
      forward to the new therapist (sessions, plans, measures, maps), so the authorization
      covers the full record. Psychotherapy notes never move: they stay their author's alone.
    """
    kind = Kind(kind)
    found = list(standing(authorization, at))
    named = authorization.recipient
    if kind is Kind.EXTERNAL:
        if named.key() != recipient.key():
            found.append(
                f"It names a different recipient ({named.describe()}), not {recipient.describe()}."
            )
        if Category.PROGRESS_SUMMARIES not in covered(authorization.categories):
            found.append(
                "It does not cover summaries of the therapy (progress summaries or the full "
                "record), which the handoff summary is."
            )
        return found
    if not _same(named.name, recipient.name) or (
        named.organisation.strip() and not _same(named.organisation, practice_name)
    ):
        found.append(
            f"It names a different recipient ({named.describe()}), not {recipient.name} of "
            f"{practice_name}."
        )
    if not covered(authorization.categories) >= RECORD_PARTS:
        found.append(
            "A transfer carries the whole record to the new therapist: the authorization must "
            "cover the full record."
        )
    return found


def _or(words) -> str:
    words = list(words)
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]
