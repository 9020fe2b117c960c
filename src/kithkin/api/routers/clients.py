"""The caseload and a client's record."""

from django.http import HttpRequest
from ninja import Query, Router, Status

from kithkin.accounts.access import client_for, in_practice
from kithkin.api.pagination import keyset
from kithkin.api.problems import form_problem
from kithkin.api.schemas import (
    CaseloadPage,
    ClientIn,
    ClientOut,
    ClientPatch,
    Error,
    PageQuery,
    Problem,
    RecordId,
)
from kithkin.audit.request import client_ip
from kithkin.clients import selectors, services
from kithkin.clients.forms import ClientForm
from kithkin.clients.services import CLIENT_FIELDS
from kithkin.core.access import Action
from kithkin.plans.selectors import caseload_ids

router = Router(tags=["clients"])

DENIED = {401: Error, 403: Error, 404: Error}


@router.get("/clients", response={200: CaseloadPage, **DENIED}, url_name="caseload")
def caseload(request: HttpRequest, page: Query[PageQuery]):
    """The clients the user treats, or supervises through a supervisee: the caseload page."""
    actor = in_practice(request, Action.VIEW_CASELOAD)
    rows = selectors.caseload(actor=actor, client_ids=caseload_ids(actor))
    result = keyset(rows, cursor=page.cursor, limit=page.limit)
    result["items"] = [{**row, "id": row["pk"]} for row in result["items"]]
    return result


@router.post("/clients", response={201: ClientOut, 422: Problem, **DENIED})
def client_create(request: HttpRequest, body: ClientIn):
    """Adds a client to the practice and to the caseload of the therapist whose token it is, as
    the "Add a client" page does: its form's rules (a date of birth in the past, a phone number
    of digits) apply, and a refusal writes nothing."""
    in_practice(request, Action.CREATE_CLIENT)
    form = ClientForm(body.dict())
    if not form.is_valid():
        return form_problem(form)
    client = services.client_create(by=request.user, ip=client_ip(request), **form.cleaned_data)
    return Status(201, _client_out(client))


@router.get("/clients/{client_id}", response={200: ClientOut, **DENIED}, url_name="client")
def client_detail(request: HttpRequest, client_id: RecordId):
    return _client_out(client_for(request, client_id, Action.VIEW_CLIENT))


@router.patch("/clients/{client_id}", response={200: ClientOut, 422: Problem, **DENIED})
def client_change(request: HttpRequest, client_id: RecordId, body: ClientPatch):
    """Changes the fields sent; the rest stay as they are. The treating therapist's, as the
    page's "Edit details" is."""
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    current = {name: getattr(client, name) for name in CLIENT_FIELDS}
    form = ClientForm({**current, **body.dict(exclude_unset=True)}, instance=client)
    if not form.is_valid():
        return form_problem(form)
    client = services.client_update(
        client=client, by=request.user, ip=client_ip(request), **form.cleaned_data
    )
    return _client_out(client)


def _client_out(client) -> dict:
    therapist_ids = sorted(
        client.therapy_relationships.filter(ended_on__isnull=True).values_list(
            "therapist_id", flat=True
        )
    )
    return {
        "id": client.pk,
        "given_name": client.given_name,
        "family_name": client.family_name,
        "preferred_name": client.preferred_name,
        "display_name": client.display_name,
        "pronouns": client.pronouns,
        "date_of_birth": client.date_of_birth,
        "email": client.email,
        "phone": client.phone,
        "address": client.address,
        "therapist_ids": therapist_ids,
    }
