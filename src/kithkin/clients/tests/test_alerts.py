"""Open measures alerts on the caseload dashboard and the client page: counted per client, risk
first, gone once acknowledged, and never another practice's."""

import uuid

from django.urls import reverse

from kithkin.measures import services

CASELOAD = reverse("caseload")
PHQ9_WITH_ITEM9 = {1: 2, 2: 2, 3: 1, 4: 2, 5: 1, 6: 1, 7: 2, 8: 1, 9: 1}


def raise_alert(client, instrument="alliance", answers=None):
    """Submits a response from the client's portal that raises an alert: an alliance of 4 out of
    10 on every statement (under the cut-off), or the PHQ-9 given."""
    response = services.response_submit(
        client=client,
        instrument_code=instrument,
        answers=answers or {item: 4 for item in range(1, 10)},
        by=client.portal_user,
        via="portal",
        idempotency_key=str(uuid.uuid4()),
    )
    assert response.new_alerts
    return response.new_alerts


def client_page(client):
    return reverse("client_detail", args=[client.pk])


def test_an_open_alert_is_counted_on_the_dashboard_row_linked_to_the_measures_page(world, login):
    raise_alert(world.carol)
    response = login(world.alice).get(CASELOAD)
    [row] = response.context["rows"]
    assert (row.alerts, row.risk_alerts) == (1, 0)
    assert row.needs_attention
    body = response.content.decode()
    assert '<th scope="col">Alerts</th>' in body
    measures = reverse("measures", args=[world.carol.pk])
    assert f'<td><a href="{measures}"><strong>1 open</strong></a></td>' in body


def test_a_risk_alert_comes_first_and_in_words(world, login):
    raise_alert(world.carol)
    raise_alert(world.carol, "phq9", PHQ9_WITH_ITEM9)
    response = login(world.alice).get(CASELOAD)
    [row] = response.context["rows"]
    assert (row.alerts, row.risk_alerts) == (2, 1)
    assert "<strong>1 risk</strong>, 1 other</a>" in response.content.decode()


def test_the_supervisor_sees_the_alert_of_a_supervisees_client(world, login):
    raise_alert(world.carol)
    [row] = login(world.sam).get(CASELOAD).context["rows"]
    assert row.alerts == 1


def test_an_acknowledged_alert_leaves_the_dashboard_and_the_client_page(world, login):
    [alert] = raise_alert(world.carol)
    services.alert_acknowledge(alert=alert, by=world.alice, note="We talked it through.")
    alice = login(world.alice)
    [row] = alice.get(CASELOAD).context["rows"]
    assert (row.alerts, row.needs_attention) == (0, False)
    response = alice.get(client_page(world.carol))
    assert response.context["open_alerts"] == []
    assert "Open alerts" not in response.content.decode()


def test_the_client_page_lists_open_alerts_risk_first_with_a_link_to_the_measures_page(
    world, login
):
    raise_alert(world.carol)
    raise_alert(world.carol, "phq9", PHQ9_WITH_ITEM9)
    response = login(world.alice).get(client_page(world.carol))
    kinds = [alert["kind"] for alert in response.context["open_alerts"]]
    assert kinds == ["risk", "low_alliance"]
    body = response.content.decode()
    assert "<strong>Risk: thoughts of self-harm</strong>, raised" in body
    assert "Alliance under the cut-off, raised" in body
    assert f'href="{reverse("measures", args=[world.carol.pk])}#alerts-heading"' in body
    # The reason stays on the measures page, behind its own access check and audit.
    assert "under the cut-off of 8" not in body


def test_another_practices_alert_never_shows(world, login):
    raise_alert(world.eve)
    alice = login(world.alice)
    [row] = alice.get(CASELOAD).context["rows"]
    assert row.alerts == 0
    response = alice.get(client_page(world.carol))
    assert response.context["open_alerts"] == []
    # Mallory, in the other practice, sees her own client's alert.
    [row] = login(world.mallory).get(CASELOAD).context["rows"]
    assert (row.client_id, row.alerts) == (world.eve.pk, 1)


def test_a_colleagues_client_alert_does_not_show_on_alices_dashboard(world, login):
    raise_alert(world.dave)
    [row] = login(world.alice).get(CASELOAD).context["rows"]
    assert row.client_id == world.carol.pk and row.alerts == 0
