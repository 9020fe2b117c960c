"""Every endpoint of the REST API, called by every persona with their own token, answers as
this matrix says: the API's half of the authorization matrix (issue 7).

The page walk (test_authorization_matrix, test_tenancy) leaves the API's URLs to this file
(`tests.test_tenancy.api_patterns`). The endpoints come from the OpenAPI schema, and every URL
Django has under /api/ must be in it, so an endpoint added without a row fails
`test_every_endpoint_has_a_row`. Personas as on the pages: alice treats carol, bob is a
colleague, sam supervises alice, adam administers the practice, carol and dave are clients,
mallory works in another practice; "anonymous" sends no token, "cookie" is alice signed in to
the pages but sending no token.
"""

import json
import uuid

import pytest

from tests.test_tenancy import SECRETS, api_patterns

PERSONAS = ("anonymous", "cookie", "alice", "bob", "sam", "adam", "carol", "dave", "mallory")


def row(anonymous, cookie, alice, bob, sam, adam, carol, dave, mallory, body=None):
    statuses = (anonymous, cookie, alice, bob, sam, adam, carol, dave, mallory)
    return {"body": body, "expect": dict(zip(PERSONAS, statuses, strict=True))}


# carol's record: her therapist and his supervisor read it; nobody else learns it exists.
# Clients' tokens are refused (403): their record is theirs through the portal.
READ_CAROL = row(401, 401, 200, 404, 200, 404, 403, 403, 404)


def write_carol(alice, body=None):
    """A change to carol's record: her therapist's alone. Sam reads it, so he is told no (403);
    everyone else finds nothing (404); clients' tokens are refused (403)."""
    return row(401, 401, alice, 404, 403, 404, 403, 403, 404, body=body)


def _today(_):
    from django.utils import timezone

    return str(timezone.localdate())


