"""Writes about authorizations: drafting one, the client's signature, revocation, and the event
it expires on. Each service is atomic and writes its audit event in the same transaction."""

import datetime
import hashlib

from django.db import transaction
from django.utils import timezone

from kithkin.audit.services import audit_record
from kithkin.consent import packets
from kithkin.consent.models import Authorization, Disclosure
from kithkin.consent.selectors import as_core
from kithkin.consent.text import CATEGORY_LABELS, render, sha256
from kithkin.core.consent import Category, Decision, ReleaseRequest, Statement, decide
from kithkin.web.pdf import render_pdf


class ConsentError(ValueError):
    """A request the authorization cannot take, with a message fit for the client or staff."""


def _audit(by, action: str, authorization: Authorization, ip: str | None, reason: str = ""):
    audit_record(
        practice_id=authorization.practice_id,
        actor=by,
        action=action,
        resource_type="Authorization",
        resource_id=authorization.pk,
        client_id=authorization.client_id,
        reason=reason,
        ip=ip,
    )


def _categories(categories) -> list[str]:
    try:
        found = sorted({Category(c) for c in categories})
    except ValueError as unknown:
        raise ConsentError(f"Unknown category of information: {unknown}.") from None
    if not found:
        raise ConsentError("Say what information the authorization covers.")
    if Category.PSYCHOTHERAPY_NOTES in found and len(found) > 1:
        raise ConsentError(
            "Psychotherapy notes need an authorization of their own: draft one for them alone."
        )
    return [str(c) for c in found]


@transaction.atomic
def authorization_draft(
    *,
    client,
    by,
    categories,
    recipient_name: str,
    purposes,
    recipient_organisation: str = "",
    recipient_contact: str = "",
    expires_on: datetime.date | None = None,
    expiry_event: str = "",
    information_from: datetime.date | None = None,
    information_to: datetime.date | None = None,
    discloser: str = "",
    ip: str | None = None,
) -> Authorization:
    """An unsigned authorization with its exact text. The client reads that text and signs it
    (``authorization_sign``); nothing is released under a draft."""
    kinds = _categories(categories)
    recipient_name = recipient_name.strip()
    if not recipient_name:
        raise ConsentError("Name who will receive the information.")
    purposes = [p.strip() for p in purposes if p.strip()]
    if not purposes:
        raise ConsentError("State the purpose of the release.")
    expiry_event = expiry_event.strip()
    if expires_on is None and not expiry_event:
        raise ConsentError("Give an expiry date or an event on which the authorization ends.")
    if expires_on is not None and expires_on < timezone.localdate():
        raise ConsentError("The expiry date is in the past.")
    if information_from and information_to and information_from > information_to:
        raise ConsentError("The dates of the information are the wrong way round.")
    authorization = Authorization(
        practice_id=client.practice_id,
        client=client,
        categories=kinds,
        discloser=discloser.strip() or client.practice.name,
        recipient_name=recipient_name,
        recipient_organisation=recipient_organisation.strip(),
        recipient_contact=recipient_contact.strip(),
        purposes=purposes,
        expires_on=expires_on,
        expiry_event=expiry_event,
        information_from=information_from,
        information_to=information_to,
        statements=[str(s) for s in Statement],
        created_by=by,
    )
    # The legal name on a legal document, whatever name the client goes by.
    authorization.text = render(
        authorization, client_name=f"{client.given_name} {client.family_name}"
    )
    authorization.text_sha256 = sha256(authorization.text)
    authorization.save()
    _audit(by, "consent.authorization.draft", authorization, ip)
    return authorization


