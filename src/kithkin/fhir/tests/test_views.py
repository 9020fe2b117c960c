import pytest
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome

from kithkin.fhir.capability import FHIR_VERSION

FHIR_JSON = "application/fhir+json"


def test_metadata_is_a_capability_statement_anyone_may_read(client, db):
    response = client.get("/fhir/R4/metadata")
    assert response.status_code == 200
    assert response["Content-Type"] == FHIR_JSON
    statement = CapabilityStatement.model_validate_json(response.content)
    assert statement.fhirVersion == FHIR_VERSION == "4.3.0"
    assert statement.kind == "instance"
    assert statement.format == ["json"]
    assert statement.implementation.url == "http://testserver/fhir/R4/"
    [rest] = statement.rest
    assert rest.mode == "server"


def _outcome(response, status, code):
    assert response.status_code == status
    assert response["Content-Type"] == FHIR_JSON
    outcome = OperationOutcome.model_validate_json(response.content)
    [issue] = outcome.issue
    assert (issue.severity, issue.code) == ("error", code)
    return issue


@pytest.mark.parametrize(
    "path",
    ["/fhir/R4/", "/fhir/R4/Medication/1", "/fhir/R4/Patient/abc", "/fhir/R4/metadata/extra"],
)
def test_an_unknown_path_under_the_base_is_an_operation_outcome_404(client, db, path):
    issue = _outcome(client.get(path), 404, "not-found")
    assert "does not serve" in issue.diagnostics


def test_posting_to_metadata_is_refused_with_an_operation_outcome(client, db):
    _outcome(client.post("/fhir/R4/metadata"), 405, "not-supported")


def test_posting_is_an_operation_outcome_not_a_csrf_page(db):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    _outcome(strict.post("/fhir/R4/Medication", "{}", content_type=FHIR_JSON), 404, "not-found")
    # Patient is served for reading and searching only.
    _outcome(strict.post("/fhir/R4/Patient", "{}", content_type=FHIR_JSON), 405, "not-supported")


def test_xml_is_not_offered(client, db):
    _outcome(client.get("/fhir/R4/metadata?_format=xml"), 406, "not-supported")


def test_metadata_answers_signed_in_users_the_same(login, world):
    assert login(world.carol_login).get("/fhir/R4/metadata").status_code == 200
