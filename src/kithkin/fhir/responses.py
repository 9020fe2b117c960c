"""HTTP answers of the facade: a resource as application/fhir+json (a model, or a dict that is
ready to go), and every error as an OperationOutcome with the status that goes with it."""

from django.http import HttpResponse
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.resource import Resource

from kithkin.fhir.release import to_json

CONTENT_TYPE = "application/fhir+json"


def fhir_response(resource: Resource, *, status: int = 200) -> HttpResponse:
    return HttpResponse(resource.model_dump_json(), status=status, content_type=CONTENT_TYPE)


def fhir_json_response(data: dict, *, status: int = 200) -> HttpResponse:
    """A resource already in JSON form (``release.released_dicts``, a Bundle made of them),
    written as ``fhir_response`` would write its model. Nothing is validated here: the caller
    answers only with dicts its models accepted (``kithkin.fhir.valid``)."""
    return fhir_text_response(to_json(data), status=status)


def fhir_text_response(text: str, *, status: int = 200) -> HttpResponse:
    """A resource already written as text (``release.searchset_text``)."""
    return HttpResponse(text, status=status, content_type=CONTENT_TYPE)


def operation_outcome(status: int, code: str, diagnostics: str) -> HttpResponse:
    """``code`` is from the FHIR issue-type value set (not-found, not-supported, ...)."""
    outcome = OperationOutcome.model_validate(
        {"issue": [{"severity": "error", "code": code, "diagnostics": diagnostics}]}
    )
    return fhir_response(outcome, status=status)
