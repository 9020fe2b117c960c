"""Open measures alerts on the caseload dashboard and the client page: counted per client, risk
first, gone once acknowledged, and never another practice's."""

import datetime
import uuid

from django.urls import reverse
from django.utils import timezone

from kithkin.clients.selectors import ALERT_ORDER
from kithkin.measures import services
from kithkin.measures.models import Alert

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


def an_alert(world, kind, days_ago):
    """An alert raised by a recorded session, as the silence rules raise them, ``days_ago``."""
    from kithkin.measures.models import Alert
    from kithkin.schedule.models import Session

    when = timezone.now() - datetime.timedelta(days=days_ago)
    session = Session.objects.create(
        practice=world.practice,
        client=world.carol,
        therapist=world.alice,
        starts_at=when,
        status=Session.Status.ATTENDED,
    )
    return Alert.objects.create(
        practice=world.practice,
        client=world.carol,
        kind=kind,
        reason="test",
        session=session,
        session_number=1,
        raised_at=when,
    )


def shown_first(client):
    """The client's open alerts as the page orders them: by kind, risk first, then the newest."""
    alerts = Alert.objects.filter(client=client, acknowledged_at__isnull=True)
    newest_first = sorted(alerts, key=lambda a: (-a.raised_at.timestamp(), -a.pk))
    return [a.pk for a in sorted(newest_first, key=lambda a: ALERT_ORDER[a.kind])]


def test_a_risk_alert_older_than_the_others_still_comes_first(world, login):
    an_alert(world, "risk", days_ago=30)
    an_alert(world, "not_on_track", days_ago=20)
    an_alert(world, "low_alliance", days_ago=10)
    an_alert(world, "not_on_track", days_ago=1)
    response = login(world.alice).get(client_page(world.carol))
    shown = response.context["open_alerts"]
    kinds = ["risk", "low_alliance", "not_on_track", "not_on_track"]
    assert [alert["kind"] for alert in shown] == kinds
    assert [alert["pk"] for alert in shown] == shown_first(world.carol)


def test_a_backlog_shows_ten_alerts_and_keeps_the_oldest_risk_alert_first(world, login):
    an_alert(world, "risk", days_ago=60)
    for n in range(12):
        an_alert(world, ("not_on_track", "alliance_drop", "no_feedback")[n % 3], days_ago=50 - n)
    response = login(world.alice).get(client_page(world.carol))
    shown = response.context["open_alerts"]
    assert [alert["pk"] for alert in shown] == shown_first(world.carol)[:10]
    assert shown[0]["kind"] == "risk"
