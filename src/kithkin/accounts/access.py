"""The one door to the access policy for pages and the API.

Views never decide access themselves: they ask :func:`client_for` or
:func:`require_in_practice`, which translate the pure decision into 404 or 403 and leave an
audit event for every clinical read, allowed or denied.
"""

import dataclasses
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db.models import F, FilteredRelation, Q
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone

from kithkin.accounts.models import EmergencyAccess
from kithkin.audit.request import client_ip
from kithkin.audit.services import audit_record
from kithkin.clients.models import Client, Restriction, restricted
from kithkin.core.access import (
    CLINICIANS,
    Action,
    Actor,
    ClientRecord,
    PracticeScope,
    Role,
    can,
)


def actor_for(user) -> Actor:
    """The policy's view of a logged-in user; cached on the user object for the request."""
    cached = getattr(user, "_kithkin_actor", None)
    if cached is not None:
        return cached
    supervisee_ids = frozenset()
    if user.role == Role.SUPERVISOR:
        supervisee_ids = frozenset(user.supervisees.values_list("pk", flat=True))
    actor = Actor(
        user_id=user.pk,
        role=Role(user.role),
        practice_id=user.practice_id,
        supervisee_ids=supervisee_ids,
        active=user.is_active,
        may_bulk_export=user.may_bulk_export,
    )
    user._kithkin_actor = actor
    return actor


def with_emergency_grants(record: ClientRecord) -> ClientRecord:
    """Adds unexpired break-the-glass grants. Asked only after the ordinary rules said no, so
    the everyday path costs no extra query."""
    holders = frozenset(
        EmergencyAccess.objects.filter(
            client_id=record.client_id, expires_at__gt=timezone.now()
        ).values_list("user_id", flat=True)
    )
    return dataclasses.replace(record, emergency_user_ids=holders)


def record_for(client: Client) -> ClientRecord:
    return ClientRecord(
        client_id=client.pk,
        practice_id=client.practice_id,
        therapist_ids=treating_therapist_ids(client),
        portal_user_id=client.portal_user_id,
        restricted=is_restricted(client),
    )


def treating_therapist_ids(client: Client) -> frozenset[int]:
    """The therapists of the client's open relationships. Read with the client by
    :func:`client_for` (no extra query), asked otherwise."""
    known = getattr(client, "open_therapist_ids", None)
    if known is not None:
        return known
    return frozenset(
        client.therapy_relationships.filter(ended_on__isnull=True).values_list(
            "therapist_id", flat=True
        )
    )


def is_restricted(client: Client) -> bool:
    """Whether processing of the client's record is restricted (GDPR Art. 18). Read with the
    client by :func:`client_for` (no extra query), asked otherwise."""
    known = getattr(client, "restricted_now", None)
    if known is not None:
        return known
    return Restriction.objects.active().filter(client_id=client.pk).exists()


def client_for(request, client_id: int, action: Action) -> Client:
    """The client, if the user may do ``action`` to them; the attempt is audited either way.

    A user who may not even read the record gets 404, so the answer does not reveal that the
    record exists; one who may read it but not do this gets 403.
    """
    actor = actor_for(request.user)
    client = _client_with_record_facts(client_id, practice_id=actor.practice_id)
    if client is None:
        audit_access(request, actor, action, "Client", client_id, None, False, "no such client")
        raise Http404("No such client")
    record = record_for(client)
    decision = can(actor, action, record)
    if not decision.allowed and actor.role in CLINICIANS:
        record = with_emergency_grants(record)
        decision = can(actor, action, record)
    emergency = decision.allowed and actor.user_id in record.emergency_user_ids
    audit_access(
        request,
        actor,
        action,
        "Client",
        client.pk,
        client.pk,
        decision.allowed,
        decision.reason,
        emergency=emergency,
    )
    request.emergency_access = emergency
    if decision.allowed:
        return client
    if action is not Action.VIEW_CLIENT and can(actor, Action.VIEW_CLIENT, record).allowed:
        raise PermissionDenied(decision.reason)
    raise Http404("No such client")


def _client_with_record_facts(client_id: int, *, practice_id) -> Client | None:
    """The client with what the policy asks of them (open relationships' therapists, a
    restriction in force) in one query: a row per open relationship, or one with none."""
    rows = list(
        Client.objects.filter(pk=client_id, practice_id=practice_id).annotate(
            restricted_now=restricted(),
            open_relationship=FilteredRelation(
                "therapy_relationships",
                condition=Q(therapy_relationships__ended_on__isnull=True),
            ),
            open_therapist_id=F("open_relationship__therapist_id"),
        )
    )
    if not rows:
        return None
    client = rows[0]
    client.open_therapist_ids = frozenset(
        row.open_therapist_id for row in rows if row.open_therapist_id is not None
    )
    return client


