"""Scheduling a client's sessions, changing them and recording what happened: what the session
pages do, through ``schedule.services``. Operations are added to the records router, whose
paths they share."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Header, Status

from kithkin.accounts.access import client_for
from kithkin.api.problems import refused
from kithkin.api.routers.records import DENIED, router
from kithkin.api.schemas import (
    NO_NUL,
    Problem,
    RecordId,
    SessionDetailOut,
    SessionIn,
    SessionPatch,
    SessionStatusIn,
)
from kithkin.audit.request import client_ip
from kithkin.core.access import Action
from kithkin.schedule import selectors, services

TAGS = ["sessions"]


def _detail(session, alerts=()) -> dict:
    # Read with the session (selectors.session_of) or, after a write, afresh.
    attendees = getattr(session, "people", None)
    if attendees is None:
        attendees = session.attendees.order_by("person__name", "pk")
    return {
        "id": session.pk,
        "therapist_id": session.therapist_id,
        "starts_at": session.starts_at,
        "duration_minutes": session.duration_minutes,
        "status": session.status,
        "modality": session.modality,
        "kind": session.kind,
        "attendees": [{"person_id": a.person_id, "attendance": a.attendance} for a in attendees],
        "alerts_raised": [a.kind for a in alerts],
    }


def _own_session(request, client_id: int, session_id: int):
    """The session to change: this client's (404 otherwise), and the user's own (403
    otherwise, as on the page: a colleague's session is theirs to change)."""
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    session = selectors.session_of(client=client, session_id=session_id)
    if session is None:
        return client, None
    if session.therapist_id != request.user.pk:
        raise PermissionDenied("Only the session's own therapist changes it.")
    return client, session


@router.get(
    "/clients/{client_id}/sessions/{session_id}",
    response={200: SessionDetailOut, **DENIED},
    url_name="client_session",
    tags=TAGS,
)
def session_detail(request: HttpRequest, client_id: RecordId, session_id: RecordId):
    """One session and who is to attend it. Its notes are not part of the REST API."""
    client = client_for(request, client_id, Action.VIEW_CLIENT)
    session = selectors.session_of(client=client, session_id=session_id)
    if session is None:
        return Status(404, {"detail": "Not found."})
    return _detail(session)


@router.post(
    "/clients/{client_id}/sessions",
    response={200: SessionDetailOut, 201: SessionDetailOut, 422: Problem, **DENIED},
    tags=TAGS,
)
def session_schedule(
    request: HttpRequest,
    client_id: RecordId,
    body: SessionIn,
    idempotency_key: str | None = Header(
        None, alias="Idempotency-Key", min_length=1, max_length=64, pattern=NO_NUL
    ),
):
    """Books a session of the token's therapist with the client: 201, or 200 with the first
    session when the same idempotency key comes again. The rules are the page's: within the
    client's open episode, and no unaware partner attends."""
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    key = idempotency_key or body.idempotency_key
    if not key:
        return Status(
            422, {"detail": "Send an Idempotency-Key header (or idempotency_key), such as a UUID."}
        )
    try:
        session, created = services.session_schedule(
            client=client,
            by=request.user,
            starts_at=body.starts_at,
            duration_minutes=body.duration_minutes,
            modality=body.modality,
            kind=body.kind,
            attendee_ids=body.attendee_ids,
            idempotency_key=key,
            ip=client_ip(request),
        )
    except services.SessionError as problem:
        return refused(problem)
    return Status(201 if created else 200, _detail(session))


@router.patch(
    "/clients/{client_id}/sessions/{session_id}",
    response={200: SessionDetailOut, 422: Problem, **DENIED},
    tags=TAGS,
)
def session_change(
    request: HttpRequest, client_id: RecordId, session_id: RecordId, body: SessionPatch
):
    """Reschedules or changes the session; fields left out stay as they are (``attendee_ids``
    replaces the whole list)."""
    _, session = _own_session(request, client_id, session_id)
    if session is None:
        return Status(404, {"detail": "Not found."})
    sent = body.dict(exclude_unset=True)
    current = {
        "starts_at": session.starts_at,
        "duration_minutes": session.duration_minutes,
        "modality": session.modality,
        "kind": session.kind,
        "attendee_ids": [a.person_id for a in session.people],
    }
    # A null is "as it is": none of these fields can be emptied.
    wanted = {**current, **{name: value for name, value in sent.items() if value is not None}}
    try:
        changed = services.session_update(
            session=session, by=request.user, ip=client_ip(request), **wanted
        )
    except services.SessionError as problem:
        return refused(problem)
    return _detail(changed)


@router.post(
    "/clients/{client_id}/sessions/{session_id}/status",
    response={200: SessionDetailOut, 422: Problem, **DENIED},
    url_name="client_session_status",
    tags=TAGS,
)
def session_status(
    request: HttpRequest, client_id: RecordId, session_id: RecordId, body: SessionStatusIn
):
    """Records what happened: ``attended``, ``cancelled`` (late, under 24 hours' notice, as the
    notice decides), ``no_show``, or back to ``scheduled``; and which planned attendees came.
    An attended session may raise an alert (``alerts_raised``)."""
    _, session = _own_session(request, client_id, session_id)
    if session is None:
        return Status(404, {"detail": "Not found."})
    try:
        recorded = services.session_set_status(
            session=session,
            by=request.user,
            status=body.status,
            attended_ids=body.attended_ids,
            notice_at=body.notice_at,
            expected_status=body.expected_status,
            ip=client_ip(request),
        )
    except services.SessionError as problem:
        return refused(problem)
    return _detail(recorded, recorded.new_alerts)
