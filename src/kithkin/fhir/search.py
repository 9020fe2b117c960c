"""Reads and searches of the facade: which rows a request names, and the searchset Bundles.

Paging is keyset (REFERENCE.md: OFFSET makes walking a result quadratic): each page starts after
the last id of the one before, carried in the ``next`` link as an opaque ``_cursor``. Everything
a read or search answers passes through ``release.outgoing`` with the client's people beside it,
so an ``unaware`` partner and every reference to them stay home.
"""

from urllib.parse import urlencode

from django.db.models import Q
from fhir.resources.R4B.bundle import Bundle

from kithkin.clients.models import Client, Person
from kithkin.fhir import codes
from kithkin.fhir import resources as build
from kithkin.fhir.release import outgoing
from kithkin.fhir.selectors import _episode_of, resources_for_client
from kithkin.measures.instruments import instruments_on_record
from kithkin.measures.models import Response
from kithkin.plans.models import Goal, PlanVersion
from kithkin.relationships.models import Episode
from kithkin.schedule.models import Session

DEFAULT_COUNT = 50
MAX_COUNT = 200
# Parameters every search takes besides its own.
COMMON = frozenset({"_count", "_cursor", "_format"})


class SearchError(ValueError):
    """A search the server will not run (FHIR's strict handling): answered 400."""


def page_size(params) -> int:
    raw = params.get("_count", str(DEFAULT_COUNT))
    if not raw.isdigit() or int(raw) < 1:
        raise SearchError("_count must be a positive whole number.")
    return min(int(raw), MAX_COUNT)


def cursor_of(params) -> int | None:
    raw = params.get("_cursor")
    if raw is None:
        return None
    if not raw.isdigit():
        raise SearchError("_cursor is not one this server gave.")
    return int(raw)


def check_params(params, allowed: frozenset) -> None:
    unknown = sorted(set(params) - allowed - COMMON)
    if unknown:
        raise SearchError(f"Unsupported search parameter: {', '.join(unknown)}.")


def patient_id(params) -> int:
    raw = params.get("patient", "").removeprefix("Patient/")
    if not raw.isdigit():
        raise SearchError("patient is required: a Patient id or Patient/{id}.")
    return int(raw)


def keyset(queryset, *, cursor: int | None, count: int):
    """One page ordered by id and whether another follows: one query (a row past the page is
    read to know)."""
    queryset = queryset.order_by("pk")
    if cursor is not None:
        queryset = queryset.filter(pk__gt=cursor)
    rows = list(queryset[: count + 1])
    return rows[:count], len(rows) > count


def searchset(resources, *, total: int, self_url: str, next_url: str | None, base: str) -> Bundle:
    links = [{"relation": "self", "url": self_url}]
    if next_url:
        links.append({"relation": "next", "url": next_url})
    entries = [
        {
            "fullUrl": f"{base}{r.get_resource_type()}/{r.id}",
            "resource": r,
            "search": {"mode": "match"},
        }
        for r in resources
    ]
    bundle = {"type": "searchset", "total": total, "link": links}
    if entries:
        bundle["entry"] = entries
    return Bundle.model_validate(bundle)


def page_links(request, params, *, rows, more: bool) -> tuple[str, str | None]:
    path = request.build_absolute_uri(request.path)
    self_url = f"{path}?{urlencode(sorted(params.items()))}" if params else path
    if not more:
        return self_url, None
    following = {**params, "_cursor": str(rows[-1].pk)}
    return self_url, f"{path}?{urlencode(sorted(following.items()))}"


def _key(resource) -> str:
    return f"{resource.get_resource_type()}/{resource.id}"


def released(client, resources) -> list:
    """``resources`` as they may leave, in order. The client's people go along so the guard can
    clear them (a reference to a person it was not shown is removed all the same)."""
    wanted = [_key(r) for r in resources]
    people = Person.objects.filter(client=client).select_related("partner")
    context = [build.related_person(p) for p in people if f"RelatedPerson/{p.pk}" not in wanted]
    kept = {_key(r): r for r in outgoing([*resources, *context])}
    return [kept[key] for key in wanted if key in kept]


# --- Patient ------------------------------------------------------------------------------


def patients_named(*, practice_id: int, client_ids: list[int], name: str | None):
    rows = Client.objects.filter(practice_id=practice_id, pk__in_ids=client_ids)
    if name:
        rows = rows.filter(
            Q(given_name__istartswith=name)
            | Q(family_name__istartswith=name)
            | Q(preferred_name__istartswith=name)
        )
    return rows


# --- Encounter ----------------------------------------------------------------------------

# A FHIR Encounter status asks for every Kithkin session status that maps to it.
SESSION_STATUSES = {}
for _session_status, _fhir_status in codes.ENCOUNTER_STATUS.items():
    SESSION_STATUSES.setdefault(_fhir_status, []).append(_session_status)


def sessions_of(client, *, status: str | None):
    rows = Session.objects.filter(client=client)
    if status is not None:
        rows = rows.filter(status__in=SESSION_STATUSES.get(status, []))
    return rows.prefetch_related("attendees")


def encounters(client, sessions) -> list:
    episodes = list(
        Episode.objects.filter(relationship__client=client)
        .select_related("relationship")
        .order_by("opened_on", "pk")
    )
    return [
        build.encounter(s, attendees=list(s.attendees.all()), episode=_episode_of(s, episodes))
        for s in sessions
    ]


# --- Observation and QuestionnaireResponse ---------------------------------------------------


def responses_of(client):
    return Response.objects.filter(client=client).prefetch_related("answers")


def measured(client, responses, *, resource_type: str) -> list:
    on_record = instruments_on_record(client.practice) if responses else {}
    builder = build.observation if resource_type == "Observation" else build.questionnaire_response
    found = []
    for response in responses:
        instrument = on_record.get((response.instrument, response.instrument_version))
        if instrument is not None:  # a definition no longer on record cannot be described
            found.append(builder(response, instrument, answers=list(response.answers.all())))
    return found


# --- Reads: which client a row belongs to ----------------------------------------------------

# Each resource a read serves: its row and the path from the row to the client.
OWNER = {
    "Encounter": (Session, "client_id"),
    "Observation": (Response, "client_id"),
    "QuestionnaireResponse": (Response, "client_id"),
    "RelatedPerson": (Person, "client_id"),
    "EpisodeOfCare": (Episode, "relationship__client_id"),
    "Goal": (Goal, "version__plan__client_id"),
    "CarePlan": (PlanVersion, "plan__client_id"),
}


def owner_of(resource_type: str, pk: int, *, practice_id) -> int | None:
    """The id of the client whose record holds the row, if it is in the user's practice."""
    model, path = OWNER[resource_type]
    rows = model.objects.filter(pk=pk, practice_id=practice_id)
    return rows.values_list(path, flat=True).first()


def read(client, resource_type: str, pk: int):
    """The resource as it may leave, or None (withheld, or not describable)."""
    if resource_type == "Encounter":
        found = encounters(client, sessions_of(client, status=None).filter(pk=pk))
    elif resource_type in ("Observation", "QuestionnaireResponse"):
        rows = list(responses_of(client).filter(pk=pk))
        found = measured(client, rows, resource_type=resource_type)
    else:
        # Plans, goals, episodes and people: their FHIR form depends on their neighbours (a
        # plan's status on the later versions, a person's ring on the latest map), so they
        # come from the client's whole record, built one way for reads and $everything.
        found = [
            r
            for r in resources_for_client(client)
            if r.get_resource_type() == resource_type and r.id == str(pk)
        ]
    found = released(client, found)
    return found[0] if found else None