@transaction.atomic
def authorization_sign(
    *,
    authorization: Authorization,
    by,
    typed_name: str,
    shown_sha256: str,
    via: str,
    representative_authority: str = "",
    ip: str | None = None,
) -> Authorization:
    """The signature: the typed name, the time, and the SHA-256 of the text the signer was
    shown, which must be the text kept. ``representative_authority`` says why someone other
    than the client may sign for them (a guardian's order, a power of attorney)."""
    row = Authorization.objects.select_for_update().get(pk=authorization.pk)
    if row.signed_at is not None:
        raise ConsentError("This authorization is signed already.")
    if row.revoked_at is not None:
        raise ConsentError("This authorization was revoked; draft a new one.")
    if via not in Authorization.Via.values:
        raise ConsentError("Say where it was signed: in the portal or in the office.")
    typed_name = " ".join(typed_name.split())
    if not typed_name:
        raise ConsentError("Type your full name to sign.")
    if shown_sha256 != row.text_sha256 or sha256(row.text) != row.text_sha256:
        raise ConsentError("The text has changed since it was shown. Read it again before signing.")
    row.signed_name = typed_name
    row.signed_at = timezone.now()
    row.signed_sha256 = shown_sha256
    row.signed_via = via
    row.signed_by = by
    row.representative_authority = representative_authority.strip()
    row.signed_by_representative = bool(row.representative_authority)
    # The copy the client keeps, rendered once from what was signed and kept with it.
    row.signed_pdf = render_pdf(
        "consent/authorization_pdf.html",
        {"authorization": row, "signed_at_local": timezone.localtime(row.signed_at)},
    )
    row.save(
        update_fields=[
            "signed_name",
            "signed_at",
            "signed_sha256",
            "signed_via",
            "signed_by",
            "representative_authority",
            "signed_by_representative",
            "signed_pdf",
        ]
    )
    _audit(by, "consent.authorization.sign", row, ip, reason=f"signed {via}")
    return row


@transaction.atomic
def authorization_revoke(
    *, authorization: Authorization, by, via: str, note: str = "", ip: str | None = None
) -> Authorization:
    """Revocation, at once, for every later release. In the portal the client revokes it
    themself; in the office staff record the client's written request (``note`` says what was
    received, and when)."""
    row = Authorization.objects.select_for_update().get(pk=authorization.pk)
    if row.revoked_at is not None:
        raise ConsentError("This authorization is revoked already.")
    if via not in Authorization.Via.values:
        raise ConsentError("Say how it was revoked: in the portal or by a written request.")
    note = note.strip()
    if via == Authorization.Via.OFFICE and not note:
        raise ConsentError("Describe the client's written request to revoke (164.508(b)(5)).")
    row.revoked_at = timezone.now()
    row.revoked_by = by
    row.revocation_note = note
    row.save(update_fields=["revoked_at", "revoked_by", "revocation_note"])
    _audit(by, "consent.authorization.revoke", row, ip, reason=f"revoked {via}")
    return row


@transaction.atomic
def authorization_event_happened(
    *, authorization: Authorization, by, at: datetime.datetime | None = None, ip=None
) -> Authorization:
    """Records that the event the authorization expires on has happened (from then on it
    allows nothing)."""
    row = Authorization.objects.select_for_update().get(pk=authorization.pk)
    if not row.expiry_event:
        raise ConsentError("This authorization expires on a date, not on an event.")
    if row.expiry_event_at is not None:
        raise ConsentError("The event was recorded already.")
    row.expiry_event_at = at or timezone.now()
    row.save(update_fields=["expiry_event_at"])
    _audit(by, "consent.authorization.expire", row, ip, reason=row.expiry_event)
    return row


class ReleaseRefused(ConsentError):
    """A release the client's authorizations do not allow; ``reasons`` says every why."""

    def __init__(self, reasons):
        self.reasons = tuple(reasons)
        super().__init__(" ".join(self.reasons))


# Stricter than HIPAA, on purpose: psychotherapy notes never leave their author through
# Kithkin, whatever is signed. An authorization for them lets their author disclose them in
# person; no packet has a part for them.
NOTES_STAY = (
    "Kithkin never puts psychotherapy notes in a packet: they stay with the therapist who wrote "
    "them. An authorization for psychotherapy notes lets their author disclose them in person."
)


