"""The FHIR facade's views. ``metadata`` needs no authentication: a FHIR server publishes its
CapabilityStatement to anyone. Every other route takes ``Authorization: Bearer <token>`` only
(never a session cookie), so CSRF does not apply, and a POST answers with an OperationOutcome
rather than Django's CSRF page. The one write, POST QuestionnaireResponse, goes through the
measures service the portal and the REST API use.

Access goes through the pages' one door, ``kithkin.accounts.access``: the same decisions and
the same audit events, marked "[via fhir]". A record the user may not read answers exactly as
one that does not exist (404, one body for both).
"""

import uuid
from functools import wraps

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from kithkin.accounts.access import actor_for, audit_access, client_for, in_practice
from kithkin.api.api import TokenRateThrottle
from kithkin.api.auth import user_for_bearer
from kithkin.audit.request import client_ip
from kithkin.clients.models import Client
from kithkin.core.access import Action, Role
from kithkin.core.instruments import InstrumentError
from kithkin.fhir import intake, search
from kithkin.fhir import resources as build
from kithkin.fhir.capability import SEARCH_PARAMS, capability_statement
from kithkin.fhir.release import released_json, searchset_text
from kithkin.fhir.responses import (
    fhir_json_response,
    fhir_response,
    fhir_text_response,
    operation_outcome,
)
from kithkin.fhir.selectors import resources_for_client
from kithkin.measures import services as measures
from kithkin.measures.instruments import shipped_for
from kithkin.measures.models import Response
from kithkin.plans.selectors import caseload_ids
from kithkin.schedule.models import Session
from kithkin.web.dbrouter import replica_safe

XML = ("xml", "text/xml", "application/xml", "application/fhir+xml")
CHANNEL = "fhir"


def _base(request) -> str:
    return request.build_absolute_uri("/fhir/R4/")


def _not_found(resource_type: str):
    # No id in the text: the answer for another's record must match the one for no record.
    return operation_outcome(404, "not-found", f"No such {resource_type}.")


@csrf_exempt
def metadata(request):
    if request.method not in ("GET", "HEAD"):
        return operation_outcome(405, "not-supported", f"{request.method} is not supported here.")
    if request.GET.get("_format") in XML:
        return operation_outcome(406, "not-supported", "This server speaks JSON only.")
    base_url = request.build_absolute_uri(request.path.rsplit("metadata", 1)[0])
    return fhir_response(capability_statement(base_url=base_url))


def refusal(request, methods) -> HttpResponse | None:
    """What every token route checks before its view runs (a method it serves, JSON, a valid
    Bearer token, the token's rate limit): the OperationOutcome that refuses, or None."""
    if request.method not in methods:
        return operation_outcome(405, "not-supported", f"{request.method} is not supported here.")
    if request.GET.get("_format") in XML:
        return operation_outcome(406, "not-supported", "This server speaks JSON only.")
    if user_for_bearer(request, channel=CHANNEL) is None:
        # One answer for a missing, unknown, expired or revoked token.
        response = operation_outcome(401, "login", "An Authorization: Bearer token is required.")
        response["WWW-Authenticate"] = "Bearer"
        return response
    throttle = TokenRateThrottle()
    if not throttle.allow_request(request):
        # The REST API's limit, counted per token across both APIs.
        response = operation_outcome(429, "throttled", "Too many requests.")
        wait = throttle.wait()
        if wait:
            response["Retry-After"] = str(int(wait) + 1)
        return response
    return None


def fhir_read(resource_type: str, *, methods=("GET", "HEAD")):
    """GET only (or ``methods``), JSON only, a Bearer token, and the access policy's refusals as
    OperationOutcomes."""

    def decorator(view):
        @csrf_exempt
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            refused = refusal(request, methods)
            if refused is not None:
                return refused
            try:
                return view(request, *args, **kwargs)
            except Http404:
                return _not_found(resource_type)
            except PermissionDenied:
                return operation_outcome(403, "forbidden", "Not permitted.")
            except search.SearchError as error:
                return operation_outcome(400, "not-supported", str(error))

        return wrapped

    return decorator


