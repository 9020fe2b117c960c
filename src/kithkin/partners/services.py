"""Writes about the people in a client's life and their part in the plan. Each service is
atomic and writes its audit event in the same transaction."""

import datetime

from django.db import transaction
from django.utils import timezone

from kithkin.audit.services import audit_record
from kithkin.clients.models import Client, Person, PersonKind
from kithkin.core.vocabulary import TYPES
from kithkin.partners.models import InvolvementChange, PlannedAction, TherapyPartner


class PartnerError(ValueError):
    """A request the plan cannot take, with a message fit for the therapist."""


def _audit(
    by,
    action: str,
    person: Person,
    ip: str | None,
    resource_type="Person",
    resource_id=None,
    reason="",
):
    audit_record(
        practice_id=person.practice_id,
        actor=by,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id if resource_id is not None else person.pk,
        client_id=person.client_id,
        reason=reason,
        ip=ip,
    )


def _check_kinds(kinds) -> list[str]:
    known = set(TYPES)
    unknown = sorted(set(kinds) - known)
    if unknown:
        raise PartnerError(f"Unknown relationship type: {', '.join(unknown)}.")
    return sorted(set(kinds))


@transaction.atomic
def person_add(
    *,
    client: Client,
    by,
    name: str,
    role: str = "",
    kinds=(),
    notes: str = "",
    since: datetime.date | None = None,
    ip: str | None = None,
) -> Person:
    name = name.strip()
    if not name:
        raise PartnerError("Give the person a name or a label, such as 'her coworkers'.")
    kinds = _check_kinds(kinds)
    person = Person.objects.create(
        practice_id=client.practice_id, client=client, name=name, role=role.strip(), notes=notes
    )
    since = since or timezone.localdate()
    PersonKind.objects.bulk_create(
        PersonKind(practice_id=client.practice_id, person=person, kind=kind, since=since)
        for kind in kinds
    )
    _audit(by, "person.create", person, ip)
    return person


@transaction.atomic
def person_set_kinds(
    *, person: Person, by, kinds, on: datetime.date | None = None, ip=None
) -> None:
    """Closes the types that ended and opens the new ones on ``on``, keeping the history."""
    kinds = set(_check_kinds(kinds))
    on = on or timezone.localdate()
    current = {k.kind: k for k in person.kinds.filter(until__isnull=True).select_for_update()}
    ended = [row.pk for kind, row in current.items() if kind not in kinds]
    PersonKind.objects.filter(pk__in=ended).update(until=on)
    PersonKind.objects.bulk_create(
        PersonKind(practice_id=person.practice_id, person=person, kind=kind, since=on)
        for kind in sorted(kinds - set(current))
    )
    _audit(by, "person.kinds_change", person, ip, reason=", ".join(sorted(kinds)))


@transaction.atomic
def partner_set(
    *,
    person: Person,
    by,
    involvement: str,
    knows_in_therapy: bool = False,
    knows_discussed: bool = False,
    may_contact: bool = False,
    contact_note: str = "",
    reason: str = "",
    ip: str | None = None,
) -> TherapyPartner:
    """Makes the person a therapy partner, or changes how they are involved.

    Moving a partner out of `unaware` may expose them to what leaves the practice, so it needs
    a reason, which is kept and audited.
    """
    if involvement not in TherapyPartner.Involvement.values:
        raise PartnerError(f"Unknown involvement: {involvement}.")
    if involvement == TherapyPartner.Involvement.UNAWARE and knows_discussed:
        raise PartnerError("Someone who must not know they are discussed cannot know it.")
    partner = TherapyPartner.objects.select_for_update().filter(person=person).first()
    before = partner.involvement if partner else ""
    lifting = before == TherapyPartner.Involvement.UNAWARE and involvement != before
    if lifting and not reason.strip():
        raise PartnerError(
            "Give a reason for no longer treating this person as unaware: from now on they may "
            "appear in letters, referrals and exports."
        )
    fields = dict(
        involvement=involvement,
        knows_in_therapy=knows_in_therapy,
        knows_discussed=knows_discussed,
        may_contact=may_contact,
        contact_note=contact_note,
    )
    if partner is None:
        partner = TherapyPartner.objects.create(
            practice_id=person.practice_id, person=person, **fields
        )
    else:
        for name, value in fields.items():
            setattr(partner, name, value)
        partner.save()
    if before != involvement:
        change = InvolvementChange.objects.create(
            practice_id=person.practice_id,
            partner=partner,
            from_involvement=before,
            to_involvement=involvement,
            reason=reason.strip(),
            changed_by=by,
        )
        _audit(
            by,
            "partner.involvement_change",
            person,
            ip,
            resource_type="TherapyPartner",
            resource_id=partner.pk,
            reason=f"{before or 'none'} -> {involvement} (change {change.pk})",
        )
    else:
        _audit(
            by, "partner.update", person, ip, resource_type="TherapyPartner", resource_id=partner.pk
        )
    return partner


@transaction.atomic
def action_plan(
    *,
    partner: TherapyPartner,
    by,
    text: str,
    window_start: datetime.date,
    window_end: datetime.date | None = None,
    client_paced: bool = False,
    ip: str | None = None,
) -> PlannedAction:
    text = text.strip()
    if not text:
        raise PartnerError("Say what is planned.")
    if window_end is not None and window_end < window_start:
        raise PartnerError("The window cannot end before it starts.")
    action = PlannedAction.objects.create(
        practice_id=partner.practice_id,
        partner=partner,
        text=text,
        planned_on=timezone.localdate(),
        window_start=window_start,
        window_end=window_end,
        client_paced=client_paced,
        created_by=by,
    )
    _audit(
        by,
        "action.create",
        partner.person,
        ip,
        resource_type="PlannedAction",
        resource_id=action.pk,
    )
    return action


@transaction.atomic
def action_done(
    *, action: PlannedAction, by, on: datetime.date | None = None, ip=None
) -> PlannedAction:
    action.done_on = on or timezone.localdate()
    action.save(update_fields=["done_on"])
    _audit(
        by,
        "action.done",
        action.partner.person,
        ip,
        resource_type="PlannedAction",
        resource_id=action.pk,
    )
    return action
