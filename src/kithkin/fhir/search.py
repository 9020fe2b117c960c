"""Reads and searches of the facade: which rows a request names, and the searchset Bundles.

Paging is keyset (REFERENCE.md: OFFSET makes walking a result quadratic): each page starts after
the last id of the one before, carried in the ``next`` link as an opaque ``_cursor``. Everything
a read or search answers passes through ``release.released_dicts`` with the client's people
beside it, so an ``unaware`` partner and every reference to them stay home.
"""

import datetime
from urllib.parse import urlencode

from django.db.models import F, Q, prefetch_related_objects
from django.utils import timezone

from kithkin.accounts.models import User
from kithkin.audit.models import AuditEvent
from kithkin.clients.models import Client, Person
from kithkin.consent.models import Authorization
from kithkin.core.disclosure import DISCLOSABLE, Audience, guard
from kithkin.endings.models import EndingReview
from kithkin.fhir import codes
from kithkin.fhir import resources as build
from kithkin.fhir.compositions import compositions, signed_reviews_of, sources_of
from kithkin.fhir.release import released_dicts
from kithkin.fhir.resources.endings import MENTAL_HEALTH_DISCHARGE_SUMMARY
from kithkin.fhir.resources.people import partner_view
from kithkin.fhir.selectors import _episode_of, care_plan_of_version, rings_of, versions_placed
from kithkin.fhir.valid import bundle_of
from kithkin.measures.instruments import instruments_on_record
from kithkin.measures.models import Response
from kithkin.plans.models import CheckIn, Goal, PlanVersion
from kithkin.referrals.models import Referral
from kithkin.relationships.models import Episode, TherapyRelationship
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


def searchset(resources, *, total: int, self_url: str, next_url: str | None, base: str) -> dict:
    """A searchset Bundle of validated resource dicts (``build.<resource>.data``), as a dict."""
    links = [{"relation": "self", "url": self_url}]
    if next_url:
        links.append({"relation": "next", "url": next_url})
    entries = [
        {"fullUrl": f"{base}{_key(r)}", "resource": r, "search": {"mode": "match"}}
        for r in resources
    ]
    bundle = {"type": "searchset", "total": total, "link": links}
    if entries:
        bundle["entry"] = entries
    return bundle_of(bundle)


def page_links(request, params, *, rows, more: bool) -> tuple[str, str | None]:
    """The self and next links. Every value of a repeated parameter goes along (a range in
    ``_lastUpdated`` is two of them)."""
    path = request.build_absolute_uri(request.path)
    pairs = sorted((k, v) for k, values in request.GET.lists() for v in values)
    self_url = f"{path}?{urlencode(pairs)}" if pairs else path
    if not more:
        return self_url, None
    following = [(k, v) for k, v in pairs if k != "_cursor"] + [("_cursor", str(rows[-1].pk))]
    return self_url, f"{path}?{urlencode(sorted(following))}"


# --- _lastUpdated and dates -----------------------------------------------------------------

# The comparisons a date search takes (FHIR search prefixes). eq, ne, sa, eb and ap are not
# served, and a value without a prefix is refused rather than guessed at.
DATE_PREFIXES = frozenset({"ge", "gt", "le", "lt"})


def _moment(raw: str, name: str) -> tuple[datetime.datetime, datetime.datetime]:
    """The first instant a value names and the first instant after it: a day (YYYY-MM-DD, in
    UTC) or an instant with its zone."""
    refused = SearchError(
        f"{name} takes a prefix (ge, gt, le or lt) and a date (2026-03-01) or an instant with "
        f"its zone (2026-03-01T09:30:00Z)."
    )
    if len(raw) == 10:
        try:
            start = datetime.datetime.combine(
                datetime.date.fromisoformat(raw), datetime.time(), tzinfo=datetime.UTC
            )
        except ValueError:
            raise refused from None
        return start, start + datetime.timedelta(days=1)
    try:
        moment = datetime.datetime.fromisoformat(raw)
    except ValueError:
        raise refused from None
    if "T" not in raw or moment.tzinfo is None:
        # FHIR: a time needs its zone, and a server must not guess one.
        raise refused
    return moment, moment + datetime.timedelta(microseconds=1)