def _client(request, client_id: int):
    return client_for(request, client_id, Action.VIEW_CLIENT)


def _read(request, resource_type: str, pk: int):
    client_id, row = search.owned(resource_type, pk, practice_id=request.user.practice_id)
    if client_id is None:
        raise Http404
    resource = search.read(_client(request, client_id), resource_type, pk, row=row)
    if resource is None:
        # Withheld from anything that leaves (an unaware partner): as if it did not exist.
        raise Http404
    return fhir_json_response(resource)


def _search(request, rows, build_page, *, total_rows):
    params = request.GET.dict()
    count = search.page_size(params)
    page, more = search.keyset(rows, cursor=search.cursor_of(params), count=count)
    self_url, next_url = search.page_links(request, params, rows=page, more=more)
    bundle = search.searchset(
        build_page(page),
        total=total_rows.count(),
        self_url=self_url,
        next_url=next_url,
        base=_base(request),
    )
    return fhir_json_response(bundle)


def _allowed(request, resource_type: str) -> dict:
    params = request.GET.dict()
    search.check_params(params, SEARCH_PARAMS[resource_type])
    return params


# --- Patient ------------------------------------------------------------------------------


@fhir_read("Patient")
def patient_read(request, client_id: int):
    return fhir_json_response(build.patient.data(_client(request, client_id)))


@fhir_read("Patient")
@replica_safe
def patient_search(request):
    """The caseload the user may see (the caseload page's), by a prefix of a name."""
    params = _allowed(request, "Patient")
    actor = in_practice(request, Action.VIEW_CASELOAD)
    rows = search.patients_named(
        practice_id=actor.practice_id, client_ids=caseload_ids(actor), name=params.get("name")
    )
    rows = search.last_updated(request, rows, field="updated_at")
    return _search(
        request,
        rows,
        lambda page: [build.patient.data(client) for client in page],
        total_rows=rows,
    )


@fhir_read("Patient")
def patient_everything(request, client_id: int):
    """The client's record as a Bundle that may leave the practice: no unaware partner, no
    reference to them, and never a psychotherapy note (there is no builder for one)."""
    client = _client(request, client_id)
    released = released_json(resources_for_client(client))
    return fhir_text_response(searchset_text(released, base=_base(request)))


# --- Searches by patient --------------------------------------------------------------------


@fhir_read("Encounter")
@replica_safe
def encounter_search(request):
    params = _allowed(request, "Encounter")
    client = _client(request, search.patient_id(params))
    rows = search.last_updated(
        request, search.sessions_of(client, status=params.get("status")), field="updated_at"
    )
    return _search(
        request,
        rows,
        lambda page: search.released(client, search.encounters(client, page)),
        total_rows=rows,
    )


@fhir_read("EpisodeOfCare")
@replica_safe
def episode_of_care_search(request):
    params = _allowed(request, "EpisodeOfCare")
    client = _client(request, search.patient_id(params))
    rows = search.last_updated(
        request, search.episodes_of(client, status=params.get("status")), field="updated_at"
    )
    return _search(
        request,
        rows,
        lambda page: search.released(client, search.episodes(page)),
        total_rows=rows,
    )


@fhir_read("Goal")
@replica_safe
def goal_search(request):
    params = _allowed(request, "Goal")
    client = _client(request, search.patient_id(params))
    rows = search.last_updated(
        request,
        search.goals_of(client, lifecycle=params.get("lifecycle-status")),
        field="updated_at",
    )
    return _search(
        request,
        rows,
        lambda page: search.released(
            client, [build.goal.data(g, client_id=client.pk) for g in page]
        ),
        total_rows=rows,
    )


def _measure_search(request, resource_type: str):
    params = _allowed(request, resource_type)
    client = _client(request, search.patient_id(params))
    # A response is never changed once given: its submission is its last update.
    rows = search.last_updated(request, search.responses_of(client), field="submitted_at")
    if "code" in params:
        rows = rows.filter(instrument__in=search.instruments_coded(client.practice, params["code"]))
    return _search(
        request,
        rows,
        lambda page: search.released(
            client, search.measured(client, page, resource_type=resource_type)
        ),
        total_rows=rows,
    )


