"""Whatever a caller sends, the API answers 4xx, never 5xx: free-form JSON at the two oldest
writes. Every operation, driven from the schema, is tests/test_api_schemathesis.py's."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
BODIES = (
    JSON
    | st.fixed_dictionaries(
        {"instrument": st.sampled_from(["phq9", "gad7", "alliance", "x"]), "answers": JSON}
    )
    | st.fixed_dictionaries(
        {
            "instrument": st.just("phq9"),
            "answers": st.dictionaries(
                st.integers(-3, 12).map(str), st.integers(-2, 5) | st.none()
            ),
            "session_id": st.none() | st.integers(),
        }
    )
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=BODIES, key=st.text(min_size=1, max_size=70).filter(str.isprintable))
def test_any_body_to_the_writes_answers_below_500(world, client, bearer, body, key):
    headers = bearer(world.alice)
    from kithkin.measures.models import Alert

    alert = Alert.objects.filter(client=world.carol).first()
    paths = [f"/api/clients/{world.carol.pk}/responses"]
    if alert is not None:
        paths.append(f"/api/clients/{world.carol.pk}/alerts/{alert.pk}/acknowledge")
    for path in paths:
        response = client.post(
            path,
            data=json.dumps(body),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=key,
            **headers,
        )
        assert response.status_code < 500, (path, body, response.content)
        assert "detail" in response.json() or response.status_code in (200, 201)
