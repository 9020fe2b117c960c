"""The FHIR facade's views. ``metadata`` needs no authentication: a FHIR server publishes its
CapabilityStatement to anyone. Nothing here reads a session cookie or changes state, so CSRF
does not apply, and a POST answers with an OperationOutcome rather than Django's CSRF page."""

from django.views.decorators.csrf import csrf_exempt

from kithkin.fhir.capability import capability_statement
from kithkin.fhir.responses import fhir_response, operation_outcome

XML = ("xml", "text/xml", "application/xml", "application/fhir+xml")


@csrf_exempt
def metadata(request):
    if request.method not in ("GET", "HEAD"):
        return operation_outcome(405, "not-supported", f"{request.method} is not supported here.")
    if request.GET.get("_format") in XML:
        return operation_outcome(406, "not-supported", "This server speaks JSON only.")
    base_url = request.build_absolute_uri(request.path.rsplit("metadata", 1)[0])
    return fhir_response(capability_statement(base_url=base_url))


@csrf_exempt
def not_found(request, fhir_path: str = ""):
    """Every path under the base that the facade does not serve."""
    path = fhir_path or "the base"
    return operation_outcome(404, "not-found", f"This server does not serve {path}.")
