"""Schemathesis drives every operation of /api/ from its own OpenAPI schema and finds no server
error and no answer the schema does not describe (issues 7 and 10). The requests go to Django's
WSGI application in the test's own process, so they see the test database, with a real token of
alice, who treats carol.

Each operation is called twice per example: with the ids schemathesis makes up (almost always
"not found"), and with the ids of carol's real records, so the writes' bodies reach the
services. Then a stateful run follows the links schemathesis infers between operations (the
schema declares none: a list's ids feed the reads and writes of one record).

The examples are derandomized (the same on every run), so a failure is the same failure for
everyone: 10 an operation in `make test`, 1,000 with KITHKIN_LONG_TESTS=1 (`make test-long`);
the counts are in docs/reliability.md.

Checks: no 5xx, a documented status code, content type and headers, a body that conforms to the
response schema, and (with the made-up ids) that a request without the token is refused. Not
``positive_data_acceptance``: a schema-valid body is still refused (422) by the record's state (a
plan already started, a draft without goals), which no schema can say. Not
``negative_data_rejection``: the token and the real ids this test puts in turn a negative case
into a valid one.
"""

import datetime
import os
import uuid

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    ensure_resource_availability,
    ignored_auth,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)

LONG = os.environ.get("KITHKIN_LONG_TESTS") == "1"
EXAMPLES = 1000 if LONG else 10
# Scenarios of the stateful run, each up to STEPS calls along the inferred links.
SCENARIOS = 200 if LONG else 5
STEPS = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
# The coverage phase makes every boundary case of every field, whatever max_examples says: hundreds
# of requests an operation. The fuzzing phase, bounded, is what runs here.
schema.config.phases.coverage.enabled = False


@pytest.fixture(autouse=True)
def _keep_the_tests_connection():
    """As Django's test client does: a request closing the database connection at its end
    would end the test's transaction (on PostgreSQL), and with it the test's data."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def records(world, settings):
    """Carol's record with one of each thing the API writes to, and alice's token."""
    # The long form sends thousands of requests a minute: the token's limit would answer 429.
    settings.KITHKIN_API_RATE = "1000000/m"
    from kithkin.api.services import token_create
    from kithkin.clients.models import Person
    from kithkin.measures import services as measures
    from kithkin.partners.services import partner_set
    from kithkin.plans import services as plans
    from kithkin.schedule import services as schedule
    from kithkin.spheres.services import map_create

    carol, alice = world.carol, world.alice
    diane = Person.objects.get(client=carol, name="Diane")
    partner_set(person=diane, by=alice, involvement="unaware")
    mother = Person.objects.create(practice=world.practice, client=carol, name="Mum", role="mother")
    session, _ = schedule.session_schedule(
        client=carol,
        by=alice,
        starts_at=timezone.now() - datetime.timedelta(days=2),
        idempotency_key=str(uuid.uuid4()),
    )
    plan = plans.plan_start(client=carol, by=alice, starts_on=datetime.date(2026, 1, 5))
    version = plan.versions.get()
    goal = plans.goal_add(
        version=version,
        by=alice,
        goal=plans.GoalInput(
            description="Sleep through the night",
            criterion="Five nights a week",
            target_date=datetime.date(2027, 6, 1),
        ),
    )
    plans.version_sign(version=version, by=alice)
    draft = plans.plan_revise(plan=plan, by=alice)
    measures.response_submit(
        client=carol,
        instrument_code="phq9",
        answers={**{n: 0 for n in range(1, 9)}, 9: 1},
        by=world.carol_login,
        via="portal",
        idempotency_key=str(uuid.uuid4()),
    )
    the_map = map_create(client=carol, by=alice, made_by="therapist")
    _, secret = token_create(user=alice, by=None)
    return {
        "headers": {"Authorization": f"Bearer {secret}"},
        "ids": {
            "client_id": carol.pk,
            "person_id": mother.pk,
            "session_id": session.pk,
            # The draft: the writes of a version are for drafts; a signed one answers 422.
            "version_id": draft.pk,
            "goal_id": draft.goals.get(number=goal.number).pk,
            "alert_id": carol.measure_alerts.first().pk,
            "map_id": the_map.pk,
        },
    }


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_with_a_server_error(case, records):
    made_up = case.call(headers=records["headers"])
    assert made_up.status_code < 500, (case.method, case.formatted_path, made_up.text)
    case.validate_response(made_up, headers=records["headers"], checks=[*CHECKS, ignored_auth])
    real = {name: records["ids"][name] for name in (case.path_parameters or {})}
    case.path_parameters = {**(case.path_parameters or {}), **real}
    # A fresh idempotency key where schemathesis sent none, so the bodies reach the services
    # rather than the "send a key" refusal.
    headers = {"Idempotency-Key": str(uuid.uuid4()), **(case.headers or {}), **records["headers"]}
    answer = case.call(headers=headers)
    assert answer.status_code < 500, (case.method, case.formatted_path, case.body, answer.text)
    case.validate_response(answer, headers=headers, checks=CHECKS)


class Workflow(schema.as_state_machine()):
    """Sequences of calls along the links schemathesis infers (a list's ids into a record's read
    and writes), as alice; plus the stateful checks: a record just created can be read, a goal
    deleted is gone."""

    headers: dict = {}

    def get_call_kwargs(self, case):
        return {"headers": {"Idempotency-Key": str(uuid.uuid4()), **self.headers}}

    def validate_response(self, response, case, additional_checks=None, **kwargs):
        case.validate_response(
            response,
            headers=kwargs.get("headers"),
            checks=[*CHECKS, use_after_free, ensure_resource_availability],
            recorder=self.recorder,
        )


def test_sequences_of_operations_answer_as_the_schema_says(records):
    Workflow.headers = records["headers"]
    Workflow.run(
        settings=settings(
            max_examples=SCENARIOS,
            stateful_step_count=STEPS,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )
