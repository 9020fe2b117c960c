"""Reads of the people in a client's life, their partner roles and planned actions."""

from django.db.models import Prefetch
from django.utils import timezone

from kithkin.clients.models import Person, PersonKind, restricted
from kithkin.core.access import Actor, Role
from kithkin.core.disclosure import Audience, PartnerView, guard
from kithkin.core.partners import ActionStatus, window_phrase
from kithkin.partners.models import PlannedAction
from kithkin.relationships.models import TherapyRelationship


def people_of(client):
    """Everyone in the client's life with current types, partner role and actions: 4 queries."""
    return list(
        Person.objects.filter(client=client)
        .select_related("partner")
        .prefetch_related(
            Prefetch(
                "kinds", queryset=PersonKind.objects.order_by("since", "kind"), to_attr="all_kinds"
            ),
            Prefetch(
                "partner__actions",
                queryset=PlannedAction.objects.order_by("window_start", "pk"),
                to_attr="planned",
            ),
        )
        .order_by("name", "pk")
    )


def people_for(client, audience: Audience) -> list[Person]:
    """The client's people that ``audience`` may see, sorted by name: one query.

    Every page or document that shows a client's people outside the treating therapist's own
    pages gets them here, so the disclosure guard decides for all of them; an ``unaware`` partner
    (or anyone not known to be safe to name) never reaches an outbound audience.
    """
    people = list(
        Person.objects.filter(client=client).select_related("partner").order_by("name", "pk")
    )
    views = {
        person.pk: PartnerView(
            person_id=person.pk,
            label=person.name,
            involvement=getattr(getattr(person, "partner", None), "involvement", None),
            role=person.role,
        )
        for person in people
    }
    kept = {view.person_id for view in guard(views.values(), audience).kept}
    return [person for person in people if person.pk in kept]


def describe_action(action: PlannedAction, *, pronouns: str, today) -> dict:
    return {
        "action": action,
        "status": action.status(today),
        "when": window_phrase(
            planned_on=action.planned_on,
            window_start=action.window_start,
            window_end=action.window_end,
            client_paced=action.client_paced,
            pronouns=pronouns,
        ),
    }


WORKLIST_ORDER = [
    ActionStatus.OVERDUE,
    ActionStatus.DUE,
    ActionStatus.WAITING_ON_CLIENT,
    ActionStatus.UPCOMING,
]


def worklist(*, actor: Actor, today=None) -> dict[ActionStatus, list[dict]]:
    """Open actions with the partners of the clinician's clients, grouped by where they stand.
    Client-paced actions are listed as waiting on the client, never as overdue."""
    today = today or timezone.localdate()
    therapist_ids = {actor.user_id}
    if actor.role is Role.SUPERVISOR:
        therapist_ids |= actor.supervisee_ids
    # A restricted client's record is not used (GDPR Art. 18): their actions wait unseen.
    clients = (
        TherapyRelationship.objects.filter(therapist_id__in=therapist_ids, ended_on__isnull=True)
        .filter(~restricted("client_id"))
        .values("client_id")
    )
    actions = (
        PlannedAction.objects.filter(
            practice_id=actor.practice_id,
            done_on__isnull=True,
            partner__person__client_id__in=clients,
        )
        .select_related("partner__person__client")
        .order_by("window_start", "pk")
    )
    groups = {status: [] for status in WORKLIST_ORDER}
    for action in actions:
        row = describe_action(action, pronouns=action.partner.person.client.pronouns, today=today)
        groups[row["status"]].append(row)
    return groups
