"""Reads, searches and $everything under /fhir/R4/, with Bearer tokens (issue 7).

Personas (STYLE.md): alice treats carol, bob is a colleague, sam supervises alice, adam
administers the practice, carol and dave are clients, mallory works in another practice.
"""

import datetime
import json
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient

from kithkin.audit.models import AuditEvent
from kithkin.clients.models import Client
from kithkin.fhir.codes import GOAL_LIFECYCLE
from kithkin.fhir.tests.conftest import NOTE, UTC
from kithkin.measures import services as measures
from kithkin.measures.tests.conftest import PHQ9_MODERATE, key
from kithkin.relationships.models import TherapyRelationship
from kithkin.schedule.models import Session

FHIR_JSON = "application/fhir+json"
BASE = "/fhir/R4/"


def phq9_response(patient_id, answers=None, **extra) -> dict:
    """A PHQ-9 QuestionnaireResponse as another app would send it: each item's LOINC answer
    coding (item 10, the difficulty question, is optional and left out)."""
    answers = answers if answers is not None else {n: 1 for n in range(1, 10)}
    loinc = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": "https://kithkin.example/fhir/Questionnaire/phq9|1.0",
        "status": "completed",
        "subject": {"reference": f"Patient/{patient_id}"},
        "item": [
            {
                "linkId": str(number),
                "answer": [{"valueCoding": {"system": "http://loinc.org", "code": loinc[value]}}],
            }
            for number, value in answers.items()
        ],
        **extra,
    }


def outcome(response, status, code):
    assert response.status_code == status
    assert response["Content-Type"] == FHIR_JSON
    [issue] = OperationOutcome.model_validate_json(response.content).issue
    assert (issue.severity, issue.code) == ("error", code)
    return issue


def bundle(response) -> Bundle:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == FHIR_JSON
    return Bundle.model_validate_json(response.content)


def ids(found: Bundle) -> list[str]:
    return [entry.resource.id for entry in found.entry or []]


# --- Authentication ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "header", [None, "Bearer", "Bearer kk_not-a-token", "Basic YWxpY2U6cHc=", "Token kk_x"]
)
def test_without_a_valid_bearer_token_every_route_answers_401(world, client, header):
    headers = {"HTTP_AUTHORIZATION": header} if header else {}
    for path in (f"Patient/{world.carol.pk}", "Patient?name=Car", "Encounter?patient=1"):
        response = client.get(BASE + path, **headers)
        issue = outcome(response, 401, "login")
        assert response["WWW-Authenticate"] == "Bearer"
        assert "Quill" not in issue.diagnostics


def test_a_signed_in_session_is_not_a_token(world, login):
    outcome(login(world.alice).get(f"{BASE}Patient/{world.carol.pk}"), 401, "login")


def test_a_revoked_token_is_refused(world, fhir, tokens):
    from kithkin.api.models import ApiToken

    ApiToken.objects.filter(user=world.alice).update(revoked_at=datetime.datetime.now(UTC))
    outcome(fhir(f"Patient/{world.carol.pk}", "alice"), 401, "login")