@fhir_read("Observation")
@replica_safe
def observation_search(request):
    return _measure_search(request, "Observation")


@fhir_read("QuestionnaireResponse", methods=("GET", "HEAD", "POST"))
@replica_safe
def questionnaire_response_search(request):
    """GET searches; POST takes a response to a shipped instrument (create)."""
    if request.method == "POST":
        return _questionnaire_response_create(request)
    return _measure_search(request, "QuestionnaireResponse")


ACCEPTED = ("application/fhir+json", "application/json")


def _questionnaire_response_create(request):
    """Answers from another app, taken by the portal's and the REST API's one service
    (``measures.response_submit``), so they are checked, scored and alerted on the same way.
    Everything is read and checked before that call, and the call is one transaction: a refusal
    stores nothing."""
    if request.content_type not in ACCEPTED:
        return operation_outcome(
            415, "not-supported", "Send the resource as application/fhir+json."
        )
    try:
        resource = intake.parse(request.body)
        # Whose record first: someone else's patient is a 404 whatever the answers say.
        client = client_for(request, intake.patient_id(resource), Action.CHANGE_CLIENT)
        instrument = intake.instrument_of(resource, shipped_for(client.practice))
        answers = intake.answers_of(resource, instrument)
        session = None
        session_id = intake.encounter_id(resource)
        if session_id is not None:
            session = Session.objects.filter(client=client, pk=session_id).first()
            if session is None:
                raise intake.invalid("encounter is not one of this Patient's sessions.")
        key = intake.idempotency_key(request, resource)
    except intake.Refused as refused:
        return operation_outcome(refused.status, refused.code, str(refused))
    except RequestDataTooBig:
        # Django's limit (DATA_UPLOAD_MAX_MEMORY_SIZE) answers as FHIR does, not with its page.
        return operation_outcome(413, "too-costly", "The body is larger than this server takes.")
    sent_before = bool(key) and (
        Response.objects.filter(practice_id=client.practice_id, idempotency_key=key).exists()
    )
    try:
        response = measures.response_submit(
            client=client,
            instrument_code=instrument.code,
            answers=answers.values,
            free_text=answers.free_text,
            by=request.user,
            # Via.API: entered through an API by the practice's own staff; the audit events
            # of the request say it came through FHIR ("[via fhir]").
            via=Response.Via.API,
            session=session,
            idempotency_key=key or str(uuid.uuid4()),
            ip=client_ip(request),
        )
    except (InstrumentError, measures.MeasuresError) as refused:
        return operation_outcome(422, "processing", str(refused))
    stored = search.read(client, "QuestionnaireResponse", response.pk)
    answer = fhir_json_response(stored, status=200 if sent_before else 201)
    answer["Location"] = f"{_base(request)}QuestionnaireResponse/{response.pk}"
    return answer


# --- Practitioner, PractitionerRole, CareTeam, Questionnaire --------------------------------


def _staff(request):
    """The practice's clinicians are named to its staff. A client's token is refused: the
    portal names their own therapist, and the practice's staff list is not theirs to walk."""
    actor = actor_for(request.user)
    if actor.role is Role.CLIENT:
        raise PermissionDenied("clients do not read the practice's staff")
    return actor


def _practitioner(request, user_id: int):
    found = search.practitioners(practice_id=_staff(request).practice_id).filter(pk=user_id)
    user = found.first()
    if user is None:  # another practice's, a client, or no one
        raise Http404
    return user


@fhir_read("Practitioner")
def practitioner_read(request, user_id: int):
    return fhir_json_response(build.practitioner.data(_practitioner(request, user_id)))


@fhir_read("PractitionerRole")
def practitioner_role_read(request, user_id: int):
    return fhir_json_response(build.practitioner_role.data(_practitioner(request, user_id)))


