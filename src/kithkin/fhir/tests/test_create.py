"""POST /fhir/R4/QuestionnaireResponse: answers from another app, taken by the same service as
the portal's (issue 7). A refusal answers an OperationOutcome and stores nothing.

Personas (STYLE.md): alice treats carol, bob is a colleague, sam supervises alice, adam
administers the practice, carol and dave are clients, mallory works in another practice.
"""

import copy
import json

import pytest
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from kithkin.audit.models import AuditEvent
from kithkin.fhir.tests.test_rest import (
    FHIR_JSON,
    outcome,
    phq9_response,
)
from kithkin.measures import services as measures
from kithkin.measures.models import Alert, Answer, Response
from kithkin.measures.tests.conftest import key

URL = "/fhir/R4/QuestionnaireResponse"
RISK = {**{n: 0 for n in range(1, 9)}, 9: 1}


@pytest.fixture
def post(client, tokens):
    """POSTs a body (a dict is sent as JSON) as a persona (None: no token)."""

    def send(body, who="alice", content_type=FHIR_JSON, **headers):
        if who:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {tokens[who]}"
        data = json.dumps(body) if isinstance(body, dict) else body
        return client.post(URL, data, content_type=content_type, **headers)

    return send


def counts():
    return (Response.objects.count(), Answer.objects.count(), Alert.objects.count())


def test_a_phq9_from_another_app_is_stored_scored_and_raises_the_risk_alert(world, post, client):
    response = post(phq9_response(world.carol.pk, RISK))
    assert response.status_code == 201, response.content
    assert response["Content-Type"] == FHIR_JSON
    stored = Response.objects.get(client=world.carol)
    assert response["Location"] == f"http://testserver{URL}/{stored.pk}"
    resource = QuestionnaireResponse.model_validate_json(response.content)
    assert resource.id == str(stored.pk)
    assert resource.subject.reference == f"Patient/{world.carol.pk}"
    assert (stored.total, stored.complete, stored.submitted_via) == (1, True, "api")
    assert stored.entered_by == world.alice
    assert {a.item: a.value for a in stored.answers.all()} == RISK
    [alert] = Alert.objects.filter(client=world.carol)
    assert (alert.kind, alert.response_id) == ("risk", stored.pk)
    # The score is an Observation like any other, with item 9 endorsed.
    read = client.get(
        f"/fhir/R4/Observation/{stored.pk}",
        HTTP_AUTHORIZATION=response.wsgi_request.headers["Authorization"],
    )
    observation = Observation.model_validate_json(read.content)
    assert observation.valueInteger == 1
    assert observation.component[0].interpretation[0].text.startswith("Item 9 endorsed")


def test_it_scores_exactly_as_the_portal_does(world, post):
    answers = {1: 3, 2: 2, 3: 1, 4: 0, 5: 3, 6: 2, 7: 1, 8: 0}  # item 9 left blank
    assert post(phq9_response(world.carol.pk, answers)).status_code == 201
    portal = measures.response_submit(
        client=world.dave,
        instrument_code="phq9",
        answers=answers,
        by=world.dave_login,
        via="portal",
        idempotency_key=key(),
    )
    via_fhir = Response.objects.get(client=world.carol)
    fields = ("total", "band", "complete", "answered", "item9")
    assert [getattr(via_fhir, f) for f in fields] == [getattr(portal, f) for f in fields]
    assert via_fhir.complete is False  # a blank is not a 0: no total


