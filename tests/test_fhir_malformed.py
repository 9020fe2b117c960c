"""Malformed bodies sent to the FHIR facade are each answered with a 4xx OperationOutcome, never a
5xx, and store nothing (issue 10). POST QuestionnaireResponse is the one route that takes a body;
every other route is POSTed the same bodies, and must refuse them as FHIR does (405), not with
Django's HTML pages.

The bodies: bytes that are not JSON (or not UTF-8), JSON that is not an object, a resource of
another type, a PHQ-9 response with a required element taken out or of the wrong type, an
answer no item offers, nesting far deeper than any resource, unicode junk (lone surrogates,
NULs, control characters) and a body over Django's upload limit. 50 in `make test`, 1,000 with
KITHKIN_LONG_TESTS=1; the count is printed and kept in docs/reliability.md.
"""

import json
import os

import pytest
from fhir.resources.R4B.operationoutcome import OperationOutcome
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kithkin.fhir.tests.test_rest import FHIR_JSON, phq9_response

LONG = os.environ.get("KITHKIN_LONG_TESTS") == "1"
BODIES = 1000 if LONG else 50
URL = "/fhir/R4/QuestionnaireResponse"
# Every other route a body might be sent to: a read, a search, an operation, the bulk export,
# the CapabilityStatement and the catch-all.
OTHER_ROUTES = [
    "/fhir/R4/Patient",
    "/fhir/R4/Patient/1",
    "/fhir/R4/Patient/1/$everything",
    "/fhir/R4/QuestionnaireResponse/1",
    "/fhir/R4/$export",
    "/fhir/R4/metadata",
    "/fhir/R4/Bundle",
]
OVER_THE_LIMIT = 3 * 1024 * 1024  # Django's DATA_UPLOAD_MAX_MEMORY_SIZE is 2.5 MB

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
NOT_A_STRING = st.none() | st.booleans() | st.integers() | st.lists(JSON, max_size=3)
NOT_AN_OBJECT = st.none() | st.booleans() | st.integers() | st.text(max_size=10)
JUNK = st.text(
    st.characters(codec=None, categories=["Cc", "Cs", "Co", "Cn", "So", "Zs"]), min_size=1
)


def _encoded(data) -> bytes:
    return json.dumps(data).encode()


def _without(name):
    return lambda body: {key: value for key, value in body.items() if key != name}


def _with(name, value):
    return lambda body: {**body, name: value}


def _nested(depth: int) -> bytes:
    """Items in items, ``depth`` deep: json.loads and the model's validation recurse on it."""
    return (
        b'{"resourceType":"QuestionnaireResponse","status":"completed","item":'
        + b'[{"linkId":"1","item":' * depth
        + b"[]"
        + b"}]" * depth
        + b"}"
    )


def mutations(patient_id: int):
    valid = phq9_response(patient_id)
    return st.one_of(
        # Not JSON: random bytes, a truncated resource, bytes that are not UTF-8.
        st.binary(max_size=200).filter(lambda b: not _parses(b)),
        st.integers(1, len(_encoded(valid)) - 1).map(lambda n: _encoded(valid)[:n]),
        st.binary(min_size=1, max_size=20).map(lambda b: b'{"resourceType": "' + b"\xff" + b),
        # JSON, but not an object.
        st.one_of(NOT_AN_OBJECT, st.lists(JSON, max_size=3)).map(_encoded),
        # An object of another type, or of none.
        st.text(max_size=30)
        .filter(lambda t: t != "QuestionnaireResponse")
        .map(lambda t: _encoded({**valid, "resourceType": t})),
        st.just(_encoded(_without("resourceType")(valid))),
        st.dictionaries(st.text(max_size=8), JSON, max_size=5).map(_encoded),
        # A required element missing.
        st.sampled_from(["status", "subject", "questionnaire", "item"]).map(
            lambda name: _encoded(_without(name)(valid))
        ),
        # Elements of the wrong type.
        st.tuples(st.sampled_from(["status", "questionnaire", "authored"]), NOT_A_STRING).map(
            lambda pair: _encoded(_with(*pair)(valid))
        ),
        st.tuples(st.sampled_from(["subject", "encounter", "identifier"]), NOT_AN_OBJECT).map(
            lambda pair: _encoded(_with(*pair)(valid))
        ),
        NOT_AN_OBJECT.map(lambda value: _encoded(_with("item", value)(valid))),
        st.lists(NOT_AN_OBJECT, min_size=1, max_size=3).map(
            lambda items: _encoded(_with("item", items)(valid))
        ),
        # Answers no item offers, and statuses other than completed.
        st.text(max_size=12)
        .filter(lambda code: not code.startswith("LA"))
        .map(
            lambda code: _encoded(
                _with(
                    "item",
                    [{"linkId": "1", "answer": [{"valueCoding": {"code": code}}]}],
                )(valid)
            )
        ),
        st.integers()
        .filter(lambda n: n not in range(4))
        .map(
            lambda n: _encoded(
                _with("item", [{"linkId": "1", "answer": [{"valueInteger": n}]}])(valid)
            )
        ),
        st.sampled_from(["in-progress", "amended", "entered-in-error", "stopped", ""]).map(
            lambda status: _encoded(_with("status", status)(valid))
        ),
        # Deeper than any resource: past Python's recursion limit as well as below it.
        st.integers(50, 20_000).map(_nested),
        # Unicode junk in the places a text goes, and as the whole body.
        JUNK.map(lambda junk: _encoded(_with("status", junk)(valid))),
        JUNK.map(lambda junk: _encoded(_with("subject", {"reference": junk})(valid))),
        JUNK.map(lambda junk: _encoded(_with("questionnaire", junk)(valid))),
        JUNK.map(lambda junk: junk.encode("utf-8", "surrogatepass")),
        st.just(b'{"resourceType": "QuestionnaireResponse", "status": "\\ud800"}'),
        # Over the upload limit.
        st.just(
            b'{"resourceType": "QuestionnaireResponse", "x": "' + b"a" * OVER_THE_LIMIT + b'"}'
        ),
    )