@fhir_read("Practitioner")
@replica_safe
def practitioner_search(request):
    params = _allowed(request, "Practitioner")
    rows = search.practitioners(practice_id=_staff(request).practice_id, name=params.get("name"))
    return _search(
        request, rows, lambda page: [build.practitioner.data(u) for u in page], total_rows=rows
    )


@fhir_read("PractitionerRole")
@replica_safe
def practitioner_role_search(request):
    params = _allowed(request, "PractitionerRole")
    rows = search.practitioners(practice_id=_staff(request).practice_id)
    practitioner = search.practitioner_id(params)
    if practitioner is not None:
        rows = rows.filter(pk=practitioner)
    return _search(
        request, rows, lambda page: [build.practitioner_role.data(u) for u in page], total_rows=rows
    )


@fhir_read("CareTeam")
def care_team_read(request, client_id: int):
    client = _client(request, client_id)
    people = search.people_of(client)  # once, for the team and for the guard
    [team] = search.released(client, [search.care_team_of(client, people=people)], people=people)
    return fhir_json_response(team)


@fhir_read("RelatedPerson")
@replica_safe
def related_person_search(request):
    """The client's people whom what leaves may name; an ``unaware`` partner, or a person who
    is no therapy partner, is in no page and no total."""
    params = _allowed(request, "RelatedPerson")
    client = _client(request, search.patient_id(params))
    rows = search.people_named_of(client)

    def build_page(page):
        rings = search.rings_of(client)
        found = [build.related_person.data(p, ring=rings.get(p.pk)) for p in page]
        return search.released(client, found)

    return _search(request, rows, build_page, total_rows=rows)


@fhir_read("CarePlan")
@replica_safe
def care_plan_search(request):
    """Every version of the client's plan, each a CarePlan (a replaced one ``revoked``)."""
    params = _allowed(request, "CarePlan")
    client = _client(request, search.patient_id(params))
    rows = search.care_plans_of(client)
    return _search(
        request,
        rows,
        lambda page: search.released(client, search.care_plans(page)),
        total_rows=rows,
    )


def _referral_search(request, resource_type: str):
    """The client's referrals out, each as its ServiceRequest or as the Task that fulfils it."""
    params = _allowed(request, resource_type)
    client = _client(request, search.patient_id(params))
    rows = search.referrals_of(client)
    return _search(
        request,
        rows,
        lambda page: search.released(
            client, search.referral_resources(page, resource_type=resource_type)
        ),
        total_rows=rows,
    )


@fhir_read("Consent")
@replica_safe
def consent_search(request):
    """The client's authorizations to release information, signed or not, as Consent."""
    params = _allowed(request, "Consent")
    client = _client(request, search.patient_id(params))
    rows = search.authorizations_of(client)
    return _search(
        request,
        rows,
        lambda page: search.released(client, search.consents(page)),
        total_rows=rows,
    )


@fhir_read("Consent")
def consent_read(request, authorization_id: int):
    return _read(request, "Consent", authorization_id)


@fhir_read("Composition")
@replica_safe
def composition_search(request):
    """The client's signed ending reviews ("the road travelled"), each a Composition; ``date``
    is the signing."""
    params = _allowed(request, "Composition")
    client = _client(request, search.patient_id(params))
    rows = search.reviews_of(client, type_=params.get("type"))
    if "date" in params:
        rows = rows.filter(
            search.date_filters(request.GET.getlist("date"), field="signed_at", name="date")
        )
    return _search(
        request,
        rows,
        lambda page: search.released(client, search.composed(client, page)),
        total_rows=rows,
    )


@fhir_read("Composition")
def composition_read(request, review_id: int):
    return _read(request, "Composition", review_id)


@fhir_read("ServiceRequest")
@replica_safe
def service_request_search(request):
    return _referral_search(request, "ServiceRequest")


@fhir_read("Task")
@replica_safe
def task_search(request):
    return _referral_search(request, "Task")


