"""Reads of the rest of a client's record: sessions, plans, goals, check-ins, people and their
part in the plan, and sphere maps. Each answers as the matching page does."""

from django.http import HttpRequest
from ninja import Query, Router, Status

from kithkin.accounts.access import client_for
from kithkin.api.pagination import keyset
from kithkin.api.schemas import (
    CheckInPage,
    Error,
    GoalPage,
    PageQuery,
    PersonPage,
    PlanVersionPage,
    RecordId,
    RecordIdFilter,
    SessionPage,
    SphereMapDetailOut,
    SphereMapPage,
)
from kithkin.clients.models import Person
from kithkin.core.access import Action
from kithkin.plans.models import CheckIn, Goal, PlanVersion
from kithkin.schedule.models import Session
from kithkin.spheres import selectors as spheres

router = Router(tags=["records"])

DENIED = {401: Error, 403: Error, 404: Error}


def _readable(request, client_id: int):
    return client_for(request, client_id, Action.VIEW_CLIENT)


def _rows(result: dict) -> dict:
    result["items"] = [{**row, "id": row["pk"]} for row in result["items"]]
    return result


@router.get(
    "/clients/{client_id}/sessions",
    response={200: SessionPage, **DENIED},
    url_name="client_sessions",
)
def sessions(request: HttpRequest, client_id: RecordId, page: Query[PageQuery]):
    """The client's sessions, newest first. Their notes are not part of the REST API."""
    client = _readable(request, client_id)
    rows = Session.objects.filter(practice_id=client.practice_id, client=client).values(
        "pk", "therapist_id", "starts_at", "duration_minutes", "status", "modality", "kind"
    )
    return _rows(keyset(rows, cursor=page.cursor, limit=page.limit, newest_first=True))


@router.get(
    "/clients/{client_id}/plan-versions",
    response={200: PlanVersionPage, **DENIED},
    url_name="client_plan_versions",
)
def plan_versions(request: HttpRequest, client_id: RecordId, page: Query[PageQuery]):
    """Every version of the client's treatment plans, drafts and signed, newest first."""
    client = _readable(request, client_id)
    rows = PlanVersion.objects.filter(practice_id=client.practice_id, plan__client=client)
    return keyset(rows, cursor=page.cursor, limit=page.limit, newest_first=True)


@router.get(
    "/clients/{client_id}/goals", response={200: GoalPage, **DENIED}, url_name="client_goals"
)
def goals(
    request: HttpRequest,
    client_id: RecordId,
    page: Query[PageQuery],
    version: RecordIdFilter = None,
):
    """The goals of the client's plan versions (of one version with ``version``), newest first."""
    client = _readable(request, client_id)
    rows = Goal.objects.filter(practice_id=client.practice_id, version__plan__client=client)
    if version is not None:
        rows = rows.filter(version_id=version)
    return keyset(rows, cursor=page.cursor, limit=page.limit, newest_first=True)


@router.get(
    "/clients/{client_id}/check-ins",
    response={200: CheckInPage, **DENIED},
    url_name="client_check_ins",
)
def check_ins(request: HttpRequest, client_id: RecordId, page: Query[PageQuery]):
    """The reviews of the client's plans that were held, newest first."""
    client = _readable(request, client_id)
    rows = CheckIn.objects.filter(practice_id=client.practice_id, plan__client=client)
    return keyset(rows, cursor=page.cursor, limit=page.limit, newest_first=True)


@router.get(
    "/clients/{client_id}/people", response={200: PersonPage, **DENIED}, url_name="client_people"
)
def people(request: HttpRequest, client_id: RecordId, page: Query[PageQuery]):
    """Everyone in the client's life and their part in the plan, as the treating therapist's
    people page shows them: an ``unaware`` partner included. This is the practice's own staff
    reading the record; anything that leaves the practice goes through the disclosure guard
    (partners.selectors.people_for) instead."""
    client = _readable(request, client_id)
    rows = Person.objects.filter(practice_id=client.practice_id, client=client).select_related(
        "partner"
    )
    result = keyset(rows, cursor=page.cursor, limit=page.limit)
    result["items"] = [_person(p) for p in result["items"]]
    return result


def _person(person: Person) -> dict:
    partner = getattr(person, "partner", None)
    return {
        "id": person.pk,
        "name": person.name,
        "role": person.role,
        "notes": person.notes,
        "partner": None
        if partner is None
        else {
            "involvement": partner.involvement,
            "knows_in_therapy": partner.knows_in_therapy,
            "knows_discussed": partner.knows_discussed,
            "may_contact": partner.may_contact,
        },
    }


@router.get(
    "/clients/{client_id}/maps", response={200: SphereMapPage, **DENIED}, url_name="client_maps"
)
def maps(request: HttpRequest, client_id: RecordId, page: Query[PageQuery]):
    """The sphere maps the therapist sees, newest first: their own, and the client's finished
    ones. A client's draft from home stays theirs."""
    client = _readable(request, client_id)
    rows = spheres.therapists_maps(client).values(
        "pk", "made_by", "author_id", "taken_at", "status", "finished_at"
    )
    return _rows(keyset(rows, cursor=page.cursor, limit=page.limit, newest_first=True))


@router.get(
    "/clients/{client_id}/maps/{map_id}",
    response={200: SphereMapDetailOut, **DENIED},
    url_name="client_map",
)
def sphere_map(request: HttpRequest, client_id: RecordId, map_id: RecordId):
    client = _readable(request, client_id)
    found = spheres.shared_map(client, map_id)
    if found is None:
        return Status(404, {"detail": "Not found."})
    return _map_detail(found)


def _map_detail(found) -> dict:
    return {
        "id": found.pk,
        "made_by": found.made_by,
        "author_id": found.author_id,
        "taken_at": found.taken_at,
        "status": found.status,
        "finished_at": found.finished_at,
        "reflection": found.reflection,
        "entries": [
            {
                "person_id": e.person_id,
                "label": e.label,
                "ring": e.ring,
                "types": sorted(e.types),
                "ratings": dict(e.ratings),
                "note": e.note,
            }
            for e in spheres.entries_of(found)
        ],
    }
