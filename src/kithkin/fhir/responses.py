"""HTTP answers of the facade: a resource as application/fhir+json, and every error as an
OperationOutcome with the status that goes with it."""

from django.http import HttpResponse
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.resource import Resource

CONTENT_TYPE = "application/fhir+json"


def fhir_response(resource: Resource, *, status: int = 200) -> HttpResponse:
    return HttpResponse(resource.model_dump_json(), status=status, content_type=CONTENT_TYPE)


def operation_outcome(status: int, code: str, diagnostics: str) -> HttpResponse:
    """``code`` is from the FHIR issue-type value set (not-found, not-supported, ...)."""
    outcome = OperationOutcome.model_validate(
        {"issue": [{"severity": "error", "code": code, "diagnostics": diagnostics}]}
    )
    return fhir_response(outcome, status=status)