@fhir_read("CareTeam")
@replica_safe
def care_team_search(request):
    """One care team per client: the search answers the patient's, or nothing."""
    params = _allowed(request, "CareTeam")
    client = _client(request, search.patient_id(params))
    rows = Client.objects.filter(pk=client.pk)
    return _search(
        request,
        rows,
        lambda page: search.released(client, [search.care_team_of(client)]) if page else [],
        total_rows=rows,
    )


@fhir_read("Questionnaire")
def questionnaire_read(request, code: str):
    """The instruments are no one's record: anyone with a token of the practice may read them
    (a practice-loaded licensed one without its wording). ``code`` is the FHIR id, the
    instrument's code and version (phq9-1.0)."""
    resource = search.questionnaire(request.user.practice, code)
    if resource is None:
        raise Http404
    return fhir_json_response(resource)


# --- AuditEvent -----------------------------------------------------------------------------


def _audit_read(request, actor, event_id, client_id, reason: str) -> None:
    # Reading the audit trail is itself an event on it, written before the trail is read.
    audit_access(request, actor, "audit.view", "AuditEvent", event_id, client_id, True, reason)


@fhir_read("AuditEvent")
@replica_safe
def audit_event_search(request):
    """A client's audit trail, for the practice admin alone (the audit log page's reader); a
    therapist is refused. Reading the trail is itself an event on it."""
    params = _allowed(request, "AuditEvent")
    actor = in_practice(request, Action.MANAGE_PRACTICE, audited=False)  # refusals are audited
    client_id = search.patient_id(params)
    if not Client.objects.filter(pk=client_id, practice_id=actor.practice_id).exists():
        raise Http404
    _audit_read(request, actor, None, client_id, "practice admin reads the client's audit trail")
    rows = search.audit_events_of(practice_id=actor.practice_id, client_id=client_id)
    if "date" in params:
        rows = rows.filter(
            search.date_filters(request.GET.getlist("date"), field="occurred_at", name="date")
        )
    return _search(
        request, rows, lambda page: [build.audit_event.data(e) for e in page], total_rows=rows
    )


@fhir_read("AuditEvent")
def audit_event_read(request, event_id: int):
    """One event of the trail, for the practice admin alone, as the search is."""
    actor = in_practice(request, Action.MANAGE_PRACTICE, audited=False)  # refusals are audited
    event = search.audit_events_in(practice_id=actor.practice_id).filter(pk=event_id).first()
    if event is None:
        raise Http404
    _audit_read(
        request, actor, event.pk, event.client_id, "practice admin reads an event of the trail"
    )
    return fhir_json_response(build.audit_event.data(event))


# --- Reads by id ----------------------------------------------------------------------------


@fhir_read("Encounter")
def encounter_read(request, session_id: int):
    return _read(request, "Encounter", session_id)


@fhir_read("Observation")
def observation_read(request, response_id: int):
    return _read(request, "Observation", response_id)


@fhir_read("QuestionnaireResponse")
def questionnaire_response_read(request, response_id: int):
    return _read(request, "QuestionnaireResponse", response_id)


@fhir_read("RelatedPerson")
def related_person_read(request, person_id: int):
    return _read(request, "RelatedPerson", person_id)


@fhir_read("EpisodeOfCare")
def episode_of_care_read(request, episode_id: int):
    return _read(request, "EpisodeOfCare", episode_id)


@fhir_read("Goal")
def goal_read(request, goal_id: int):
    return _read(request, "Goal", goal_id)


@fhir_read("CarePlan")
def care_plan_read(request, version_id: int):
    return _read(request, "CarePlan", version_id)


@fhir_read("ServiceRequest")
def service_request_read(request, referral_id: int):
    return _read(request, "ServiceRequest", referral_id)


@fhir_read("Task")
def task_read(request, referral_id: int):
    return _read(request, "Task", referral_id)


@csrf_exempt
def not_found(request, fhir_path: str = ""):
    """Every path under the base that the facade does not serve."""
    path = fhir_path or "the base"
    return operation_outcome(404, "not-found", f"This server does not serve {path}.")
