"""Writes of sphere maps. Each entry is saved on its own: two people editing one map at once
lose nothing, and the last save of an entry wins.

A map the client made at home is their own writing: only they change it, and only until they
finish it, when it is shared with their therapist as it stands.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from kithkin.audit.services import audit_record
from kithkin.clients.models import Person
from kithkin.core.spheres import Entry, SphereError, validate_entry
from kithkin.spheres.models import SphereEntry, SphereMap

# The guided exercise at home: 1 list, 2 place, 3 types, 4 components, 5 reflect.
FIRST_STEP, LAST_STEP = 1, 5


def _audit(by, action: str, sphere_map: SphereMap, ip, resource_id=None) -> None:
    audit_record(
        practice_id=sphere_map.practice_id,
        actor=by,
        action=action,
        resource_type="SphereMap",
        resource_id=resource_id if resource_id is not None else sphere_map.pk,
        client_id=sphere_map.client_id,
        ip=ip,
    )


def _check_writable(sphere_map: SphereMap, by) -> None:
    if sphere_map.made_by != SphereMap.MadeBy.CLIENT:
        return
    if getattr(by, "pk", None) != sphere_map.author_id:
        raise SphereError(
            "This map is the client's own, made at home; only they can change it.", field="map"
        )
    if sphere_map.status == SphereMap.Status.FINAL:
        raise SphereError(
            "This map is finished and shared, so it stays as it was shared.", field="map"
        )


@transaction.atomic
def map_create(*, client, by, made_by: str, ip: str | None = None) -> SphereMap:
    sphere_map = SphereMap.objects.create(
        practice_id=client.practice_id,
        client=client,
        made_by=made_by,
        author=by,
        taken_at=timezone.now(),
    )
    _audit(by, "sphere_map.create", sphere_map, ip)
    return sphere_map


def entry_save(
    *,
    sphere_map: SphereMap,
    person_id: int,
    by,
    ring: int,
    types=(),
    ratings=None,
    note: str = "",
    ip: str | None = None,
) -> SphereEntry:
    """Validates in the core, then upserts the one entry. Raises SphereError, saving nothing."""
    _check_writable(sphere_map, by)
    person = Person.objects.filter(pk=person_id, client_id=sphere_map.client_id).first()
    if person is None:
        raise SphereError("That person is not in this client's life.", field="person")
    valid = validate_entry(
        Entry(
            person_id=person.pk,
            label=person.name,
            ring=ring,
            types=frozenset(types),
            ratings=dict(ratings or {}),
            note=note,
        )
    )
    values = {
        "ring": valid.ring,
        "types": sorted(valid.types),
        "ratings": dict(valid.ratings),
        "note": valid.note,
        "practice_id": sphere_map.practice_id,
    }
    for attempt in range(2):
        try:
            with transaction.atomic():
                entry, _ = SphereEntry.objects.update_or_create(
                    map=sphere_map, person=person, defaults=values
                )
                _audit(by, "sphere_entry.save", sphere_map, ip, resource_id=entry.pk)
                return entry
        except IntegrityError:
            # Two first saves of the same person raced; the loser updates the winner's row.
            if attempt:
                raise
    raise AssertionError("unreachable")


@transaction.atomic
def entry_remove(*, sphere_map: SphereMap, person_id: int, by, ip: str | None = None) -> None:
    _check_writable(sphere_map, by)
    SphereEntry.objects.filter(map=sphere_map, person_id=person_id).delete()
    _audit(by, "sphere_entry.remove", sphere_map, ip, resource_id=person_id)


@transaction.atomic
def map_finish(
    *, sphere_map: SphereMap, by, reflection: str = "", ip: str | None = None
) -> SphereMap:
    _check_writable(sphere_map, by)
    sphere_map.status = SphereMap.Status.FINAL
    sphere_map.reflection = reflection
    sphere_map.finished_at = timezone.now()
    sphere_map.save(update_fields=["status", "reflection", "finished_at"])
    _audit(by, "sphere_map.finish", sphere_map, ip)
    return sphere_map


@transaction.atomic
def map_step(*, sphere_map: SphereMap, by, step: int, ip: str | None = None) -> SphereMap:
    """Records where the client is in the guided exercise, so a draft reopens there."""
    _check_writable(sphere_map, by)
    if isinstance(step, bool) or not isinstance(step, int) or not FIRST_STEP <= step <= LAST_STEP:
        raise SphereError(f"Steps go from {FIRST_STEP} to {LAST_STEP}; got {step}.", field="step")
    if step != sphere_map.step:
        # Unchanged steps are not written: the trail records moves, not every page saved.
        sphere_map.step = step
        sphere_map.save(update_fields=["step"])
        _audit(by, "sphere_map.step", sphere_map, ip)
    return sphere_map


@transaction.atomic
def map_reflect(*, sphere_map: SphereMap, by, reflection: str, ip: str | None = None) -> SphereMap:
    """Keeps the reflection of a map not yet finished, so nothing written is lost."""
    _check_writable(sphere_map, by)
    if reflection != sphere_map.reflection:
        sphere_map.reflection = reflection
        sphere_map.save(update_fields=["reflection"])
        _audit(by, "sphere_map.reflect", sphere_map, ip)
    return sphere_map
