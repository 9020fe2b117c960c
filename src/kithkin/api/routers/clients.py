"""The caseload and a client's record."""

from django.http import HttpRequest
from ninja import Query, Router

from kithkin.accounts.access import client_for, in_practice
from kithkin.api.pagination import keyset
from kithkin.api.schemas import CaseloadPage, ClientOut, Error, PageQuery
from kithkin.clients import selectors
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


@router.get("/clients/{client_id}", response={200: ClientOut, **DENIED}, url_name="client")
def client_detail(request: HttpRequest, client_id: int):
    client = client_for(request, client_id, Action.VIEW_CLIENT)
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