def shows_controls(request, client, action: Action = Action.CHANGE_CLIENT) -> bool:
    """Whether a page shows the forms for ``action``: the policy decides, so a supervisor or an
    emergency reader sees the record without controls that would only answer 403."""
    if getattr(request, "emergency_access", False):
        return False
    return can(actor_for(request.user), action, record_for(client)).allowed


def require_in_practice(action: Action, *, audited: bool = True):
    """Decorator for practice-wide pages (the caseload, adding a client, the portal).

    ``audited`` pages show clinical data, so each visit, and each refusal, leaves an event.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect(f"/login/?next={request.path}")
            in_practice(request, action, audited=audited)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def in_practice(request, action: Action, *, audited: bool = True) -> Actor:
    """The actor, if they may do the practice-wide ``action``; 403 otherwise. The pages reach it
    through :func:`require_in_practice`, the API directly."""
    actor = actor_for(request.user)
    decision = can(actor, action, PracticeScope(practice_id=actor.practice_id or -1))
    if audited or not decision.allowed:
        audit_access(
            request,
            actor,
            action,
            "Practice",
            actor.practice_id,
            None,
            decision.allowed,
            decision.reason,
        )
    if not decision.allowed:
        raise PermissionDenied(decision.reason)
    return actor


def audit_access(
    request, actor, action, resource_type, resource_id, client_id, allowed, reason, emergency=False
):
    if actor.practice_id is None:
        return  # no chain to append to: an account outside any practice reaches nothing anyway
    channel = getattr(request, "kithkin_channel", None)
    if channel:
        # The same event a page writes, marked with the way it came (the REST API, FHIR).
        reason = f"{reason} [via {channel}]"
    audit_record(
        practice_id=actor.practice_id,
        actor=request.user,
        action=str(action),
        resource_type=resource_type,
        resource_id=resource_id,
        client_id=client_id,
        allowed=allowed,
        reason=reason,
        ip=client_ip(request),
        emergency=emergency,
    )


def portal_client(request, action: Action) -> Client:
    """The signed-in client's own record, if they may do ``action`` on it; audited either way.

    Staff have no portal, so they are refused (403) as on the portal page; a client account
    without a linked record finds nothing (404). The record comes from the account, never from
    the URL, so a client cannot even name another client's record.
    """
    actor = actor_for(request.user)
    client = getattr(request.user, "client_record", None)
    if client is None:
        decision = can(actor, action, PracticeScope(practice_id=actor.practice_id or -1))
        reason = decision.reason if not decision.allowed else "no client record is linked"
        audit_access(request, actor, action, "Practice", actor.practice_id, None, False, reason)
        if not decision.allowed:
            raise PermissionDenied(decision.reason)
        raise Http404("No client record is linked to this account")
    decision = can(actor, action, record_for(client))
    audit_access(
        request, actor, action, "Client", client.pk, client.pk, decision.allowed, decision.reason
    )
    if not decision.allowed:
        raise PermissionDenied(decision.reason)
    return client


def psychotherapy_note_for(request, *, client: Client, session, action: Action):
    """The user's own psychotherapy note on ``session`` (None while they have not written
    one), if the policy lets them ``action`` it; 404 otherwise. Audited either way.

    The caller has already let the user read ``client`` through :func:`client_for`. The policy
    sees the note's author, or, before there is a note, its would-be author: the therapist
    who held the session. So the answer never depends on whether someone else wrote one, and
    a supervisor, a colleague on emergency access or the client learn nothing (HIPAA 164.501,
    164.508(a)(2)). The events are not filed under the client: the record's access log is read
    by the supervisor and the client, and must not show that psychotherapy notes exist.
    """
    from kithkin.core.access import PsychotherapyNoteRecord
    from kithkin.notes.models import PsychotherapyNote

    actor = actor_for(request.user)
    note = PsychotherapyNote.objects.filter(session=session, author_id=actor.user_id).first()
    record = PsychotherapyNoteRecord(
        note_id=note.pk if note else 0,
        practice_id=client.practice_id,
        client_id=client.pk,
        author_id=note.author_id if note else session.therapist_id,
        restricted=is_restricted(client),
    )
    decision = can(actor, action, record)
    audit_access(
        request,
        actor,
        action,
        "PsychotherapyNote",
        note.pk if note else f"session {session.pk}",
        None,
        decision.allowed,
        decision.reason,
    )
    if not decision.allowed:
        raise Http404("No such note")
    return note