def describe(request: ReleaseRequest) -> str:
    """What the accounting of disclosures says was released."""
    kinds = "; ".join(CATEGORY_LABELS[c] for c in sorted(request.categories))
    span = f"{request.information_from.isoformat()} to {request.information_to.isoformat()}"
    return f"{kinds[:1].upper()}{kinds[1:]}, from {span}"


def release_make(
    *, client, by, request: ReleaseRequest, referral=None, ip: str | None = None
) -> Disclosure:
    """Releases what ``request`` asks for, if and only if the core's decision permits it: the
    packet (PDF and FHIR Bundle) is made, kept exactly as sent, and recorded for the accounting
    of disclosures, all in one transaction. A refusal writes no packet and no disclosure, only
    an audit event with its reasons, and raises :class:`ReleaseRefused` with them. With
    ``referral`` (an external referral being sent) the packet carries it too."""
    with transaction.atomic():
        # Locked, so a revocation that lands during the release waits for it, or wins before it.
        rows = list(Authorization.objects.select_for_update().filter(client=client).order_by("pk"))
        if Category.PSYCHOTHERAPY_NOTES in request.categories:
            decision = Decision(False, None, (NOTES_STAY,))
        else:
            decision = decide([as_core(row) for row in rows], request)
        if not decision.permitted:
            audit_record(
                practice_id=client.practice_id,
                actor=by,
                action="consent.release.refuse",
                resource_type="Client",
                resource_id=client.pk,
                client_id=client.pk,
                allowed=False,
                reason=" ".join(decision.reasons)[:1000],
                ip=ip,
            )
            disclosure = None
        else:
            authorization = next(r for r in rows if r.pk == decision.authorization_id)
            disclosure = _disclose(client, authorization, request, by=by, ip=ip, referral=referral)
    if disclosure is None:
        raise ReleaseRefused(decision.reasons)
    return disclosure


def _disclose(client, authorization, request, *, by, ip, referral) -> Disclosure:
    recipient = request.recipient
    disclosure = Disclosure.objects.create(
        practice_id=client.practice_id,
        client=client,
        authorization=authorization,
        released_at=request.at,
        released_by=by,
        recipient_name=recipient.name,
        recipient_organisation=recipient.organisation,
        recipient_contact=recipient.contact,
        categories=sorted(str(c) for c in request.categories),
        purpose=request.purpose,
        information_from=request.information_from,
        information_to=request.information_to,
        description=("With a referral: " if referral is not None else "") + describe(request),
        packet_pdf=b"",
        packet_bundle="",
        packet_sha256="",
    )
    packet = packets.gather(
        client=client,
        authorization=authorization,
        request=request,
        by=by,
        at=request.at,
        referral=referral,
    )
    disclosure.packet_bundle = packets.bundle_text(packet, disclosure_id=disclosure.pk)
    disclosure.packet_pdf = render_pdf(
        "consent/packet_pdf.html", {"packet": packet, "disclosure": disclosure}
    )
    disclosure.packet_sha256 = hashlib.sha256(disclosure.packet_pdf).hexdigest()
    disclosure.people_withheld = packet.withheld
    disclosure.save(
        update_fields=["packet_bundle", "packet_pdf", "packet_sha256", "people_withheld"]
    )
    audit_record(
        practice_id=client.practice_id,
        actor=by,
        action="consent.release.disclose",
        resource_type="Disclosure",
        resource_id=disclosure.pk,
        client_id=client.pk,
        reason=f"to {recipient.describe()} under authorization {authorization.pk}",
        ip=ip,
    )
    return disclosure


@transaction.atomic
def document_given(*, row, by, what: str, ip: str | None = None) -> None:
    """Records that a stored document left the server: a signed copy (``row`` an
    Authorization) or a packet as sent (a Disclosure). Reading the record's page is audited at
    the door; a download is a copy that can travel, so it leaves its own event."""
    audit_record(
        practice_id=row.practice_id,
        actor=by,
        action="consent.document.view",
        resource_type=type(row).__name__,
        resource_id=row.pk,
        client_id=row.client_id,
        reason=what,
        ip=ip,
    )