def _parses(data: bytes) -> bool:
    try:
        json.loads(data)
    except (ValueError, RecursionError):
        return False
    return True


@pytest.fixture
def alice_token(world, settings):
    from kithkin.api.services import token_create

    # The token's rate limit would answer 429 long before the bodies run out.
    settings.KITHKIN_API_RATE = "100000/m"
    return token_create(user=world.alice, by=None)[1]


def assert_refused_with_an_outcome(response, where, body):
    assert 400 <= response.status_code < 500, (where, response.status_code, body[:200])
    assert response["Content-Type"] == FHIR_JSON, (where, response["Content-Type"], body[:200])
    outcome = OperationOutcome.model_validate_json(response.content)
    assert outcome.issue[0].severity == "error"


def test_malformed_bodies_are_answered_with_an_operation_outcome(
    world, client, alice_token, capsys
):
    from kithkin.audit.models import AuditEvent
    from kithkin.measures.models import Response

    headers = {"HTTP_AUTHORIZATION": f"Bearer {alice_token}"}
    sent = []

    @settings(
        max_examples=BODIES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        body=mutations(world.carol.pk),
        content_type=st.sampled_from([FHIR_JSON, "application/json"]),
        route=st.sampled_from([URL] * len(OTHER_ROUTES) + OTHER_ROUTES),
    )
    def send(body, content_type, route):
        response = client.post(route, body, content_type=content_type, **headers)
        sent.append((route, len(body)))
        assert_refused_with_an_outcome(response, route, body)

    responses_before = Response.objects.count()
    send()
    assert Response.objects.count() == responses_before
    # Refusals happen before the service: no write was audited (reads of the record may be).
    assert not AuditEvent.objects.filter(action__startswith="response.").exists()
    to_the_write = sum(1 for route, _ in sent if route == URL)
    with capsys.disabled():
        print(
            f"\nmalformed FHIR bodies: {len(sent)} sent, {to_the_write} to POST "
            f"QuestionnaireResponse, all answered 4xx with an OperationOutcome"
        )
    assert len(sent) >= BODIES


@pytest.mark.parametrize("depth", [100, 900, 5_000, 100_000])
def test_a_body_nested_past_the_recursion_limit_is_a_400(world, client, alice_token, depth):
    body = _nested(depth)
    response = client.post(
        URL, body, content_type=FHIR_JSON, HTTP_AUTHORIZATION=f"Bearer {alice_token}"
    )
    assert_refused_with_an_outcome(response, URL, body)


def test_a_body_over_the_upload_limit_is_a_413_outcome(world, client, alice_token):
    body = b'{"resourceType": "QuestionnaireResponse", "x": "' + b"a" * OVER_THE_LIMIT + b'"}'
    response = client.post(
        URL, body, content_type=FHIR_JSON, HTTP_AUTHORIZATION=f"Bearer {alice_token}"
    )
    assert_refused_with_an_outcome(response, URL, body)
    assert response.status_code == 413