def test_requests_are_limited_per_token_as_on_the_rest_api(world, fhir, settings):
    settings.KITHKIN_API_RATE = "2/m"
    answers = [fhir(f"Patient/{world.carol.pk}", "alice") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    outcome(answers[-1], 429, "throttled")
    assert "Retry-After" in answers[-1]
    assert fhir(f"Patient/{world.carol.pk}", "sam").status_code == 200


def test_metadata_still_needs_no_token(client, db):
    assert client.get(BASE + "metadata").status_code == 200


# --- Patient read --------------------------------------------------------------------------


def test_alice_reads_carols_patient(world, fhir):
    response = fhir(f"Patient/{world.carol.pk}", "alice")
    assert response.status_code == 200
    assert response["Content-Type"] == FHIR_JSON
    patient = Patient.model_validate_json(response.content)
    assert patient.id == str(world.carol.pk)
    assert patient.name[0].family == "Quill"


def test_sam_reads_his_supervisees_client(world, fhir):
    assert fhir(f"Patient/{world.carol.pk}", "sam").status_code == 200


@pytest.mark.parametrize("who", ["bob", "adam", "mallory", "carol", "dave"])
def test_anyone_else_finds_carol_as_if_she_did_not_exist(world, fhir, who):
    there = fhir(f"Patient/{world.carol.pk}", who)
    missing = fhir("Patient/987654321", who)
    outcome(there, 404, "not-found")
    assert (there.status_code, there.content) == (missing.status_code, missing.content)
    assert b"Quill" not in there.content


def test_each_read_writes_the_pages_audit_event_marked_fhir(world, fhir):
    fhir(f"Patient/{world.carol.pk}", "alice")
    fhir(f"Patient/{world.carol.pk}", "bob")
    events = AuditEvent.objects.filter(client_id=world.carol.pk, action="client.view")
    allowed = events.get(actor=world.alice)
    assert allowed.outcome == AuditEvent.Outcome.ALLOWED
    assert allowed.reason == "treating therapist [via fhir]"
    denied = events.get(actor=world.bob)
    assert denied.outcome == AuditEvent.Outcome.DENIED
    assert denied.reason.endswith("[via fhir]")


# --- Patient search ------------------------------------------------------------------------


def _clients_of(world, therapist, names):
    for given, family in names:
        record = Client.objects.create(
            practice=world.practice, given_name=given, family_name=family
        )
        TherapyRelationship.objects.create(
            practice=world.practice,
            client=record,
            therapist=therapist,
            started_on=datetime.date(2026, 1, 5),
        )


def test_a_name_search_finds_only_the_clients_the_user_may_see(world, fhir):
    _clients_of(world, world.bob, [("Quincy", "Quarles")])
    found = bundle(fhir("Patient", "alice", name="qu"))
    assert found.type == "searchset" and found.total == 1
    assert ids(found) == [str(world.carol.pk)]
    assert ids(bundle(fhir("Patient", "alice", name="CAR"))) == [str(world.carol.pk)]
    assert ids(bundle(fhir("Patient", "sam", name="quill"))) == [str(world.carol.pk)]
    assert bundle(fhir("Patient", "mallory", name="qu")).total == 0
    assert [e.resource.name[0].family for e in bundle(fhir("Patient", "bob", name="q")).entry] == [
        "Quarles"
    ]


def test_an_admin_has_no_caseload_to_search(world, fhir):
    outcome(fhir("Patient", "adam", name="qu"), 403, "forbidden")


def test_following_next_links_walks_every_result_once(world, fhir):
    _clients_of(world, world.alice, [(f"Client{n}", f"Family{n}") for n in range(6)])
    seen, url, pages = [], "Patient", 0
    params = {"_count": "3"}
    while url:
        page = bundle(fhir(url, "alice", **params))
        params = {}
        assert page.total == 7
        assert len(page.entry) <= 3
        seen += ids(page)
        nexts = [link.url for link in page.link if link.relation == "next"]
        url = nexts[0] if nexts else None
        if url:
            assert "_cursor=" in urlsplit(url).query and "offset" not in url.lower()
        pages += 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == 7


@pytest.mark.parametrize(
    "path", ["Patient?family=Quill", "Patient?_sort=name", "Encounter?patient=1&date=2026"]
)
def test_an_unknown_search_parameter_is_refused(world, fhir, path):
    issue = outcome(fhir(path, "alice"), 400, "not-supported")
    assert "Unsupported search parameter" in issue.diagnostics


def test_a_bad_count_or_cursor_is_refused(world, fhir):
    outcome(fhir("Patient", "alice", _count="lots"), 400, "not-supported")
    outcome(fhir("Patient", "alice", _cursor="'; drop"), 400, "not-supported")
    outcome(fhir("Encounter", "alice"), 400, "not-supported")  # patient is required


# --- $everything ---------------------------------------------------------------------------


def test_everything_holds_the_record_without_the_unaware_roommate(record, fhir):
    response = fhir(f"Patient/{record.carol.pk}/$everything", "alice")
    found = bundle(response)
    assert found.type == "searchset" and found.total == len(found.entry)
    kinds = {entry.resource.get_resource_type() for entry in found.entry}
    assert {"Patient", "Encounter", "Observation", "QuestionnaireResponse", "Goal"} <= kinds
    assert {"CarePlan", "EpisodeOfCare", "RelatedPerson", "CareTeam"} <= kinds
    text = response.content.decode()
    diane = f"RelatedPerson/{record.diane.pk}"
    assert diane not in text and "Diane" not in text and "roommate" not in text
    assert f"RelatedPerson/{record.maria.pk}" in text
    assert "Transference" not in text and NOTE not in text
    for entry in found.entry:
        assert entry.fullUrl.endswith(f"{entry.resource.get_resource_type()}/{entry.resource.id}")


def test_everything_holds_her_consents_and_referrals(record, fhir):
    from kithkin.referrals.tests.conftest import carols_referral

    referral = carols_referral(record)
    found = bundle(fhir(f"Patient/{record.carol.pk}/$everything", "alice"))
    ids = {(e.resource.get_resource_type(), e.resource.id) for e in found.entry}
    assert ("Consent", str(referral.authorization_id)) in ids
    assert ("ServiceRequest", str(referral.pk)) in ids and ("Task", str(referral.pk)) in ids


def test_everything_is_refused_like_a_read(record, fhir):
    for who in ("bob", "adam", "mallory"):
        outcome(fhir(f"Patient/{record.carol.pk}/$everything", who), 404, "not-found")


# --- Reads by id ---------------------------------------------------------------------------


def _reads(world) -> dict[str, int]:
    from kithkin.endings.tests.conftest import carols_review
    from kithkin.referrals.tests.conftest import carols_referral

    referral = carols_referral(world).pk
    return {
        "Composition": carols_review(world).pk,
        "Consent": carols_referral(world).authorization_id,
        "Patient": world.carol.pk,
        "Encounter": world.session.pk,
        "Observation": world.response.pk,
        "QuestionnaireResponse": world.response.pk,
        "RelatedPerson": world.maria.pk,
        "EpisodeOfCare": world.episode.pk,
        "Goal": world.goal.pk,
        "CarePlan": world.version.pk,
        "ServiceRequest": referral,
        "Task": referral,
        "Practitioner": world.alice.pk,
        "PractitionerRole": world.alice.pk,
        "CareTeam": world.carol.pk,
        "Questionnaire": "phq9-1.0",
        "AuditEvent": AuditEvent.objects.filter(client_id=world.carol.pk).order_by("pk")[0].pk,
    }


@pytest.mark.parametrize(
    "resource_type",
    [
        "Encounter",
        "Observation",
        "QuestionnaireResponse",
        "RelatedPerson",
        "EpisodeOfCare",
        "Goal",
        "CarePlan",
    ],
)
def test_each_resource_reads_by_id_for_alice_and_sam_alone(record, fhir, resource_type):
    pk = _reads(record)[resource_type]
    for who in ("alice", "sam"):
        response = fhir(f"{resource_type}/{pk}", who)
        assert response.status_code == 200, (who, response.content)
        assert response.json()["resourceType"] == resource_type
        assert response.json()["id"] == str(pk)
        assert "Diane" not in response.content.decode()
    missing = fhir(f"{resource_type}/987654321", "bob")
    for who in ("bob", "adam", "mallory", "carol"):
        there = fhir(f"{resource_type}/{pk}", who)
        outcome(there, 404, "not-found")
        assert there.content == missing.content


def test_the_encounter_she_sat_in_on_names_maria_but_not_diane(record, fhir):
    text = fhir(f"Encounter/{record.session.pk}", "alice").content.decode()
    assert f"RelatedPerson/{record.maria.pk}" in text
    assert f"RelatedPerson/{record.diane.pk}" not in text


def test_the_unaware_roommate_is_not_found_even_by_her_therapist(record, fhir):
    there = fhir(f"RelatedPerson/{record.diane.pk}", "alice")
    outcome(there, 404, "not-found")
    assert there.content == fhir("RelatedPerson/987654321", "alice").content


# --- Searches by patient -------------------------------------------------------------------


def test_encounters_by_patient_and_status(record, fhir):
    carol = record.carol.pk
    assert ids(bundle(fhir("Encounter", "alice", patient=carol))) == [str(record.session.pk)]
    assert bundle(fhir("Encounter", "alice", patient=f"Patient/{carol}", status="finished")).total
    assert bundle(fhir("Encounter", "alice", patient=carol, status="planned")).total == 0
    text = fhir("Encounter", "alice", patient=carol).content.decode()
    assert f"RelatedPerson/{record.diane.pk}" not in text


@pytest.mark.parametrize("resource_type", ["Observation", "QuestionnaireResponse"])
def test_scores_and_answers_by_patient(record, fhir, resource_type):
    found = bundle(fhir(resource_type, "sam", patient=record.carol.pk))
    assert ids(found) == [str(record.response.pk)]
    assert found.entry[0].resource.get_resource_type() == resource_type


@pytest.mark.parametrize("resource_type", ["Encounter", "Observation", "QuestionnaireResponse"])
def test_a_search_of_someone_elses_client_is_a_404(record, fhir, resource_type):
    there = fhir(resource_type, "bob", patient=record.carol.pk)
    outcome(there, 404, "not-found")
    assert there.content == fhir(resource_type, "bob", patient=987654321).content


# --- The CapabilityStatement tells the truth ----------------------------------------------


# Who makes each listed call: the audit trail is the practice admin's to read.
CALLER = {"AuditEvent": "adam"}
# Where one parameter name takes another value on another resource.
EXAMPLES = {
    ("Practitioner", "name"): {"name": "ali"},
    ("EpisodeOfCare", "status"): {"status": "planned"},  # reaching out
}
# Searches whose results are not one client's take no patient.
WITHOUT_PATIENT = frozenset({"Patient", "Practitioner", "PractitionerRole"})


def test_every_interaction_the_statement_lists_is_served(record, fhir, client, tokens):
    statement = CapabilityStatement.model_validate_json(client.get(BASE + "metadata").content)
    [rest] = statement.rest
    assert rest.security.service[0].text == "Bearer"
    reads = _reads(record)
    example = {"name": "Car", "patient": record.carol.pk, "status": "finished"}
    example |= {"code": "http://loinc.org|44261-6", "practitioner": record.alice.pk}
    example |= {"lifecycle-status": GOAL_LIFECYCLE[record.goal.lifecycle]}
    example |= {"type": "http://loinc.org|78263-1"}
    example |= {"_lastUpdated": "ge2026-01-01", "date": "le2099-12-31T00:00:00Z"}
    example |= {"_count": "1", "_cursor": "0"}
    listed = set()
    for resource in rest.resource:
        who = CALLER.get(resource.type, "alice")
        for interaction in resource.interaction:
            listed.add((resource.type, interaction.code))
            if interaction.code == "read":
                response = fhir(f"{resource.type}/{reads[resource.type]}", who)
                assert response.status_code == 200, resource.type
            elif interaction.code == "search-type":
                for param in resource.searchParam:
                    params = {param.name: example[param.name]}
                    params |= EXAMPLES.get((resource.type, param.name), {})
                    if resource.type not in WITHOUT_PATIENT:
                        params["patient"] = record.carol.pk
                    response = fhir(resource.type, who, **params)
                    assert response.status_code == 200, (resource.type, param.name)
                    assert bundle(response).total >= (0 if param.name == "_cursor" else 1), (
                        resource.type,
                        param.name,
                    )
            elif interaction.code == "create":
                assert resource.type == "QuestionnaireResponse"
                response = client.post(
                    BASE + resource.type,
                    json.dumps(phq9_response(record.carol.pk)),
                    content_type=FHIR_JSON,
                    HTTP_AUTHORIZATION=f"Bearer {tokens[who]}",
                )
                assert response.status_code == 201, response.content
            else:
                pytest.fail(f"{resource.type} lists {interaction.code}, which is not tested")
        for operation in resource.operation or []:
            assert operation.name == "everything"
            path = f"{resource.type}/{reads[resource.type]}/${operation.name}"
            assert fhir(path, "alice").status_code == 200
    assert ("Patient", "search-type") in listed and ("CarePlan", "read") in listed
    assert ("QuestionnaireResponse", "create") in listed
    assert ("AuditEvent", "search-type") in listed and ("AuditEvent", "read") in listed
    assert ("RelatedPerson", "search-type") in listed and ("CarePlan", "search-type") in listed
    assert ("Composition", "read") in listed and ("Composition", "search-type") in listed
    with_last_updated = {
        r.type for r in rest.resource if any(p.name == "_lastUpdated" for p in r.searchParam or [])
    }
    # Only where a row carries a true update time (care plan versions are read by id alone).
    assert with_last_updated == {
        "Patient",
        "Observation",
        "QuestionnaireResponse",
        "Encounter",
        "EpisodeOfCare",
        "Goal",
    }


# --- Query counts --------------------------------------------------------------------------


def _more(world, n):
    for day in range(n):
        Session.objects.create(
            practice=world.practice,
            client=world.carol,
            therapist=world.alice,
            starts_at=datetime.datetime(2026, 4, 1, 15, 0, tzinfo=UTC)
            + datetime.timedelta(days=day),
            status="attended",
        )
        measures.response_submit(
            client=world.carol,
            instrument_code="phq9",
            answers=PHQ9_MODERATE,
            by=world.carol_login,
            via="portal",
            idempotency_key=key(),
        )


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert call().status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "path",
    [
        "Encounter?_count=5&patient={carol}",
        "Encounter?_count=5&patient={carol}&_lastUpdated=ge2026-01-01",
        "Observation?_count=5&patient={carol}",
        "QuestionnaireResponse?_count=5&patient={carol}",
        "Observation?_count=5&patient={carol}&code=44261-6&_lastUpdated=ge2026-01-01",
        "QuestionnaireResponse?_count=5&patient={carol}&_lastUpdated=le2099-01-01",
        "CareTeam?patient={carol}",
        "EpisodeOfCare?patient={carol}&status=planned",
        "EpisodeOfCare?patient={carol}&_lastUpdated=le2099-01-01",
        "Goal?patient={carol}",
        "Goal?patient={carol}&_lastUpdated=ge2026-01-01",
        "CareTeam/{carol}",
        "Patient/{carol}/$everything",
        # Reads by id: their own rows and the client's people, whatever else the record holds.
        "Encounter/{session}",
        "Observation/{response}",
        "RelatedPerson/{maria}",
        "EpisodeOfCare/{episode}",
        "Goal/{goal}",
        "CarePlan/{version}",
    ],
)
def test_the_queries_do_not_grow_with_the_rows(record, fhir, django_assert_num_queries, path):
    path = path.format(
        carol=record.carol.pk,
        session=record.session.pk,
        response=record.response.pk,
        maria=record.maria.pk,
        episode=record.episode.pk,
        goal=record.goal.pk,
        version=record.version.pk,
    )
    _more(record, 6)
    fhir(path, "alice")  # the token's last use is written once a minute: not counted below
    few = _queries(lambda: fhir(path, "alice"))
    _more(record, 30)
    with django_assert_num_queries(few):
        assert fhir(path, "alice").status_code == 200


