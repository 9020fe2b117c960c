"""The consent decision: whether a release of information may go, and every reason why not.

A release to the next provider needs the client's written, signed authorization (seed 002:
"as long as the client has provided written and signed consent giving permission to release
information"). HIPAA 45 CFR 164.508(c) says what a valid one holds: a specific description of the
information, who may disclose it, who may receive it, each purpose, an expiry date or event, the
signature and its date (and a representative's authority), and three statements: the right to
revoke in writing, whether treatment is conditioned on signing, and the risk of redisclosure.
Psychotherapy notes need an authorization of their own, never combined with another kind
(164.508(a)(2), (b)(3)(ii)).

:func:`decide` sees plain facts, so a privacy officer can read every rule here and every case in
its table tests. It never releases on doubt: an authorization that lacks an element, or whose
signature is on other text than the text kept, covers nothing.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    """What an authorization may cover: the record by parts, or all of it but the notes."""

    PLAN = "plan"
    PROGRESS_SUMMARIES = "progress_summaries"  # summaries of progress notes, not the notes
    MEASURES = "measures"
    ENDING_REVIEW = "ending_review"
    FULL_RECORD = "full_record"  # every part above; never the psychotherapy notes
    PSYCHOTHERAPY_NOTES = "psychotherapy_notes"


RECORD_PARTS = frozenset(
    {Category.PLAN, Category.PROGRESS_SUMMARIES, Category.MEASURES, Category.ENDING_REVIEW}
)


class Statement(StrEnum):
    """The three statements 164.508(c)(2) requires, each in the text the client signs."""

    RIGHT_TO_REVOKE = "right_to_revoke"  # in writing, and how
    CONDITIONING = "conditioning"  # whether treatment depends on signing
    REDISCLOSURE = "redisclosure"  # what is released may be disclosed again


@dataclass(frozen=True)
class Party:
    """Who receives (or discloses): a person or an organisation, with where the packet goes."""

    name: str
    organisation: str = ""
    contact: str = ""  # address, secure email or fax: where the packet is sent

    def key(self) -> tuple[str, str, str]:
        # The same recipient however the name was typed; a different address is not the same.
        return tuple(
            " ".join(part.split()).casefold()
            for part in (self.name, self.organisation, self.contact)
        )

    def describe(self) -> str:
        return ", ".join(part for part in (self.name, self.organisation) if part.strip())


@dataclass(frozen=True)
class Signature:
    name: str  # as typed by the signer
    at: datetime.datetime
    text_sha256: str  # of the exact text the signer was shown
    authority: str = ""  # a representative's authority to act for the client; "" is the client


@dataclass(frozen=True)
class Authorization:
    authorization_id: int
    categories: frozenset[Category]
    discloser: str
    recipient: Party
    purposes: frozenset[str]
    text_sha256: str  # of the exact text kept with the authorization
    statements: frozenset[Statement]
    signature: Signature | None = None
    signed_by_representative: bool = False
    expires_on: datetime.date | None = None  # the last day it holds
    expiry_event: str = ""  # "the end of treatment with the recipient"
    expiry_event_at: datetime.datetime | None = None  # when that event happened, if it has
    information_from: datetime.date | None = None  # the record's dates it covers, if limited
    information_to: datetime.date | None = None
    revoked_at: datetime.datetime | None = None


@dataclass(frozen=True)
class ReleaseRequest:
    recipient: Party
    categories: frozenset[Category]
    purpose: str
    information_from: datetime.date
    information_to: datetime.date
    at: datetime.datetime  # in the practice's time zone: an expiry day is the practice's day


@dataclass(frozen=True)
class Decision:
    permitted: bool
    authorization_id: int | None
    reasons: tuple[str, ...]


def covered(categories: Iterable[Category]) -> frozenset[Category]:
    """The categories an authorization's list covers: the full record is every part of it."""
    found = frozenset(categories)
    return found | RECORD_PARTS if Category.FULL_RECORD in found else found


def _text(value: str) -> str:
    return " ".join(value.split()).casefold()