#                                                 anon cook alice bob sam adam carol dave mal
MATRIX = {
    ("get", "/api/clients"): row(401, 401, 200, 200, 200, 403, 403, 403, 200),
    ("get", "/api/clients/{client_id}"): READ_CAROL,
    ("get", "/api/clients/{client_id}/alerts"): READ_CAROL,
    # An empty note is refused (422) for the two who may acknowledge: alice and sam.
    ("post", "/api/clients/{client_id}/alerts/{alert_id}/acknowledge"): row(
        401, 401, 422, 404, 422, 404, 403, 403, 404, body=lambda _: {"note": ""}
    ),
    ("get", "/api/clients/{client_id}/responses"): READ_CAROL,
    # Entering a response changes the record: the treating therapist's alone (sam reads only).
    ("post", "/api/clients/{client_id}/responses"): row(
        401,
        401,
        201,
        404,
        403,
        404,
        403,
        403,
        404,
        body=lambda _: {
            "instrument": "gad7",
            "answers": {str(n): 0 for n in range(1, 8)},
            "idempotency_key": str(uuid.uuid4()),
        },
    ),
    ("get", "/api/clients/{client_id}/sessions"): READ_CAROL,
    ("get", "/api/clients/{client_id}/plan-versions"): READ_CAROL,
    ("get", "/api/clients/{client_id}/goals"): READ_CAROL,
    ("get", "/api/clients/{client_id}/check-ins"): READ_CAROL,
    ("get", "/api/clients/{client_id}/people"): READ_CAROL,
    ("get", "/api/clients/{client_id}/maps"): READ_CAROL,
    ("get", "/api/clients/{client_id}/maps/{map_id}"): READ_CAROL,
    # Adding a client is any clinician's; the date of birth in the future is the page's 422,
    # so mallory's answer (in her own practice) is the same whatever the ids.
    ("post", "/api/clients"): row(
        401,
        401,
        422,
        422,
        422,
        403,
        403,
        403,
        422,
        body=lambda _: {"given_name": "Zoe", "family_name": "Park", "date_of_birth": "2999-01-01"},
    ),
    ("patch", "/api/clients/{client_id}"): write_carol(200, lambda _: {"pronouns": "she/her"}),
    ("post", "/api/clients/{client_id}/people"): write_carol(201, lambda _: {"name": "Fern"}),
    ("put", "/api/clients/{client_id}/people/{person_id}/partner"): write_carol(
        200, lambda _: {"involvement": "informed", "reason": "she was told, with carol's consent"}
    ),
    ("post", "/api/clients/{client_id}/maps"): write_carol(201),
    ("put", "/api/clients/{client_id}/maps/{map_id}/entries/{person_id}"): write_carol(
        200, lambda _: {"ring": 2, "types": ["friendship"]}
    ),
    ("post", "/api/clients/{client_id}/sessions"): write_carol(
        201,
        lambda _: {"starts_at": "2027-03-01T10:00:00+00:00", "idempotency_key": str(uuid.uuid4())},
    ),
    ("get", "/api/clients/{client_id}/sessions/{session_id}"): READ_CAROL,
    ("patch", "/api/clients/{client_id}/sessions/{session_id}"): write_carol(
        200, lambda _: {"duration_minutes": 45}
    ),
    ("post", "/api/clients/{client_id}/sessions/{session_id}/status"): write_carol(
        200, lambda _: {"status": "attended"}
    ),
    # Carol's plan is in use, so starting another is the service's 422.
    ("post", "/api/clients/{client_id}/plans"): write_carol(
        422, lambda _: {"starts_on": "2026-01-05"}
    ),
    # A revision while a draft is being written answers with that draft (200).
    ("post", "/api/clients/{client_id}/plan-versions"): write_carol(200, lambda _: {}),
    ("patch", "/api/clients/{client_id}/plan-versions/{version_id}"): write_carol(
        200, lambda _: {"concerns": "Sleep, and the flat"}
    ),
    ("post", "/api/clients/{client_id}/plan-versions/{version_id}/sign"): write_carol(200),
    ("post", "/api/clients/{client_id}/plan-versions/{version_id}/goals"): write_carol(
        201,
        lambda _: {"description": "Call Mum", "criterion": "Weekly", "target_date": "2027-01-01"},
    ),
    ("patch", "/api/clients/{client_id}/plan-versions/{version_id}/goals/{goal_id}"): write_carol(
        200, lambda _: {"criterion": "Four nights a week"}
    ),
    ("delete", "/api/clients/{client_id}/plan-versions/{version_id}/goals/{goal_id}"): write_carol(
        204
    ),
    ("post", "/api/clients/{client_id}/check-ins"): write_carol(
        201,
        lambda values: {
            "held_on": _today(values),
            "progress": [{"goal_id": values["signed_goal_id"], "achievement": "improving"}],
        },
    ),
}


def endpoints() -> set[tuple[str, str]]:
    from kithkin.api.api import api

    schema = api.get_openapi_schema()
    return {(method, path) for path, item in schema["paths"].items() for method in item}


def test_every_endpoint_has_a_row():
    assert endpoints() - set(MATRIX) == set(), "add these endpoints to the API matrix"
    assert set(MATRIX) - endpoints() == set(), "these rows name endpoints that no longer exist"


def test_every_url_under_api_is_an_endpoint_or_the_schema():
    documented = {path for _, path in endpoints()}
    for route, entry in api_patterns():
        if entry.name in ("openapi-json", "api-root"):
            continue
        path = "/" + route.replace("<", "{").replace(">", "}")
        assert path in documented, f"/{route} ({entry.name}) is not in the OpenAPI schema"


