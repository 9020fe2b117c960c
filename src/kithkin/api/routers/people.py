"""Writes about the people in a client's life and their sphere maps: what the people page and
the map editor do. Operations are added to the records router, whose paths they share."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Status

from kithkin.accounts.access import client_for
from kithkin.api.problems import refused
from kithkin.api.routers.records import DENIED, _map_detail, _person, router
from kithkin.api.schemas import (
    PartnerIn,
    PersonIn,
    PersonOut,
    Problem,
    RecordId,
    SphereEntryIn,
    SphereMapDetailOut,
)
from kithkin.audit.request import client_ip
from kithkin.clients.models import Person
from kithkin.core.access import Action
from kithkin.core.spheres import SphereError
from kithkin.partners import services as partners
from kithkin.spheres import selectors as spheres
from kithkin.spheres import services as sphere_services
from kithkin.spheres.models import SphereMap


def _changeable(request, client_id: int):
    return client_for(request, client_id, Action.CHANGE_CLIENT)


def _person_of(client, person_id: int) -> Person | None:
    # A person of another client is not found, whatever the id says.
    return Person.objects.filter(pk=person_id, client=client).select_related("partner").first()


@router.post(
    "/clients/{client_id}/people",
    response={201: PersonOut, 422: Problem, **DENIED},
    tags=["people"],
)
def person_add(request: HttpRequest, client_id: RecordId, body: PersonIn):
    """Someone in the client's life, with their relationship types since ``since``."""
    client = _changeable(request, client_id)
    try:
        person = partners.person_add(
            client=client, by=request.user, ip=client_ip(request), **body.dict()
        )
    except partners.PartnerError as problem:
        return refused(problem)
    return Status(201, _person(_person_of(client, person.pk)))


@router.put(
    "/clients/{client_id}/people/{person_id}/partner",
    response={200: PersonOut, 422: Problem, **DENIED},
    url_name="client_person_partner",
    tags=["people"],
)
def partner_set(request: HttpRequest, client_id: RecordId, person_id: RecordId, body: PartnerIn):
    """Makes the person a therapy partner, or changes how they are involved. Moving someone out
    of ``unaware`` needs a ``reason``: from then on they may appear in what leaves the practice.
    An ``unaware`` partner cannot know they are discussed."""
    client = _changeable(request, client_id)
    person = _person_of(client, person_id)
    if person is None:
        return Status(404, {"detail": "Not found."})
    try:
        partners.partner_set(person=person, by=request.user, ip=client_ip(request), **body.dict())
    except partners.PartnerError as problem:
        return refused(problem)
    return _person(_person_of(client, person.pk))


@router.post(
    "/clients/{client_id}/maps",
    response={201: SphereMapDetailOut, **DENIED},
    tags=["maps"],
)
def map_create(request: HttpRequest, client_id: RecordId):
    """A new sphere map made in session: the therapist's, empty."""
    client = _changeable(request, client_id)
    made = sphere_services.map_create(
        client=client, by=request.user, made_by=SphereMap.MadeBy.THERAPIST, ip=client_ip(request)
    )
    return Status(201, _map_detail(made))


@router.put(
    "/clients/{client_id}/maps/{map_id}/entries/{person_id}",
    response={200: SphereMapDetailOut, 422: Problem, **DENIED},
    url_name="client_map_entry",
    tags=["maps"],
)
def entry_save(
    request: HttpRequest,
    client_id: RecordId,
    map_id: RecordId,
    person_id: RecordId,
    body: SphereEntryIn,
):
    """Places one of the client's people on the map (ring 1 closest to 5), with their types and
    component ratings. A map the client made at home is theirs: refused, 403."""
    client = _changeable(request, client_id)
    the_map = spheres.shared_map(client, map_id)
    if the_map is None:
        return Status(404, {"detail": "Not found."})
    if the_map.made_by == SphereMap.MadeBy.CLIENT:
        raise PermissionDenied("This map is the client's own, made at home; only they change it.")
    try:
        sphere_services.entry_save(
            sphere_map=the_map,
            person_id=person_id,
            by=request.user,
            ip=client_ip(request),
            **body.dict(),
        )
    except SphereError as problem:
        if problem.field == "person":
            return Status(404, {"detail": "Not found."})
        return refused(problem)
    return _map_detail(the_map)