def test_gad7_with_plain_json_and_scores_as_integers(world, post):
    body = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": "Questionnaire/gad7-1.0",
        "status": "completed",
        "subject": {"reference": f"http://elsewhere.example/fhir/Patient/{world.carol.pk}"},
        "item": [{"linkId": str(n), "answer": [{"valueInteger": 2}]} for n in range(1, 8)],
    }
    response = post(body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert Response.objects.get(client=world.carol).total == 14


def test_the_same_idempotency_key_twice_stores_one_response(world, post):
    first = post(phq9_response(world.carol.pk), HTTP_IDEMPOTENCY_KEY="abc-1")
    again = post(phq9_response(world.carol.pk), HTTP_IDEMPOTENCY_KEY="abc-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first["Location"] == again["Location"]
    body = phq9_response(world.carol.pk, identifier={"system": "urn:app", "value": "r-7"})
    assert post(body).status_code == 201
    assert post(body).status_code == 200
    assert Response.objects.filter(client=world.carol).count() == 2


def test_an_encounter_ties_it_to_the_clients_session(carols_record, post):
    world = carols_record
    body = phq9_response(world.carol.pk, encounter={"reference": f"Encounter/{world.session.pk}"})
    assert post(body).status_code == 201
    assert Response.objects.filter(client=world.carol, session=world.session).exists()


def test_submitting_is_audited_as_the_portals_is_and_marked_fhir(world, post):
    post(phq9_response(world.carol.pk))
    change = AuditEvent.objects.get(actor=world.alice, action="client.change")
    assert change.reason.endswith("[via fhir]") and change.outcome == "allowed"
    assert AuditEvent.objects.filter(
        actor=world.alice, action="measures.response.submit", client_id=world.carol.pk
    ).exists()


# --- Refusals: the status, the OperationOutcome, and nothing stored -------------------------


def _bad(world):
    """Each bad body, with the status and issue code it answers."""
    carol = world.carol.pk
    good = phq9_response(carol)

    def changed(**fields):
        body = copy.deepcopy(good)
        body.update(fields)
        return body

    def item(index, **fields):
        body = copy.deepcopy(good)
        body["item"][index] = {**body["item"][index], **fields}
        return body

    return {
        "not JSON": ("{nope", 400, "structure"),
        "a list": ("[]", 400, "structure"),
        "another resource": (changed(resourceType="Patient"), 400, "structure"),
        "invalid R4B": (changed(item="several"), 400, "structure"),
        "no status": ({k: v for k, v in good.items() if k != "status"}, 400, "structure"),
        "unknown questionnaire": (
            changed(questionnaire="http://x.example/Q/bdi"),
            422,
            "processing",
        ),
        "another version": (
            changed(questionnaire="https://kithkin.example/fhir/Questionnaire/phq9|2.0"),
            422,
            "processing",
        ),
        "in progress": (changed(status="in-progress"), 422, "processing"),
        "no subject": ({k: v for k, v in good.items() if k != "subject"}, 422, "processing"),
        "a group as subject": (changed(subject={"reference": "Group/1"}), 422, "processing"),
        "out of range": (item(0, answer=[{"valueInteger": 7}]), 422, "processing"),
        "a coding it does not offer": (
            item(0, answer=[{"valueCoding": {"system": "http://loinc.org", "code": "LA1-1"}}]),
            422,
            "processing",
        ),
        "a string for a choice": (item(0, answer=[{"valueString": "often"}]), 422, "processing"),
        "an empty answer": (item(0, answer=[{}]), 422, "processing"),
        "two answers": (
            item(0, answer=[{"valueInteger": 1}, {"valueInteger": 2}]),
            422,
            "processing",
        ),
        "an unknown item": (item(0, linkId="99"), 422, "processing"),
        "an item twice": (item(1, linkId="1"), 422, "processing"),
        "no answers at all": (changed(item=[{"linkId": "1"}]), 422, "processing"),
        "someone else's session": (
            changed(encounter={"reference": "Encounter/987654321"}),
            422,
            "processing",
        ),
        "a key too long": (
            changed(identifier={"value": "k" * 80}),
            422,
            "processing",
        ),
    }


BAD = [
    "not JSON",
    "a list",
    "another resource",
    "invalid R4B",
    "no status",
    "unknown questionnaire",
    "another version",
    "in progress",
    "no subject",
    "a group as subject",
    "out of range",
    "a coding it does not offer",
    "a string for a choice",
    "an empty answer",
    "two answers",
    "an unknown item",
    "an item twice",
    "no answers at all",
    "someone else's session",
    "a key too long",
]


@pytest.mark.parametrize("case", BAD)
def test_a_bad_submission_is_refused_and_stores_nothing(world, post, case):
    body, status, code = _bad(world)[case]
    before = counts()
    issue = outcome(post(body), status, code)
    assert issue.diagnostics
    assert counts() == before
    assert not AuditEvent.objects.filter(action="measures.response.submit").exists()


def test_every_bad_case_is_tested(world):
    assert sorted(BAD) == sorted(_bad(world))


@pytest.mark.parametrize("who", ["bob", "adam", "mallory", "carol", "dave"])
def test_someone_elses_patient_is_a_404_and_nothing_is_stored(world, post, who):
    before = counts()
    there = post(phq9_response(world.carol.pk, RISK), who)
    missing = post(phq9_response(987654321, RISK), who)
    outcome(there, 404, "not-found")
    assert there.content == missing.content
    assert counts() == before


def test_a_supervisor_may_read_but_not_enter_answers(world, post):
    before = counts()
    outcome(post(phq9_response(world.carol.pk), "sam"), 403, "forbidden")
    assert counts() == before


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_only_json_is_taken(world, post, content_type):
    before = counts()
    body = json.dumps(phq9_response(world.carol.pk))
    outcome(post(body, content_type=content_type), 415, "not-supported")
    assert counts() == before


def test_without_a_token_or_with_a_session_cookie_it_is_a_401(world, post, login):
    before = counts()
    outcome(post(phq9_response(world.carol.pk), None), 401, "login")
    session = login(world.alice)
    answer = session.post(URL, json.dumps(phq9_response(world.carol.pk)), content_type=FHIR_JSON)
    outcome(answer, 401, "login")
    assert counts() == before


def test_the_post_needs_no_csrf_token(world, tokens):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        URL,
        json.dumps(phq9_response(world.carol.pk)),
        content_type=FHIR_JSON,
        HTTP_AUTHORIZATION=f"Bearer {tokens['alice']}",
    )
    assert response.status_code == 201


def test_other_methods_are_still_refused(world, client, tokens):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens['alice']}"}
    outcome(client.put(URL, "{}", content_type=FHIR_JSON, **auth), 405, "not-supported")
    outcome(client.delete(URL, **auth), 405, "not-supported")
