"""Alerts and questionnaire responses: what the measures page shows and does."""

from django.http import HttpRequest
from ninja import Header, Query, Router, Status

from kithkin.accounts.access import client_for
from kithkin.api.pagination import keyset
from kithkin.api.schemas import (
    NO_NUL,
    AlertAcknowledgeIn,
    AlertOut,
    AlertPage,
    Error,
    PageQuery,
    RecordId,
    ResponseCreatedOut,
    ResponseIn,
    ResponsePage,
)
from kithkin.audit.request import client_ip
from kithkin.core.access import Action
from kithkin.core.alerts import AlertKind
from kithkin.core.instruments import InstrumentError
from kithkin.measures import services
from kithkin.measures.instruments import shipped_for
from kithkin.measures.models import Alert, Response
from kithkin.schedule.models import Session

router = Router(tags=["measures"])

DENIED = {401: Error, 403: Error, 404: Error}
ALERT_FIELDS = (
    "pk",
    "kind",
    "reason",
    "session_number",
    "raised_at",
    "response_id",
    "acknowledged_at",
    "acknowledged_by_id",
    "note",
)


def _alert_row(row: dict) -> dict:
    return {**row, "id": row["pk"], "label": AlertKind(row["kind"]).label}


@router.get(
    "/clients/{client_id}/alerts", response={200: AlertPage, **DENIED}, url_name="client_alerts"
)
def alerts(request: HttpRequest, client_id: RecordId, page: Query[PageQuery], open: bool = False):
    """The client's alerts, newest first; ``open=true`` for the unacknowledged ones only."""
    client = client_for(request, client_id, Action.VIEW_CLIENT)
    rows = Alert.objects.filter(practice_id=client.practice_id, client=client)
    if open:
        rows = rows.filter(acknowledged_at__isnull=True)
    result = keyset(
        rows.values(*ALERT_FIELDS), cursor=page.cursor, limit=page.limit, newest_first=True
    )
    result["items"] = [_alert_row(row) for row in result["items"]]
    return result


@router.post(
    "/clients/{client_id}/alerts/{alert_id}/acknowledge",
    response={200: AlertOut, 422: Error, **DENIED},
    url_name="alert_acknowledge",
)
def alert_acknowledge(
    request: HttpRequest, client_id: RecordId, alert_id: RecordId, body: AlertAcknowledgeIn
):
    """A named person says they have seen the alert and what they did about it: the treating
    therapist or the supervisor (PHQ-9 item 9 asks for a same-day review)."""
    client = client_for(request, client_id, Action.ACKNOWLEDGE_ALERT)
    alert = Alert.objects.filter(client=client, pk=alert_id).first()
    if alert is None:
        return Status(404, {"detail": "Not found."})
    try:
        alert = services.alert_acknowledge(
            alert=alert, by=request.user, note=body.note, ip=client_ip(request)
        )
    except services.MeasuresError as refused:
        return Status(422, {"detail": str(refused)})
    row = Alert.objects.filter(pk=alert.pk).values(*ALERT_FIELDS).get()
    return _alert_row(row)


RESPONSE_FIELDS = (
    "pk",
    "instrument",
    "instrument_version",
    "session_id",
    "submitted_at",
    "submitted_via",
    "respondent",
    "total",
    "band",
    "complete",
    "answered",
    "item9",
)


def _response_row(row: dict) -> dict:
    return {**row, "id": row["pk"]}


@router.get(
    "/clients/{client_id}/responses",
    response={200: ResponsePage, **DENIED},
    url_name="client_responses",
)
def responses(request: HttpRequest, client_id: RecordId, page: Query[PageQuery]):
    """The client's questionnaire responses and their scores, newest first."""
    client = client_for(request, client_id, Action.VIEW_CLIENT)
    rows = Response.objects.filter(practice_id=client.practice_id, client=client)
    result = keyset(
        rows.values(*RESPONSE_FIELDS), cursor=page.cursor, limit=page.limit, newest_first=True
    )
    result["items"] = [_response_row(row) for row in result["items"]]
    return result


@router.post(
    "/clients/{client_id}/responses",
    response={201: ResponseCreatedOut, 422: Error, **DENIED},
    url_name="response_submit",
)
def response_submit(
    request: HttpRequest,
    client_id: RecordId,
    body: ResponseIn,
    idempotency_key: str | None = Header(
        None, alias="Idempotency-Key", max_length=64, pattern=NO_NUL
    ),
):
    """The client's answers to a shipped instrument, entered by the treating therapist: scored
    and checked exactly as in the portal, raising the same alerts. An answer the instrument does
    not allow stores nothing. The same idempotency key sent again returns the first response."""
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    key = idempotency_key or body.idempotency_key
    if not key:
        return Status(
            422, {"detail": "Send an Idempotency-Key header (or idempotency_key), such as a UUID."}
        )
    shipped = shipped_for(client.practice)
    if body.instrument not in shipped:
        listed = ", ".join(sorted(shipped))
        return Status(
            422, {"detail": f"No shipped questionnaire {body.instrument!r}; they are: {listed}."}
        )
    session = None
    if body.session_id is not None:
        session = Session.objects.filter(client=client, pk=body.session_id).first()
        if session is None:
            return Status(422, {"detail": "That session is not one of this client's."})
    try:
        response = services.response_submit(
            client=client,
            instrument_code=body.instrument,
            answers=body.answers,
            by=request.user,
            via=Response.Via.API,
            session=session,
            idempotency_key=key,
            ip=client_ip(request),
        )
    except (InstrumentError, services.MeasuresError) as refused:
        return Status(422, {"detail": str(refused)})
    row = Response.objects.filter(pk=response.pk).values(*RESPONSE_FIELDS).get()
    return Status(
        201, {**_response_row(row), "alerts_raised": [a.kind for a in response.new_alerts]}
    )
