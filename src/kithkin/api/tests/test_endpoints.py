"""The REST API as the treating therapist uses it: what it shows, what it refuses, what it
leaves in the audit trail, and that no list grows its queries with its rows."""

import datetime
import json
import uuid

import pytest
from django.utils import timezone

from kithkin.audit.models import AuditEvent
from kithkin.measures.models import Alert, Response


def post(client, path, body, headers, **extra):
    return client.post(
        path, data=json.dumps(body), content_type="application/json", **headers, **extra
    )


def phq9(item9=0, **overrides):
    answers = {str(n): 0 for n in range(1, 9)} | {"9": item9}
    return {"instrument": "phq9", "answers": answers | overrides}


@pytest.fixture
def alice(world, bearer):
    return bearer(world.alice)


def test_the_caseload_lists_alices_clients_only(world, client, alice):
    body = client.get("/api/clients", **alice).json()
    assert [row["id"] for row in body["items"]] == [world.carol.pk]
    assert body["next"] is None


def test_the_client_record_answers_with_identity_and_therapists(world, client, alice):
    body = client.get(f"/api/clients/{world.carol.pk}", **alice).json()
    assert body["family_name"] == "Quill" and body["therapist_ids"] == [world.alice.pk]


def test_a_read_writes_the_pages_event_marked_as_the_api(world, client, alice):
    client.get(f"/api/clients/{world.carol.pk}/sessions", **alice)
    event = AuditEvent.objects.filter(client_id=world.carol.pk).latest("seq")
    assert (event.action, event.outcome, event.actor_id) == (
        "client.view",
        "allowed",
        world.alice.pk,
    )
    assert event.reason == "treating therapist [via api]"


def test_a_denied_read_is_audited_too(world, client, bearer):
    response = client.get(f"/api/clients/{world.carol.pk}", **bearer(world.bob))
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}
    event = AuditEvent.objects.filter(client_id=world.carol.pk).latest("seq")
    assert (event.action, event.outcome, event.actor_id) == ("client.view", "denied", world.bob.pk)
    assert event.reason.endswith("[via api]")


def test_the_caseload_read_writes_the_caseload_event(world, client, alice):
    client.get("/api/clients", **alice)
    event = AuditEvent.objects.latest("seq")
    assert (event.action, event.resource_type) == ("caseload.view", "Practice")


def test_a_response_is_scored_raises_the_risk_alert_and_is_audited(world, client, alice):
    response = post(
        client,
        f"/api/clients/{world.carol.pk}/responses",
        phq9(item9=1),
        alice,
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["total"], body["submitted_via"], body["alerts_raised"]) == (1, "api", ["risk"])
    assert body["item9"] == "endorsed"
    assert Alert.objects.filter(client=world.carol, kind="risk").count() == 1
    event = AuditEvent.objects.filter(action="measures.response.submit").get()
    assert event.actor_id == world.alice.pk and "via api" in event.reason


def test_the_same_idempotency_key_stores_one_response(world, client, alice):
    path = f"/api/clients/{world.carol.pk}/responses"
    key = str(uuid.uuid4())
    first = post(client, path, phq9() | {"idempotency_key": key}, alice).json()
    again = post(client, path, phq9(), alice, HTTP_IDEMPOTENCY_KEY=key).json()
    assert first["id"] == again["id"]
    assert Response.objects.filter(client=world.carol).count() == 1