def date_filters(values, *, field: str, name: str) -> Q:
    """A Q for the values of a date parameter (each a prefix and a date), all of which hold.
    ``gt`` a day is after the whole day; ``le`` a day includes it."""
    found = Q()
    for value in values:
        prefix, raw = value[:2], value[2:]
        if prefix not in DATE_PREFIXES:
            raise SearchError(
                f"{name} takes a prefix (ge, gt, le or lt) before the date, as in "
                f"{name}=ge2026-03-01."
            )
        start, after = _moment(raw, name)
        bound = {"ge": start, "lt": start, "gt": after, "le": after}[prefix]
        lookup = {"ge": "gte", "lt": "lt", "gt": "gte", "le": "lt"}[prefix]
        found &= Q(**{f"{field}__{lookup}": bound})
    return found


def last_updated(request, rows, *, field: str):
    """``rows`` narrowed by every ``_lastUpdated`` value the request carries."""
    values = request.GET.getlist("_lastUpdated")
    return rows.filter(date_filters(values, field=field, name="_lastUpdated")) if values else rows


def _key(data: dict) -> str:
    return f"{data['resourceType']}/{data['id']}"


def _references(value, found: set) -> set:
    """Every ``reference`` in a resource's dict, at any depth, added to ``found``."""
    if isinstance(value, dict):
        for name, item in value.items():
            if name == "reference" and isinstance(item, str):
                found.add(item)
            elif isinstance(item, dict | list):
                _references(item, found)
    elif isinstance(value, list):
        for item in value:
            _references(item, found)
    return found


def people_of(client) -> list:
    """The client's people with their partner rows, in one query and in the whole record's
    order: read once per request, for the guard and for the resources that name them."""
    return list(
        Person.objects.filter(client=client).select_related("partner").order_by("name", "pk")
    )


def released(client, resources, *, people=None) -> list:
    """``resources`` as they may leave, in order. The client's ``people`` (``people_of``, read
    here if not given) go along so the guard can clear them.

    Only the people who can change the answer go along, because building and checking a
    RelatedPerson costs about as much as the resource asked for: everyone the guard withholds
    (their names are redacted from free text, and what refers to them is removed) and everyone
    the resources refer to (a reference to a person the guard was not shown is removed all the
    same). Anyone else is kept by the guard and named nowhere in ``resources``, so leaving them
    out changes nothing in what ``released_dicts`` answers.
    """
    wanted = [_key(r) for r in resources]
    if people is None:
        people = people_of(client)
    views = (partner_view(p) for p in people)
    withheld = {view.person_id for view in guard(views, Audience.FHIR_EXPORT).withheld}
    referred = set()
    for resource in resources:
        _references(resource, referred)
    context = [
        build.related_person.data(p)
        for p in people
        if f"RelatedPerson/{p.pk}" not in wanted
        and (p.pk in withheld or f"RelatedPerson/{p.pk}" in referred)
    ]
    kept = {_key(r): r for r in released_dicts([*resources, *context])}
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


# --- Practitioner and PractitionerRole -----------------------------------------------------

CLINICIAN_ROLES = (User.Roles.THERAPIST, User.Roles.SUPERVISOR)


def practitioners(*, practice_id: int, name: str | None = None):
    """The practice's clinicians: the people its records name as Practitioner (an admin is
    staff, but treats nobody, and the audit trail names them rather than referring to them)."""
    rows = User.objects.filter(practice_id=practice_id, role__in=CLINICIAN_ROLES)
    if name:
        rows = rows.filter(Q(first_name__istartswith=name) | Q(last_name__istartswith=name))
    return rows


def practitioner_id(params) -> int | None:
    raw = params.get("practitioner")
    if raw is None:
        return None
    raw = raw.removeprefix("Practitioner/")
    if not raw.isdigit():
        raise SearchError("practitioner takes a Practitioner id or Practitioner/{id}.")
    return int(raw)


# --- CareTeam and Questionnaire -------------------------------------------------------------


def care_team_of(client, *, people=None):
    """The client's care team (its id is the client's): the therapists of open relationships
    and the partners who take part knowingly, from ``people`` (``people_of``, read here if not
    given). ``released`` then clears it for leaving."""
    relationships = TherapyRelationship.objects.filter(client=client).select_related("therapist")
    therapists = [r.therapist for r in relationships if r.is_active]
    people = people_of(client) if people is None else people
    return build.care_team.data(client, therapists=therapists, people=people)


def questionnaire(practice, questionnaire_id: str):
    """A definition the practice's responses may have been scored with, or None."""
    for instrument in instruments_on_record(practice).values():
        if build.questionnaire_id(instrument) == questionnaire_id:
            return build.questionnaire.data(instrument)
    return None


# --- AuditEvent -----------------------------------------------------------------------------


def audit_events_in(*, practice_id: int):
    return AuditEvent.objects.filter(practice_id=practice_id)