# Every read by id asks for the token (with its user) and the client (with the therapists of
# its open relationships and any restriction), then appends its audit event: the chain's head,
# the event, the new head.
AUDITED_ACCESS = 2 + 3


@pytest.mark.parametrize(
    ("path", "own"),
    [
        ("Patient/{carol}", 0),
        # The session whole with its client's id, its attendees, the episodes it may fall in,
        # and the client's people for the guard.
        ("Encounter/{session}", 4),
        # The goal whole with its client's id, and the client's people.
        ("Goal/{goal}", 2),
    ],
)
def test_a_read_by_id_asks_for_the_access_check_and_its_own_rows_alone(
    record, fhir, django_assert_num_queries, path, own
):
    path = path.format(carol=record.carol.pk, session=record.session.pk, goal=record.goal.pk)
    fhir(path, "alice")  # the token's last use is written once a minute: not counted below
    with django_assert_num_queries(AUDITED_ACCESS + own):
        assert fhir(path, "alice").status_code == 200


def test_a_session_cookie_beside_the_token_is_never_read(
    record, fhir, login, django_assert_num_queries
):
    path = f"Patient/{record.carol.pk}"
    fhir(path, "alice")  # the token's last use: not counted below
    login(record.alice)  # a browser's session cookie goes along with the token
    with django_assert_num_queries(AUDITED_ACCESS):
        assert fhir(path, "alice").status_code == 200