def test_the_schema_loads_without_a_token_and_lists_every_endpoint(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    listed = {(m, p) for p, item in schema["paths"].items() for m in item}
    assert listed == set(MATRIX)
    assert schema["components"]["securitySchemes"]["StaffBearer"]["scheme"] == "bearer"


@pytest.fixture
def tokens(world):
    from kithkin.api.services import token_create

    users = {
        "alice": world.alice,
        "bob": world.bob,
        "sam": world.sam,
        "adam": world.adam,
        "carol": world.carol_login,
        "dave": world.dave_login,
        "mallory": world.mallory,
    }
    return {name: token_create(user=user, by=None)[1] for name, user in users.items()}


def arguments(world, missing=False):
    import datetime

    from django.utils import timezone

    from kithkin.clients.models import Person
    from kithkin.measures import services
    from kithkin.plans import services as plans
    from kithkin.schedule import services as schedule
    from kithkin.spheres.models import SphereMap

    services.response_submit(
        client=world.carol,
        instrument_code="phq9",
        answers={**{n: 0 for n in range(1, 9)}, 9: 1},
        by=world.carol_login,
        via="portal",
        idempotency_key=str(uuid.uuid4()),
    )
    the_map = SphereMap.objects.create(
        practice=world.practice,
        client=world.carol,
        made_by="therapist",
        author=world.alice,
        taken_at=timezone.now(),
    )
    session, _ = schedule.session_schedule(
        client=world.carol,
        by=world.alice,
        starts_at=timezone.now() - datetime.timedelta(days=2),
        idempotency_key=str(uuid.uuid4()),
    )
    # A signed version 1 with a goal, and its revision, a draft.
    plan = plans.plan_start(client=world.carol, by=world.alice, starts_on=datetime.date(2026, 1, 5))
    signed = plan.versions.get()
    goal = plans.goal_add(
        version=signed,
        by=world.alice,
        goal=plans.GoalInput(
            description="Sleep", criterion="Five nights", target_date=datetime.date(2027, 6, 1)
        ),
    )
    plans.version_sign(version=signed, by=world.alice)
    draft = plans.plan_revise(plan=plan, by=world.alice)
    return {
        "client_id": world.carol.pk,
        "alert_id": world.carol.measure_alerts.get().pk,
        "map_id": the_map.pk,
        "person_id": Person.objects.get(client=world.carol, name="Diane").pk,
        "session_id": session.pk,
        "version_id": draft.pk,
        "goal_id": draft.goals.get(number=goal.number).pk,
        "signed_goal_id": goal.pk,
    }


def call(client, method, url, who, tokens, body, values=None):
    client.logout()
    headers = {}
    if who == "cookie":
        from kithkin.accounts.models import User

        client.force_login(User.objects.get(username="alice"))
    elif who != "anonymous":
        headers["HTTP_AUTHORIZATION"] = f"Bearer {tokens[who]}"
    if method == "get":
        return client.get(url, **headers)
    return getattr(client, method)(
        url,
        data=json.dumps(body(values) if body else {}),
        content_type="application/json",
        **headers,
    )


@pytest.mark.parametrize("endpoint", sorted(MATRIX), ids=" ".join)
def test_each_persona_gets_the_expected_answer(endpoint, world, client, tokens):
    method, path = endpoint
    values = arguments(world)
    url = path.format(**values)
    answers = {
        who: call(client, method, url, who, tokens, MATRIX[endpoint]["body"], values).status_code
        for who in PERSONAS
    }
    assert answers == MATRIX[endpoint]["expect"]


@pytest.mark.parametrize("endpoint", sorted(MATRIX), ids=" ".join)
def test_another_practice_finds_carols_record_as_if_it_did_not_exist(
    endpoint, world, client, tokens
):
    method, path = endpoint
    body = MATRIX[endpoint]["body"]
    values = arguments(world)
    there = call(client, method, path.format(**values), "mallory", tokens, body, values)
    missing_values = dict.fromkeys(values, 987654321)
    missing = call(
        client, method, path.format(**missing_values), "mallory", tokens, body, missing_values
    )
    text = there.content.decode()
    assert not [secret for secret in SECRETS if secret in text]
    assert (there.status_code, there.content) == (missing.status_code, missing.content)


def test_every_answer_is_json_with_a_detail_when_refused(world, client, tokens):
    values = arguments(world)
    for (method, path), spec in MATRIX.items():
        for who in PERSONAS:
            response = call(
                client, method, path.format(**values), who, tokens, spec["body"], values
            )
            assert response["Content-Type"].startswith("application/json"), (method, path, who)
            if response.status_code >= 400:
                assert isinstance(response.json()["detail"], str | list), (method, path, who)