def audit_events_of(*, practice_id: int, client_id: int):
    return audit_events_in(practice_id=practice_id).filter(client_id=client_id)


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
        build.encounter.data(s, attendees=list(s.attendees.all()), episode=_episode_of(s, episodes))
        for s in sessions
    ]


# --- EpisodeOfCare and Goal --------------------------------------------------------------------


def _inverse(table: dict) -> dict:
    found = {}
    for kithkin, fhir in table.items():
        found.setdefault(fhir, []).append(kithkin)
    return found


EPISODE_PHASES = _inverse(codes.EPISODE_STATUS)
GOAL_LIFECYCLES = _inverse(codes.GOAL_LIFECYCLE)


def episodes_of(client, *, status: str | None):
    """``status`` is the FHIR status: every phase that maps to it (active: assessment to
    ending). A status no phase maps to finds nothing."""
    rows = Episode.objects.filter(relationship__client=client)
    if status is not None:
        rows = rows.filter(phase__in=EPISODE_PHASES.get(status, []))
    return rows.select_related("relationship").prefetch_related("transitions")


def episodes(page) -> list:
    return [
        build.episode_of_care.data(
            e, transitions=sorted(e.transitions.all(), key=lambda t: (t.at, t.pk))
        )
        for e in page
    ]


def goals_of(client, *, lifecycle: str | None):
    rows = Goal.objects.filter(version__plan__client=client)
    if lifecycle is not None:
        rows = rows.filter(lifecycle__in=GOAL_LIFECYCLES.get(lifecycle, []))
    return rows


# --- Observation and QuestionnaireResponse ---------------------------------------------------


def responses_of(client):
    return Response.objects.filter(client=client).prefetch_related("answers")


def _token(raw: str) -> tuple[str | None, str]:
    system, bar, code = raw.partition("|")
    return (system, code) if bar else (None, raw)


def instruments_coded(practice, raw: str) -> list[str]:
    """The codes of the instruments whose total Observation.code the token ``raw`` names: a
    code alone (44261-6) or system|code (http://loinc.org|44261-6)."""
    system, code = _token(raw)
    if not code:
        raise SearchError("code takes a code, or system|code, such as http://loinc.org|44261-6.")
    found = []
    for instrument in instruments_on_record(practice).values():
        for coded in build.observation_code(instrument)["coding"]:
            if coded["code"] == code and system in (None, coded["system"]):
                found.append(instrument.code)
    return found


def measured(client, responses, *, resource_type: str) -> list:
    on_record = instruments_on_record(client.practice) if responses else {}
    builder = build.observation if resource_type == "Observation" else build.questionnaire_response
    builder = builder.data
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
    "ServiceRequest": (Referral, "client_id"),
    "Task": (Referral, "client_id"),
    "Consent": (Authorization, "client_id"),
    "Composition": (EndingReview, "episode__relationship__client_id"),
}


def owner_of(resource_type: str, pk: int, *, practice_id) -> int | None:
    """The id of the client whose record holds the row, if it is in the user's practice."""
    model, path = OWNER[resource_type]
    rows = model.objects.filter(pk=pk, practice_id=practice_id)
    return rows.values_list(path, flat=True).first()


# The reads that answer from their row alone (and what it prefetches): their owner's query
# reads the row whole, so that the read does not ask for it again.
WHOLE_ROWS = frozenset({"Encounter", "Goal"})


def owned(resource_type: str, pk: int, *, practice_id) -> tuple[int | None, object | None]:
    """``owner_of`` and, for ``WHOLE_ROWS``, the row itself (else None), in one query."""
    if resource_type not in WHOLE_ROWS:
        return owner_of(resource_type, pk, practice_id=practice_id), None
    model, path = OWNER[resource_type]
    # The primary key names one row at most: no ordering, no LIMIT to compile.
    rows = list(
        model.objects.filter(pk=pk, practice_id=practice_id).annotate(owner_id=F(path)).order_by()
    )
    return (rows[0].owner_id, rows[0]) if rows else (None, None)


def care_plans(versions) -> list:
    """The CarePlans of ``versions_placed`` rows, with their goals and held check-ins in two
    queries for the lot."""
    ids = [v.pk for v in versions]
    goals = {}
    for goal in Goal.objects.filter(version_id__in=ids).order_by("version_id", "number"):
        goals.setdefault(goal.version_id, []).append(goal)
    check_ins = {}
    for check_in in CheckIn.objects.filter(version_id__in=ids).order_by("pk"):
        check_ins.setdefault(check_in.version_id, []).append(check_in)
    return [
        care_plan_of_version(
            version, goals=goals.get(version.pk, []), check_ins=check_ins.get(version.pk, [])
        )
        for version in versions
    ]