@pytest.mark.parametrize(
    "body, message",
    [
        (phq9(**{"1": 7}), "item 1 takes 0, 1, 2 or 3"),
        (phq9(**{"42": 1}), ""),
        ({"instrument": "srs", "answers": {"1": 1}}, "No shipped questionnaire"),
        (phq9() | {"session_id": 987654}, "not one of this client's"),
    ],
)
def test_a_refused_response_answers_422_and_stores_nothing(world, client, alice, body, message):
    path = f"/api/clients/{world.carol.pk}/responses"
    response = post(client, path, body, alice, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert response.status_code == 422, response.content
    assert message in response.json()["detail"]
    assert not Response.objects.exists() and not Alert.objects.exists()
    assert not AuditEvent.objects.filter(action="measures.response.submit").exists()


def test_a_response_needs_an_idempotency_key(world, client, alice):
    response = post(client, f"/api/clients/{world.carol.pk}/responses", phq9(), alice)
    assert response.status_code == 422 and "Idempotency-Key" in response.json()["detail"]


@pytest.mark.parametrize(
    "data",
    ["{not json", "[]", '{"instrument": 3}', '{"answers": {"x": 1}, "instrument": "phq9"}', ""],
)
def test_malformed_bodies_answer_4xx_never_500(world, client, alice, data):
    response = client.post(
        f"/api/clients/{world.carol.pk}/responses",
        data=data,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k",
        **alice,
    )
    assert response.status_code in (400, 422), response.content
    assert "detail" in response.json()


def test_a_non_numeric_id_is_not_found_or_invalid(world, client, alice):
    assert client.get("/api/clients/abc", **alice).status_code in (404, 422)
    assert client.get("/api/clients?limit=0", **alice).status_code == 422
    assert client.get("/api/clients?cursor=x", **alice).status_code == 422


def alert_of_carol(world):
    from kithkin.measures import services

    services.response_submit(
        client=world.carol,
        instrument_code="phq9",
        answers={**{n: 0 for n in range(1, 9)}, 9: 2},
        by=world.carol_login,
        via="portal",
        idempotency_key=str(uuid.uuid4()),
    )
    return world.carol.measure_alerts.get()


def test_alerts_are_listed_and_acknowledged_with_a_note(world, client, alice):
    alert = alert_of_carol(world)
    listed = client.get(f"/api/clients/{world.carol.pk}/alerts?open=true", **alice).json()
    assert [(a["id"], a["kind"]) for a in listed["items"]] == [(alert.pk, "risk")]
    path = f"/api/clients/{world.carol.pk}/alerts/{alert.pk}/acknowledge"
    done = post(client, path, {"note": "Called her the same day; safety plan."}, alice)
    assert done.status_code == 200, done.content
    assert done.json()["acknowledged_by_id"] == world.alice.pk
    assert client.get(f"/api/clients/{world.carol.pk}/alerts?open=true", **alice).json() == {
        "items": [],
        "next": None,
    }
    again = post(client, path, {"note": "Again"}, alice)
    assert again.status_code == 422 and "already acknowledged" in again.json()["detail"]
    event = AuditEvent.objects.filter(action="measures.alert.acknowledge").get()
    assert event.resource_id == str(alert.pk)


def test_an_acknowledgement_needs_a_note(world, client, alice):
    alert = alert_of_carol(world)
    path = f"/api/clients/{world.carol.pk}/alerts/{alert.pk}/acknowledge"
    assert post(client, path, {"note": "  "}, alice).status_code == 422
    assert post(client, path, {}, alice).status_code == 422
    assert post(client, path, {"note": "x", "by": 1}, alice).status_code == 422


def test_an_alert_of_another_client_is_not_found(world, client, bearer):
    alert = alert_of_carol(world)
    path = f"/api/clients/{world.dave.pk}/alerts/{alert.pk}/acknowledge"
    assert post(client, path, {"note": "x"}, bearer(world.bob)).status_code == 404


def test_the_supervisor_reads_but_does_not_enter_responses(world, client, bearer):
    sam = bearer(world.sam)
    assert client.get(f"/api/clients/{world.carol.pk}/responses", **sam).status_code == 200
    refused = post(
        client, f"/api/clients/{world.carol.pk}/responses", phq9(), sam, HTTP_IDEMPOTENCY_KEY="s"
    )
    assert refused.status_code == 403 and refused.json()["detail"]


def test_the_unaware_roommate_is_shown_to_the_treating_therapist_as_on_the_pages(
    world, client, alice
):
    from kithkin.partners.models import TherapyPartner

    diane = world.carol.people.get(name="Diane")
    TherapyPartner.objects.create(practice=world.practice, person=diane, involvement="unaware")
    people = client.get(f"/api/clients/{world.carol.pk}/people", **alice).json()["items"]
    assert [(p["name"], p["partner"]["involvement"]) for p in people] == [("Diane", "unaware")]


def test_a_clients_draft_map_from_home_stays_theirs(world, client, alice):
    from kithkin.spheres.models import SphereMap

    draft = SphereMap.objects.create(
        practice=world.practice,
        client=world.carol,
        made_by="client",
        author=world.carol_login,
        taken_at=timezone.now(),
    )
    assert client.get(f"/api/clients/{world.carol.pk}/maps", **alice).json()["items"] == []
    assert client.get(f"/api/clients/{world.carol.pk}/maps/{draft.pk}", **alice).status_code == 404


def test_no_output_carries_a_psychotherapy_note(world, client, alice):
    from kithkin.notes.models import PsychotherapyNote
    from kithkin.schedule.models import Session

    session = Session.objects.create(
        practice=world.practice,
        client=world.carol,
        therapist=world.alice,
        starts_at=timezone.now() - datetime.timedelta(days=1),
        status=Session.Status.ATTENDED,
    )
    fields = {f.name for f in PsychotherapyNote._meta.fields}
    text_field = next(name for name in ("text", "body", "content") if name in fields)
    PsychotherapyNote.objects.create(
        practice=world.practice,
        session=session,
        author=world.alice,
        **{text_field: "Transference: she reminds me of my sister"},
    )
    from kithkin.api.api import api

    ids = {"client_id": world.carol.pk, "session_id": session.pk}
    for path, operations in api.get_openapi_schema()["paths"].items():
        named = {part.split("}")[0] for part in path.split("{")[1:]}
        if "get" not in operations or named - set(ids):
            continue
        url = "/api" + path.removeprefix("/api").format(**ids)
        body = client.get(url, **alice).content.decode()
        assert "Transference" not in body and "sister" not in body, url


@pytest.mark.parametrize("path", ["/api/", "/api/nowhere", "/api/clients/1/nothing"])
def test_an_unknown_path_answers_json_404(world, client, alice, path):
    response = client.get(path, **alice)
    assert response.status_code == 404 and response.json() == {"detail": "Not Found."}


def test_a_method_not_served_answers_json_405(world, client, alice):
    response = client.delete(f"/api/clients/{world.carol.pk}", **alice)
    assert response.status_code == 405 and response.json()["detail"]
    assert "GET" in response["Allow"]
