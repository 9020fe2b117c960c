from django.db.models import F

from kithkin.core.spheres import Entry
from kithkin.spheres.models import SphereEntry, SphereMap

# A client's draft at home stays with them until they finish and share it.
_CLIENTS_DRAFTS = {"made_by": SphereMap.MadeBy.CLIENT, "status": SphereMap.Status.DRAFT}


def maps_of(client):
    """The maps the therapist sees: their own, and the client's finished ones."""
    return list(therapists_maps(client).select_related("author").order_by("-taken_at"))


def therapists_maps(client):
    """The same maps as a query, for the REST API's pages of them."""
    return SphereMap.objects.filter(client=client).exclude(**_CLIENTS_DRAFTS)


def shared_map(client, map_id: int) -> SphereMap | None:
    """One map of ``client`` as the therapist may see it, or None."""
    return SphereMap.objects.filter(pk=map_id, client=client).exclude(**_CLIENTS_DRAFTS).first()


def latest_home_map(client) -> SphereMap | None:
    """The client's latest finished map from home: what they chose to share most recently."""
    return (
        SphereMap.objects.filter(
            client=client, made_by=SphereMap.MadeBy.CLIENT, status=SphereMap.Status.FINAL
        )
        .order_by(F("finished_at").desc(nulls_last=True), "-taken_at", "-pk")
        .first()
    )


def home_maps_of(client) -> list[SphereMap]:
    """The client's own maps from home, drafts and finished, newest first. Never the
    therapist's maps: those are clinical notes, not the client's writing."""
    return list(
        SphereMap.objects.filter(client=client, made_by=SphereMap.MadeBy.CLIENT).order_by(
            "-taken_at", "-pk"
        )
    )


def home_map(client, map_id: int) -> SphereMap | None:
    return SphereMap.objects.filter(
        pk=map_id, client=client, made_by=SphereMap.MadeBy.CLIENT
    ).first()


def entries_of(sphere_map: SphereMap) -> list[Entry]:
    """The map's entries as core values, ready for the rules and the drawing: one query, and
    plain rows rather than model instances (a map of 40 people builds 80 fewer objects)."""
    rows = (
        SphereEntry.objects.filter(map=sphere_map)
        .order_by("pk")
        .values_list("person_id", "person__name", "ring", "types", "ratings", "note")
    )
    return [
        Entry(
            person_id=person_id,
            label=name,
            ring=ring,
            types=frozenset(types),
            ratings=dict(ratings),
            note=note,
        )
        for person_id, name, ring, types, ratings, note in rows
    ]
