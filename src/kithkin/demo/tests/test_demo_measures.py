import datetime
import itertools

from django.db import transaction
from django.urls import reverse

from kithkin.accounts.models import User
from kithkin.audit.models import AuditEvent
from kithkin.clients.models import Client
from kithkin.demo.builder import load_demo
from kithkin.demo.measures import ACKNOWLEDGEMENT, DIP
from kithkin.measures import selectors
from kithkin.measures.models import Alert, FitReview, Response
from kithkin.schedule.models import Session

HOURS_2 = datetime.timedelta(hours=2)


def alexis_and_her_sessions():
    load_demo(password="a demo passphrase")
    alexis = Client.objects.get(given_name="Alexis")
    attended = list(
        Session.objects.filter(client=alexis, status="attended").order_by("starts_at", "pk")
    )
    return alexis, attended


def client_responses(alexis, instrument):
    return list(
        Response.objects.filter(client=alexis, instrument=instrument, respondent="client").order_by(
            "session__starts_at"
        )
    )


def test_alexis_answers_phq9_and_gad7_every_other_session_from_moderate_to_mild(db):
    alexis, attended = alexis_and_her_sessions()
    for code, first, last in (("phq9", 14, 7), ("gad7", 11, 6)):
        responses = client_responses(alexis, code)
        assert [r.session_id for r in responses] == [s.pk for s in attended[::2]]
        assert all(r.complete and r.submitted_via == "portal" for r in responses)
        assert (responses[0].total, responses[0].band) == (first, "Moderate")
        assert (responses[-1].total, responses[-1].band) == (last, "Mild")
    history = selectors.history_of(alexis)
    assert all(value == 0 for value in history.item9.values()) and len(history.item9) == 4


def test_her_outcome_is_a_reliable_improvement(db):
    alexis, _ = alexis_and_her_sessions()
    page = selectors.measures_page(alexis)
    assert page.outcome.reliable_improvement and not page.outcome.reliable_deterioration
    assert page.outcome.phq9.change <= -6 and page.outcome.gad7.change <= -4
    assert page.outcome.headline == "Reliable recovery"


def test_she_checks_in_on_the_alliance_after_every_session_with_one_dip(db):
    alexis, attended = alexis_and_her_sessions()
    responses = client_responses(alexis, "alliance")
    assert [r.session_id for r in responses] == [s.pk for s in attended]
    totals = [r.total for r in responses]
    dips = [n for n, (a, b) in enumerate(itertools.pairwise(totals), start=2) if b < a]
    assert dips == [DIP]
    assert "rushed at the end" in responses[DIP - 1].free_text
    # Every response is dated at its session, not at the build.
    for response, session in zip(responses, attended, strict=True):
        assert session.starts_at < response.submitted_at < session.starts_at + HOURS_2


def test_alice_rates_the_alliance_too_so_the_gap_shows(db):
    alexis, attended = alexis_and_her_sessions()
    hers = Response.objects.filter(client=alexis, respondent="therapist")
    assert {r.session_id for r in hers} == {s.pk for s in attended[1::2]}
    assert all(r.entered_by.username == "alice" and r.instrument == "alliance" for r in hers)
    page = selectors.measures_page(alexis)
    assert page.gap_session == len(attended)
    assert any(row.gap for row in page.gap)


def test_the_dip_raised_one_alert_alice_acknowledged_with_a_fit_review_to_adjust(db):
    alexis, attended = alexis_and_her_sessions()
    [alert] = Alert.objects.filter(client=alexis)
    assert (alert.kind, alert.session_number) == ("alliance_drop", DIP)
    assert not alert.is_open and alert.acknowledged_by.username == "alice"
    assert alert.note == ACKNOWLEDGEMENT
    assert attended[DIP - 1].starts_at < alert.raised_at < alert.acknowledged_at
    assert alert.acknowledged_at < attended[DIP].starts_at
    [review] = FitReview.objects.filter(client=alexis)
    assert (review.opened_from_id, review.decision, review.by.username) == (
        alert.pk,
        "adjust",
        "alice",
    )
    assert alert.acknowledged_at < review.at < attended[DIP].starts_at
    page = selectors.measures_page(alexis)
    assert page.open_alerts == [] and page.fit_check_due is None


def test_the_feedback_went_through_the_services_and_is_audited(db):
    alexis, _ = alexis_and_her_sessions()
    actions = list(AuditEvent.objects.filter(client_id=alexis.pk).values_list("action", flat=True))
    assert (
        actions.count("measures.response.submit") == Response.objects.filter(client=alexis).count()
    )
    assert actions.count("measures.alert.acknowledge") == 1
    assert actions.count("measures.fit_review.create") == 1


def test_the_measures_page_of_alexis_shows_it_all(db, client):
    alexis, _ = alexis_and_her_sessions()
    client.force_login(User.objects.get(username="alice"))
    body = client.get(reverse("measures", args=[alexis.pk])).content.decode()
    assert "Reliable recovery" in body and "No open alerts." in body
    assert "7 of 27: Mild" in body and "6 of 21: Mild" in body
    assert "I felt rushed at the end" not in body  # the latest check-in's words are shown
    assert "<h3>Adjust the approach, " in body and "fell from 79 to 73 at session 4" in body


def test_the_demo_feedback_is_the_same_each_run(db):
    def one_run():
        with transaction.atomic():
            load_demo(password="a demo passphrase")
            rows = list(
                Response.objects.order_by("submitted_at", "pk").values_list(
                    "instrument", "respondent", "total", "band", "submitted_at", "free_text"
                )
            )
            alerts = list(Alert.objects.values_list("kind", "reason", "raised_at"))
            transaction.set_rollback(True)
        return rows, alerts

    assert one_run() == one_run()


def test_the_other_demo_clients_give_feedback_and_raise_no_alert(db):
    alexis, _ = alexis_and_her_sessions()
    others = Response.objects.exclude(client=alexis)
    assert others.filter(instrument="alliance").exists()
    assert others.filter(instrument="phq9").exists()
    # Alexis's dip is the demo's one alert.
    assert list(Alert.objects.values_list("client__given_name", "kind")) == [
        ("Alexis", "alliance_drop")
    ]
    assert not others.filter(item9="endorsed").exists()


def test_the_demo_practice_view_has_figures_to_show(db, client):
    load_demo(password="a demo passphrase")
    client.force_login(User.objects.get(username="alice"))
    body = client.get(reverse("practice_feedback")).content.decode()
    practice = body[body.index(">The whole practice</h2>") : body.index("</section>")]
    assert "out of 10 (" in practice  # the alliance average is shown, not withheld
    assert "% (" in practice and "clients assessed)" in practice
    assert "Alexis" not in body