def defects(authorization: Authorization) -> list[str]:
    """What makes ``authorization`` invalid in itself, as sentences (none: it is valid)."""
    found = []
    categories = authorization.categories
    if not categories:
        found.append("It does not say what information it covers.")
    if Category.PSYCHOTHERAPY_NOTES in categories and len(categories) > 1:
        found.append(
            "It combines psychotherapy notes with other information; psychotherapy notes need "
            "an authorization of their own."
        )
    if not authorization.discloser.strip():
        found.append("It does not say who may disclose the information.")
    if not authorization.recipient.name.strip():
        found.append("It does not say who may receive the information.")
    if not any(purpose.strip() for purpose in authorization.purposes):
        found.append("It does not state a purpose.")
    if authorization.expires_on is None and not authorization.expiry_event.strip():
        found.append("It has no expiry date or event.")
    missing = sorted(set(Statement) - authorization.statements)
    if missing:
        found.append(f"It lacks the required statements: {', '.join(missing)}.")
    signature = authorization.signature
    if signature is None or not signature.name.strip():
        found.append("It is not signed.")
    else:
        if signature.text_sha256 != authorization.text_sha256:
            found.append("The signature is on different text from the text kept.")
        if authorization.signed_by_representative and not signature.authority.strip():
            found.append("A representative signed without stating their authority.")
    return found


def standing(authorization: Authorization, at: datetime.datetime) -> list[str]:
    """Why ``authorization`` allows nothing at ``at`` (none: it is in force then): a defect,
    a signature after that time, a revocation, or an expiry."""
    found = defects(authorization)
    signature = authorization.signature
    if signature is not None and signature.at > at:
        found.append("It was signed after the time of the release.")
    if authorization.revoked_at is not None and authorization.revoked_at <= at:
        found.append(f"It was revoked on {authorization.revoked_at.date().isoformat()}.")
    if authorization.expires_on is not None and at.date() > authorization.expires_on:
        found.append(f"It expired on {authorization.expires_on.isoformat()}.")
    event_at = authorization.expiry_event_at
    if event_at is not None and event_at <= at:
        found.append(f"It expired when this happened: {authorization.expiry_event}.")
    return found


def _why_not(authorization: Authorization, request: ReleaseRequest) -> list[str]:
    """Why ``authorization`` does not allow ``request`` (none: it does)."""
    found = standing(authorization, request.at)
    if authorization.recipient.key() != request.recipient.key():
        found.append(f"It names a different recipient ({authorization.recipient.describe()}).")
    wider = sorted(request.categories - covered(authorization.categories))
    if wider:
        found.append(f"It does not cover: {', '.join(wider)}.")
    if _text(request.purpose) not in {_text(p) for p in authorization.purposes}:
        found.append(f"It does not cover the purpose {request.purpose!r}.")
    start, end = authorization.information_from, authorization.information_to
    if (start is not None and request.information_from < start) or (
        end is not None and request.information_to > end
    ):
        found.append("It does not cover information from those dates.")
    return found


_NEVER = datetime.datetime.min.replace(tzinfo=datetime.UTC)


def _signed_at(authorization: Authorization) -> datetime.datetime:
    return authorization.signature.at if authorization.signature else _NEVER


def _request_defects(request: ReleaseRequest) -> list[str]:
    found = []
    if not request.categories:
        found.append("The release names no information.")
    if Category.PSYCHOTHERAPY_NOTES in request.categories and len(request.categories) > 1:
        found.append(
            "Psychotherapy notes are released on their own, never in a packet with other "
            "information."
        )
    if request.information_from > request.information_to:
        found.append("The release's dates are the wrong way round.")
    if not request.purpose.strip():
        found.append("The release states no purpose.")
    return found


def decide(authorizations: Iterable[Authorization], request: ReleaseRequest) -> Decision:
    """Whether ``request`` may be released, under which authorization, and why.

    Permitted only when one authorization is valid, signed, unrevoked and unexpired at the time,
    names this recipient, and covers every category, the purpose and the dates asked for. Denied
    otherwise, with every authorization's reasons.
    """
    refused = _request_defects(request)
    if refused:
        return Decision(False, None, tuple(refused))
    reasons = []
    newest_first = sorted(authorizations, key=_signed_at, reverse=True)
    for authorization in newest_first:
        why_not = _why_not(authorization, request)
        if not why_not:
            categories = ", ".join(sorted(request.categories))
            return Decision(
                True,
                authorization.authorization_id,
                (
                    f"Authorization {authorization.authorization_id} allows {categories} to "
                    f"{request.recipient.describe()} for {request.purpose!r}.",
                ),
            )
        reasons += [f"Authorization {authorization.authorization_id}: {r}" for r in why_not]
    if not reasons:
        reasons.append("There is no authorization from the client for any release.")
    return Decision(False, None, tuple(reasons))
