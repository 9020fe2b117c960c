"""The FHIR facade's views. ``metadata`` needs no authentication: a FHIR server publishes its
CapabilityStatement to anyone. Every other route takes ``Authorization: Bearer <token>`` only
(never a session cookie), so CSRF does not apply, and a POST answers with an OperationOutcome
rather than Django's CSRF page.

Access goes through the pages' one door, ``kithkin.accounts.access``: the same decisions and
the same audit events, marked "[via fhir]". A record the user may not read answers exactly as
one that does not exist (404, one body for both).
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.views.decorators.csrf import csrf_exempt

from kithkin.accounts.access import client_for, in_practice
from kithkin.api.api import TokenRateThrottle
from kithkin.api.auth import user_for_bearer
from kithkin.core.access import Action
from kithkin.fhir import resources as build
from kithkin.fhir import search
from kithkin.fhir.capability import SEARCH_PARAMS, capability_statement
from kithkin.fhir.release import bundle_for_release
from kithkin.fhir.responses import fhir_response, operation_outcome
from kithkin.fhir.selectors import resources_for_client
from kithkin.plans.selectors import caseload_ids

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


def fhir_read(resource_type: str):
    """GET only, JSON only, a Bearer token, and the access policy's refusals as
    OperationOutcomes."""

    def decorator(view):
        @csrf_exempt
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD"):
                return operation_outcome(
                    405, "not-supported", f"{request.method} is not supported here."
                )
            if request.GET.get("_format") in XML:
                return operation_outcome(406, "not-supported", "This server speaks JSON only.")
            if user_for_bearer(request, channel=CHANNEL) is None:
                # One answer for a missing, unknown, expired or revoked token.
                response = operation_outcome(
                    401, "login", "An Authorization: Bearer token is required."
                )
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
    client_id = search.owner_of(resource_type, pk, practice_id=request.user.practice_id)
    if client_id is None:
        raise Http404
    resource = search.read(_client(request, client_id), resource_type, pk)
    if resource is None:
        # Withheld from anything that leaves (an unaware partner): as if it did not exist.
        raise Http404
    return fhir_response(resource)


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
    return fhir_response(bundle)


def _allowed(request, resource_type: str) -> dict:
    params = request.GET.dict()
    search.check_params(params, SEARCH_PARAMS[resource_type])
    return params


# --- Patient ------------------------------------------------------------------------------


@fhir_read("Patient")
def patient_read(request, client_id: int):
    return fhir_response(build.patient(_client(request, client_id)))


@fhir_read("Patient")
def patient_search(request):
    """The caseload the user may see (the caseload page's), by a prefix of a name."""
    params = _allowed(request, "Patient")
    actor = in_practice(request, Action.VIEW_CASELOAD)
    rows = search.patients_named(
        practice_id=actor.practice_id, client_ids=caseload_ids(actor), name=params.get("name")
    )
    return _search(
        request,
        rows,
        lambda page: [build.patient(client) for client in page],
        total_rows=rows,
    )


@fhir_read("Patient")
def patient_everything(request, client_id: int):
    """The client's record as a Bundle that may leave the practice: no unaware partner, no
    reference to them, and never a psychotherapy note (there is no builder for one)."""
    client = _client(request, client_id)
    bundle = bundle_for_release(resources_for_client(client), base=_base(request))
    data = bundle.model_dump(mode="json")
    data["type"] = "searchset"  # FHIR: $everything answers a searchset
    data["total"] = len(data.get("entry", []))
    for entry in data.get("entry", []):
        entry["search"] = {"mode": "match"}
    return fhir_response(type(bundle).model_validate(data))


# --- Searches by patient --------------------------------------------------------------------


@fhir_read("Encounter")
def encounter_search(request):
    params = _allowed(request, "Encounter")
    client = _client(request, search.patient_id(params))
    rows = search.sessions_of(client, status=params.get("status"))
    return _search(
        request,
        rows,
        lambda page: search.released(client, search.encounters(client, page)),
        total_rows=rows,
    )


def _measure_search(request, resource_type: str):
    params = _allowed(request, resource_type)
    client = _client(request, search.patient_id(params))
    rows = search.responses_of(client)
    return _search(
        request,
        rows,
        lambda page: search.released(
            client, search.measured(client, page, resource_type=resource_type)
        ),
        total_rows=rows,
    )


@fhir_read("Observation")
def observation_search(request):
    return _measure_search(request, "Observation")


@fhir_read("QuestionnaireResponse")
def questionnaire_response_search(request):
    return _measure_search(request, "QuestionnaireResponse")


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


@csrf_exempt
def not_found(request, fhir_path: str = ""):
    """Every path under the base that the facade does not serve."""
    path = fhir_path or "the base"
    return operation_outcome(404, "not-found", f"This server does not serve {path}.")