def care_plans_of(client):
    rows = PlanVersion.objects.filter(plan__client=client).select_related("plan__episode")
    return versions_placed(rows)


def care_plan_of(client, pk: int) -> list:
    """The CarePlan of one version (``versions_placed``)."""
    version = care_plans_of(client).filter(pk=pk).first()
    return care_plans([version]) if version is not None else []


def authorizations_of(client):
    """The client's authorizations to release information, each as a Consent."""
    return Authorization.objects.filter(client=client).order_by("pk")


def consents(rows) -> list:
    now = timezone.now()
    return [build.consent.data(row, now=now) for row in rows]


def referrals_of(client):
    """The client's referrals out: each is a ServiceRequest and the Task that fulfils it."""
    return Referral.objects.filter(client=client)


def referral_resources(referrals, *, resource_type: str) -> list:
    builder = build.service_request if resource_type == "ServiceRequest" else build.task
    return [builder.data(referral) for referral in referrals]


# --- Composition: the ending review -----------------------------------------------------------

REVIEW_TYPE = (codes.LOINC, MENTAL_HEALTH_DISCHARGE_SUMMARY)


def reviews_of(client, *, type_: str | None = None):
    """The client's signed ending reviews; ``type_`` a token (78263-1, or http://loinc.org|
    78263-1): every review is of that one type, so any other finds nothing."""
    rows = signed_reviews_of(client)
    if type_ is not None:
        system, code = _token(type_)
        if not code:
            raise SearchError(
                "type takes a code, or system|code, such as http://loinc.org|78263-1."
            )
        if code != REVIEW_TYPE[1] or system not in (None, REVIEW_TYPE[0]):
            rows = rows.none()
    return rows


def composed(client, reviews) -> list:
    """The Compositions of signed ``reviews`` (``reviews_of`` rows), with the rows their
    entries point at read once for the lot."""
    if not reviews:
        return []
    return compositions(client, [(r, r.episode) for r in reviews], **sources_of(client))


def people_named_of(client):
    """The client's people whom anything leaving the practice may name: the core's allow-list
    of involvements as a filter, so that a search's pages and total never count the withheld.
    ``released`` still clears each one."""
    return Person.objects.filter(
        client=client, partner__involvement__in=sorted(DISCLOSABLE)
    ).select_related("partner")


def read(client, resource_type: str, pk: int, *, row=None):
    """The resource as it may leave, or None (withheld, or not describable). Each read loads its
    own rows and the client's people (for the guard), never the rest of the record: a client
    with 300 sessions reads a goal as fast as one with none. ``row``, the client's row ``owned``
    read for a ``WHOLE_ROWS`` read, is not read again."""
    people = people_of(client)
    if resource_type == "Encounter":
        if row is None:
            sessions = sessions_of(client, status=None).filter(pk=pk)
        else:
            prefetch_related_objects([row], "attendees")
            sessions = [row]
        found = encounters(client, sessions)
    elif resource_type in ("Observation", "QuestionnaireResponse"):
        rows = list(responses_of(client).filter(pk=pk))
        found = measured(client, rows, resource_type=resource_type)
    elif resource_type == "RelatedPerson":
        # The ring is the person's place on the latest finished map, as the whole record has it.
        found = [
            build.related_person.data(p, ring=rings_of(client).get(p.pk))
            for p in people
            if p.pk == pk
        ]
    elif resource_type == "EpisodeOfCare":
        found = episodes(episodes_of(client, status=None).filter(pk=pk))
    elif resource_type == "Goal":
        goals = [row] if row is not None else goals_of(client, lifecycle=None).filter(pk=pk)
        found = [build.goal.data(g, client_id=client.pk) for g in goals]
    elif resource_type == "CarePlan":
        found = care_plan_of(client, pk)
    elif resource_type == "Consent":
        found = consents(authorizations_of(client).filter(pk=pk))
    elif resource_type in ("ServiceRequest", "Task"):
        rows = referrals_of(client).filter(pk=pk)
        found = referral_resources(rows, resource_type=resource_type)
    elif resource_type == "Composition":
        # An unsigned review is not found: a draft is not a record yet.
        found = composed(client, list(reviews_of(client).filter(pk=pk)))
    else:
        raise ValueError(f"{resource_type} is not read by id here.")
    found = released(client, found, people=people)
    return found[0] if found else None
