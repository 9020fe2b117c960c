from kithkin.core.spheres import Entry
from kithkin.spheres.models import SphereEntry, SphereMap


def maps_of(client):
    return list(
        SphereMap.objects.filter(client=client).select_related("author").order_by("-taken_at")
    )


def entries_of(sphere_map: SphereMap) -> list[Entry]:
    """The map's entries as core values, ready for the rules and the drawing: one query."""
    rows = SphereEntry.objects.filter(map=sphere_map).select_related("person").order_by("pk")
    return [
        Entry(
            person_id=row.person_id,
            label=row.person.name,
            ring=row.ring,
            types=frozenset(row.types),
            ratings=dict(row.ratings),
            note=row.note,
        )
        for row in rows
    ]
